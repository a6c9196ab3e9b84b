"""One ZeroMQ socket in a child process, driven over stdin/stdout by test_netns.py.

Usage (normally through ``ip netns exec NS``)::

    python _netns_peer.py IMPL        # IMPL: purezmq, or pyzmq (libzmq)

The parent writes one JSON command per line; the child answers each with one JSON line,
``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. Commands (``op``):

* ``socket`` ``type`` (``"PUSH"``...), ``opts`` (``{"HEARTBEAT_IVL": 100}``; a string
  value is set as bytes): create the socket, set the options, start a monitor on it;
* ``bind`` / ``connect`` ``addr``: bind answers ``endpoint`` (LAST_ENDPOINT);
* ``send`` ``msgs`` (list of messages, each a list of hex frames): send each without
  blocking; answers ``sent``, the number accepted before the first EAGAIN;
* ``recv`` ``count``, ``timeout_ms``: answers ``msgs``, up to ``count`` messages received
  before the timeout;
* ``echo`` ``count``, ``timeout_ms``: receive messages and send each back unchanged
  (a ROUTER answers to the routing id it got); answers ``echoed``;
* ``wait_event`` ``event`` (number), ``timeout_ms``: wait for a monitor event; answers
  ``found`` and ``events`` (every event number seen so far, in order);
* ``close``: close the sockets and terminate the context.

The child exits when stdin closes, so a failed or killed test leaves no orphan.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _load(impl: str) -> Any:
    if impl == "purezmq":
        import purezmq

        return purezmq
    import zmq

    return zmq


class Peer:
    """The child's state: one context, one socket, its monitor, events seen so far."""

    def __init__(self, impl: str) -> None:
        self.zmq = _load(impl)
        self.ctx = self.zmq.Context()
        self.sock: Any = None
        self.mon: Any = None
        self.events: list[int] = []

    # ------------------------------------------------------------------ commands
    def op_socket(self, type: str, opts: dict[str, int | str]) -> dict[str, Any]:
        """Create the socket (with options; a str value is set as bytes) and its monitor."""
        z = self.zmq
        self.sock = self.ctx.socket(getattr(z, type))
        for name, value in opts.items():
            self.sock.setsockopt(
                getattr(z, name), value.encode() if isinstance(value, str) else value
            )
        self.mon = self.sock.get_monitor_socket()
        return {}

    def op_bind(self, addr: str) -> dict[str, Any]:
        """Bind; answer the resolved endpoint."""
        self.sock.bind(addr)
        return {"endpoint": self.sock.getsockopt(self.zmq.LAST_ENDPOINT).decode()}

    def op_connect(self, addr: str) -> dict[str, Any]:
        """Connect (asynchronous, as always)."""
        self.sock.connect(addr)
        return {}

    def op_send(self, msgs: list[list[str]]) -> dict[str, Any]:
        """Send without blocking: a message the socket cannot queue counts as not sent."""
        sent = 0
        for msg in msgs:
            try:
                self.sock.send_multipart([bytes.fromhex(f) for f in msg], self.zmq.NOBLOCK)
            except self.zmq.Again:
                break
            sent += 1
        return {"sent": sent}

    def _recv(self, count: int, timeout_ms: int) -> list[list[bytes]]:
        out: list[list[bytes]] = []
        deadline = time.monotonic() + timeout_ms / 1000
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sock.poll(max(1, int(left * 1000)), self.zmq.POLLIN):
                break
            out.append(self.sock.recv_multipart())
        return out

    def op_recv(self, count: int, timeout_ms: int) -> dict[str, Any]:
        """Receive up to ``count`` messages within the timeout."""
        return {"msgs": [[f.hex() for f in m] for m in self._recv(count, timeout_ms)]}

    def op_echo(self, count: int, timeout_ms: int) -> dict[str, Any]:
        """Send every received message straight back."""
        echoed = 0
        for msg in self._recv(count, timeout_ms):
            self.sock.send_multipart(msg)
            echoed += 1
        return {"echoed": echoed}

    def _drain_events(self, timeout_ms: int) -> None:
        if self.mon.poll(timeout_ms, self.zmq.POLLIN):
            while True:
                try:
                    frames = self.mon.recv_multipart(self.zmq.NOBLOCK)
                except self.zmq.Again:
                    return
                # Monitor frame 1: event number (uint16 LE) then value (uint32 LE).
                self.events.append(int.from_bytes(frames[0][:2], "little"))

    def op_wait_event(self, event: int, timeout_ms: int, after: int = 0) -> dict[str, Any]:
        """Wait until ``event`` appears among the events from index ``after`` on."""
        deadline = time.monotonic() + timeout_ms / 1000
        while event not in self.events[after:]:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._drain_events(max(1, int(left * 1000)))
        self._drain_events(0)
        return {"found": event in self.events[after:], "events": self.events}

    def op_close(self) -> dict[str, Any]:
        """Close everything; the context term must not hang (LINGER 0)."""
        for s in (self.mon, self.sock):
            if s is not None:
                s.close(0)
        self.ctx.term()
        return {}


def main() -> int:
    """Serve commands from stdin until it closes."""
    peer = Peer(sys.argv[1])
    print(json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd.pop("op")
        try:
            reply = {"ok": True, **getattr(peer, "op_" + op)(**cmd)}
        except Exception as exc:  # reported to the parent, which fails the test
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)
        if op == "close":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
