"""A ZeroMQ peer run as a child process, so tests can SIGKILL / SIGSTOP a real process.

Usage::

    python _peer.py LIB MODE KIND ENDPOINT [key=value ...]

``LIB`` is ``zmq`` (libzmq through pyzmq) or ``purezmq``; ``MODE`` is ``bind`` or
``connect``; ``KIND`` is ``PULL``, ``XPUB``, ``SUB`` or ``PUSH``. Options:
``topic=T`` (SUB's subscription), ``send=MSG`` (PUSH sends it once connected),
``tag=Ta`` (XPUB publishes ``Ta0``, ``Ta1``, ... while it has a subscriber).

The child reports on stdout, one line per event, so the parent reads them in order:
``READY <endpoint>`` once bound or connected, ``MSG <hex>`` per received message,
``SUB <hex>`` per subscription message an XPUB receives. The parent talks to it only
through stdin: when stdin closes (the parent exited or died), the child exits, so a
crashed test never leaves an orphan behind.
"""

from __future__ import annotations

import importlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: how long a restarted peer retries binding an address its killed predecessor held
BIND_RETRY_S = 5.0
#: how often an XPUB with subscribers publishes (the parent waits for a message)
PUBLISH_EVERY_S = 0.01


def _exit_when_parent_goes() -> None:
    """Exit as soon as stdin reaches EOF: the parent closed it or died."""
    sys.stdin.buffer.read()
    os._exit(0)


def _report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _bind(zmq: Any, sock: Any, endpoint: str) -> None:
    """Bind, retrying while the address is still held (a killed predecessor's port or
    socket file may take a moment to be released)."""
    deadline = time.monotonic() + BIND_RETRY_S
    while True:
        try:
            sock.bind(endpoint)
            return
        except zmq.ZMQError as exc:
            if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def main(argv: list[str]) -> None:
    """Run the peer described by ``argv`` until killed or stdin closes."""
    lib, mode, kind, endpoint, *rest = argv
    opts = dict(item.split("=", 1) for item in rest)
    zmq = importlib.import_module(lib)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    ctx = zmq.Context()
    sock = ctx.socket(getattr(zmq, kind))
    sock.setsockopt(zmq.LINGER, 0)
    if kind == "SUB":
        sock.setsockopt(zmq.SUBSCRIBE, opts.get("topic", "").encode())
    if mode == "bind":
        _bind(zmq, sock, endpoint)
    else:
        sock.connect(endpoint)
    _report(f"READY {sock.getsockopt(zmq.LAST_ENDPOINT).decode()}")
    if kind in ("PULL", "SUB"):
        while True:
            _report(f"MSG {sock.recv().hex()}")
    elif kind == "PUSH":
        sock.send(opts.get("send", "hello").encode())
        threading.Event().wait()  # stay connected until killed or stdin closes
    elif kind == "XPUB":
        subscribed = 0
        tag = opts.get("tag", "T").encode()
        n = 0
        sock.setsockopt(zmq.RCVTIMEO, int(PUBLISH_EVERY_S * 1000))
        while True:
            try:
                sub = sock.recv()
            except zmq.Again:
                pass
            else:
                _report(f"SUB {sub.hex()}")
                subscribed += 1 if sub[:1] == b"\x01" else -1
            if subscribed > 0:
                sock.send(b"%s%d" % (tag, n))
                n += 1
    else:
        raise SystemExit(f"unknown kind {kind}")


class PeerProcess:
    """The parent's handle on one child peer: its report lines, kill, stop and resume.

    Args:
        args: ``LIB MODE KIND ENDPOINT [key=value ...]`` as for :func:`main`.
    """

    def __init__(self, *args: str) -> None:
        import purezmq  # the child must import the same purezmq as the tests

        env = dict(os.environ)
        src = str(Path(purezmq.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(raw.decode().rstrip("\n"))
        self._lines.put("EOF")

    def expect(self, kind: str, timeout: float = 5.0) -> str:
        """The payload of the next report line, which must be of ``kind`` (READY, MSG,
        SUB); raises AssertionError after ``timeout`` or on another line."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {kind} line from the peer in {timeout} s") from None
        head, _, rest = line.partition(" ")
        assert head == kind, f"expected {kind}, got {line!r}"
        return rest

    def message(self, timeout: float = 5.0) -> bytes:
        """The next message the peer reported receiving."""
        return bytes.fromhex(self.expect("MSG", timeout))

    def signal(self, sig: int) -> None:
        """Send ``sig`` (SIGSTOP, SIGCONT) to the child."""
        os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the child and reap it; its sockets are closed by the kernel."""
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL ends a SIGSTOPped process too
        self.proc.wait(5)

    def close(self) -> None:
        """Kill, reap and release the pipes (idempotent)."""
        self.kill()
        self._reader.join(5)  # the child is gone: its stdout is at EOF
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


if __name__ == "__main__":
    main(sys.argv[1:])
