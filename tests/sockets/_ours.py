"""Helpers shared by tests/sockets and tests/interop: the "ours" switch and socket bookkeeping.

"Ours" is the library under test: ``purezmq`` by default, or whatever module the
``PUREZMQ_OURS`` environment variable names (``PUREZMQ_OURS=zmq`` runs the suites with
pyzmq standing in for purezmq, which is how the tests themselves are validated).
Nothing here imports "ours" at module import time, so collection never fails.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import time
import uuid
from types import ModuleType
from typing import Any

import pytest

OURS_NAME = os.environ.get("PUREZMQ_OURS", "purezmq")
OURS_IS_PYZMQ = OURS_NAME == "zmq"

#: Every receiving socket gets this RCVTIMEO/SNDTIMEO so that a failure is an error, not a hang.
TIMEOUT_MS = 5000
#: Observation window used only where a test must show that something does NOT arrive.
ABSENCE_MS = 300

PROBE = b"\xffprobe"
PROBE_END = b"\xffprobe-end"


def load_ours() -> ModuleType:
    """The module under test (purezmq, or pyzmq with PUREZMQ_OURS=zmq)."""
    return importlib.import_module(OURS_NAME)


def load_ours_asyncio() -> ModuleType:
    """The asyncio flavour of the module under test."""
    return importlib.import_module(OURS_NAME + ".asyncio")


def better_than_libzmq(
    reason: str, raises: type[BaseException] | tuple[type[BaseException], ...] | None = None
) -> pytest.MarkDecorator:
    """Mark a test that checks where purezmq is meant to beat libzmq/pyzmq.

    Expected to fail (strictly, and only with ``raises`` if given) only when pyzmq stands in
    for purezmq; with purezmq it must pass.
    """
    return pytest.mark.xfail(OURS_IS_PYZMQ, reason=reason, strict=True, raises=raises)


def roles(*kinds: str) -> pytest.MarkDecorator:
    """Parametrize ``ours_is`` over the socket types ours plays in a case."""
    return pytest.mark.parametrize("ours_is", kinds, ids=[f"ours={k}" for k in kinds])


class Side:
    """One library with one context; every socket it makes is closed (linger 0) at teardown."""

    def __init__(self, mod: ModuleType, label: str) -> None:
        self.mod = mod
        self.label = label
        self.ctx = mod.Context()
        self.sockets: list[Any] = []
        self.closed = False

    def socket(self, kind: str, **options: Any) -> Any:
        """A socket of type ``kind`` ("PUSH", ...) with LINGER 0, 5 s timeouts, then ``options``."""
        sock = self.ctx.socket(getattr(self.mod, kind))
        self.sockets.append(sock)
        sock.setsockopt(self.mod.LINGER, 0)
        sock.setsockopt(self.mod.RCVTIMEO, TIMEOUT_MS)
        sock.setsockopt(self.mod.SNDTIMEO, TIMEOUT_MS)
        for name, value in options.items():
            sock.setsockopt(getattr(self.mod, name), value)
        return sock

    def owns(self, sock: Any) -> bool:
        return any(s is sock for s in self.sockets)

    def close(self) -> None:
        """Close every socket with linger 0, then terminate the context (idempotent)."""
        if self.closed:
            return
        self.closed = True
        errors: list[BaseException] = []
        for sock in reversed(self.sockets):
            try:
                sock.close(linger=0)
            except Exception as exc:  # keep closing the rest; report afterwards
                errors.append(exc)
        self.sockets.clear()
        self.ctx.term()
        if errors:
            raise errors[0]


class Endpoints:
    """Fresh endpoints per transport: no fixed ports, short ipc paths, unique inproc names."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._n = 0
        self._tag = uuid.uuid4().hex[:8]

    @property
    def ipc_dir(self) -> str:
        if self._dir is None:
            # tmp_path can exceed the ~100-byte limit of Unix socket paths; keep it short.
            self._dir = tempfile.mkdtemp(prefix="pz", dir="/tmp")
        return self._dir

    def fresh(self, transport: str) -> str:
        """An endpoint to bind: a wildcard for tcp, a concrete one otherwise."""
        self._n += 1
        if transport == "tcp":
            return "tcp://127.0.0.1:*"
        if transport == "ipc":
            return f"ipc://{self.ipc_dir}/{self._n}"
        if transport == "inproc":
            return f"inproc://pz-{self._tag}-{self._n}"
        raise ValueError(transport)

    def bind(self, mod: ModuleType, sock: Any, transport: str) -> str:
        """Bind ``sock`` to a fresh endpoint and return the concrete endpoint to connect to."""
        ep = self.fresh(transport)
        sock.bind(ep)
        if transport == "tcp":
            ep = last_endpoint(mod, sock)
            assert not ep.endswith(":*"), ep
        return ep

    def cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def last_endpoint(mod: ModuleType, sock: Any) -> str:
    value = sock.getsockopt(mod.LAST_ENDPOINT)
    assert isinstance(value, bytes), value
    return value.decode()


