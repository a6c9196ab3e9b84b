"""Helpers for test_faults.py: a pyzmq side that closes its sockets, monitor events
with bounded waits, filling a socket until it is stuck, and a sender with a libzmq
peer that never reads."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from typing import Any, cast

import zmq

import purezmq
import purezmq.asyncio

#: how long a full socket must stay unwritable to count as stuck
SETTLE_MS = 200


class ZmqSide:
    """A pyzmq context that keeps its sockets alive until teardown closes them (pyzmq
    warns about a socket garbage-collected while open, and warnings are errors)."""

    def __init__(self) -> None:
        self.ctx = zmq.Context()
        self.sockets: list[zmq.Socket[Any]] = []

    def socket(self, kind: int) -> zmq.Socket[Any]:
        """A pyzmq socket of ``kind``, closed at :meth:`close`."""
        sock = self.ctx.socket(kind)
        self.sockets.append(sock)
        return sock

    def monitor(self, sock: zmq.Socket[Any], events: int) -> zmq.Socket[Any]:
        """libzmq's monitor socket for ``sock``, closed at :meth:`close`."""
        mon = sock.get_monitor_socket(events)
        self.sockets.append(mon)
        return mon

    def close(self) -> None:
        """Close every socket at once (LINGER 0), then the context."""
        for sock in self.sockets:
            sock.close(0)
        self.ctx.term()


class Events:
    """Monitor events of a purezmq socket, read with bounded waits."""

    def __init__(self, sock: purezmq.Socket, events: int = purezmq.EVENT_ALL) -> None:
        self.sock = sock
        self.mon = sock.get_monitor_socket(events)
        self.seen: list[tuple[int, int]] = []

    def wait(self, event: int, timeout: float = 5.0) -> int:
        """The value of the next ``event``; earlier events are kept in ``seen``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not self.mon.poll(int(left * 1000) + 1):
                break
            ev, value = struct.unpack("=HI", self.mon.recv_multipart()[0])
            self.seen.append((ev, value))
            if ev == event:
                return int(value)
        raise AssertionError(f"event {event:#x} not seen in {timeout} s: {self.seen}")

    def close(self) -> None:
        """Stop monitoring and close the monitor socket."""
        self.sock.disable_monitor()
        self.mon.close(0)


def zmq_events_absent(mon: zmq.Socket[Any], event: int, during: float) -> None:
    """Assert that a libzmq monitor reports no ``event`` for ``during`` seconds."""
    deadline = time.monotonic() + during
    while (left := deadline - time.monotonic()) > 0:
        if mon.poll(int(left * 1000) + 1):
            ev = struct.unpack("=HI", mon.recv_multipart()[0])[0]
            assert ev != event, f"libzmq reported event {event:#x}"


def free_tcp_endpoint() -> str:
    """An address nobody listens on yet (for a peer that appears later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


def fill(
    sock: Any,
    payload: bytes,
    limit: int = 100_000,
    send: Callable[[bytes, int], object] | None = None,
    start: int = 0,
) -> list[bytes]:
    """Send distinct messages with NOBLOCK until the socket stays unwritable for
    SETTLE_MS: the queues and the kernel buffers between us and the peer are full.
    ``send(msg, flags)`` replaces ``sock.send`` (a ROUTER prefixes the peer's id);
    messages are numbered from ``start``."""
    sent: list[bytes] = []
    send = send or sock.send
    refused_since: float | None = None
    while len(sent) < limit:
        msg = b"%d:" % (start + len(sent)) + payload
        try:
            send(msg, zmq.NOBLOCK)
        except (purezmq.Again, zmq.Again):
            now = time.monotonic()
            refused_since = refused_since or now
            # libzmq's XPUB with XPUB_NODROP reports POLLOUT while refusing to send,
            # so refusals for SETTLE_MS also count as stuck
            if now - refused_since > SETTLE_MS / 1000 or not sock.poll(SETTLE_MS, zmq.POLLOUT):
                return sent
            continue
        refused_since = None
        sent.append(msg)
    raise AssertionError(f"{limit} sends never hit the HWM")


async def afill(sock: purezmq.asyncio.Socket, payload: bytes) -> list[bytes]:
    """:func:`fill` for an asyncio socket."""
    sent: list[bytes] = []
    while len(sent) < 100_000:
        msg = b"%d:" % len(sent) + payload
        try:
            await sock.send(msg, purezmq.NOBLOCK)
        except purezmq.Again:
            if not await sock.poll(SETTLE_MS, purezmq.POLLOUT):
                return sent
            continue
        sent.append(msg)
    raise AssertionError("100000 sends never hit the HWM")


class Stalled:
    """A sender (purezmq, or libzmq for reference) bound, and a libzmq peer connected
    that reads nothing after setup; ``send`` addresses the peer for a ROUTER."""

    def __init__(
        self, lib: str, kind: str, ctx: purezmq.Context, zside: ZmqSide, sndhwm: int
    ) -> None:
        mod: Any = purezmq if lib == "purezmq" else zmq
        base = kind.split("_")[0]
        self.sock: Any = (ctx if lib == "purezmq" else zside).socket(getattr(mod, base))
        self.sock.sndhwm = sndhwm
        self.sock.rcvtimeo = 5000
        if kind == "XPUB_NODROP":
            self.sock.setsockopt(mod.XPUB_NODROP, 1)
        if kind == "ROUTER_MANDATORY":
            self.sock.setsockopt(mod.ROUTER_MANDATORY, 1)
        self.sock.bind("tcp://127.0.0.1:*")
        peer_kind = {"PUSH": zmq.PULL, "PUB": zmq.SUB, "XPUB": zmq.SUB, "ROUTER": zmq.DEALER}
        self.peer = zside.socket(peer_kind.get(base, getattr(zmq, base)))
        self.peer.setsockopt(zmq.RCVHWM, 10)
        self.peer.rcvtimeo = 5000
        if base in ("PUB", "XPUB"):
            self.peer.setsockopt(zmq.SUBSCRIBE, b"")
        if base == "ROUTER":
            self.peer.setsockopt(zmq.ROUTING_ID, b"peer")
        self.peer.connect(cast(bytes, self.sock.last_endpoint).decode())
        if base == "XPUB":
            assert self.sock.recv() == b"\x01"
        elif base == "ROUTER":
            self.peer.send(b"hi")  # the ROUTER learns the peer's id
            assert self.sock.recv_multipart() == [b"peer", b"hi"]
        elif base == "PUB":
            # the subscription must have arrived, or PUB drops for want of a subscriber
            for _ in range(500):
                self.sock.send(b"probe")
                if self.peer.poll(10):
                    break
            assert self.peer.recv() == b"probe"
        self.router = base == "ROUTER"

    def send(self, msg: bytes, flags: int = 0) -> None:
        """Send ``msg`` to the peer (through its routing id for a ROUTER)."""
        if self.router:
            self.sock.send_multipart([b"peer", msg], flags)
        else:
            self.sock.send(msg, flags)

    def drain(self) -> list[bytes]:
        """Everything the peer gets once it reads again (probes skipped)."""
        got: list[bytes] = []
        while self.peer.poll(200):
            msg = self.peer.recv()
            if msg != b"probe":
                got.append(msg)
        return got