def assert_nothing(mod: ModuleType, sock: Any, wait_ms: int = ABSENCE_MS) -> None:
    """Assert that no message arrives on ``sock`` within ``wait_ms``."""
    sock.setsockopt(mod.RCVTIMEO, wait_ms)
    try:
        with pytest.raises(mod.Again):
            got = sock.recv_multipart()
            pytest.fail(f"unexpected message {got!r}")
    finally:
        sock.setsockopt(mod.RCVTIMEO, TIMEOUT_MS)


def recv_any(
    mod: ModuleType, socks: list[Any], timeout: float = TIMEOUT_MS / 1000
) -> tuple[int, Any]:
    """Receive one message (multipart) from whichever of ``socks`` has one; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        for i, sock in enumerate(socks):
            try:
                return i, sock.recv_multipart(mod.NOBLOCK)
            except mod.Again:
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no message on any of {len(socks)} sockets within {timeout} s")
        time.sleep(0.001)  # polling a condition, not synchronising by sleep


def is_xsub(mod: ModuleType, sock: Any) -> bool:
    return sock.getsockopt(mod.TYPE) == mod.XSUB


def subscribe(mod: ModuleType, sock: Any, topic: bytes) -> None:
    """Subscribe a SUB (option) or an XSUB (``\\x01topic`` message)."""
    if is_xsub(mod, sock):
        sock.send(b"\x01" + topic)
    else:
        sock.setsockopt(mod.SUBSCRIBE, topic)


def unsubscribe(mod: ModuleType, sock: Any, topic: bytes) -> None:
    if is_xsub(mod, sock):
        sock.send(b"\x00" + topic)
    else:
        sock.setsockopt(mod.UNSUBSCRIBE, topic)


def sync_pubsub(
    pub_mod: ModuleType,
    pub: Any,
    sub_mod: ModuleType,
    sub: Any,
    probe: bytes = PROBE,
    timeout: float = TIMEOUT_MS / 1000,
) -> None:
    """Slow-joiner barrier: publish ``probe`` until the subscriber gets one, then drain.

    The subscriber must already be subscribed to ``probe`` (a prefix of the end marker).
    Because subscriptions travel in order on one connection, once the publisher delivers the
    probe it has also processed every (un)subscription the subscriber sent before it.
    On return the subscriber's queue holds nothing from the publisher.
    """
    end = probe + b"-end"
    deadline = time.monotonic() + timeout
    sub.setsockopt(sub_mod.RCVTIMEO, 20)
    try:
        while True:
            pub.send(probe, pub_mod.NOBLOCK)
            try:
                msg = sub.recv()
            except sub_mod.Again:
                if time.monotonic() > deadline:
                    raise AssertionError("publisher never reached the subscriber") from None
                continue
            assert msg.startswith(probe), msg
            break
        sub.setsockopt(sub_mod.RCVTIMEO, TIMEOUT_MS)
        pub.send(end)
        while (msg := sub.recv()) != end:
            assert msg == probe, msg
    finally:
        sub.setsockopt(sub_mod.RCVTIMEO, TIMEOUT_MS)


def collect_until(mod: ModuleType, sock: Any, marker: bytes) -> list[bytes]:
    """Receive single-frame messages until ``marker``; return those before it."""
    got: list[bytes] = []
    while (msg := sock.recv()) != marker:
        got.append(msg)
    return got


def recv_pumping(
    mod: ModuleType, sock: Any, *pumps: tuple[ModuleType, Any], timeout: float = TIMEOUT_MS / 1000
) -> bytes:
    """Receive one frame on ``sock`` while letting the peer sockets ``pumps`` process commands.

    libzmq quirk (observed with 4.3.5): a *bound* socket attaches a newly accepted peer only
    when its application next calls into it (send/recv/getsockopt). Until then a bound SUB
    sends no subscriptions (libzmq issue 2267), a bound XPUB no welcome message. While
    waiting, poke every socket in ``pumps`` with ``getsockopt(EVENTS)`` (harmless for a
    socket that does not need it). Ours must not need this: see the ``better_than_libzmq`` tests.
    """
    deadline = time.monotonic() + timeout
    sock.setsockopt(mod.RCVTIMEO, 20)
    try:
        while True:
            try:
                return bytes(sock.recv())
            except mod.Again:
                if time.monotonic() > deadline:
                    raise AssertionError("nothing received") from None
                for pmod, psock in pumps:
                    psock.getsockopt(pmod.EVENTS)
    finally:
        sock.setsockopt(mod.RCVTIMEO, TIMEOUT_MS)
