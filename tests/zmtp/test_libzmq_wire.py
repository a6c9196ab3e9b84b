"""The sans-I/O core against real libzmq 4.3 (through pyzmq), over a plain TCP socket that
the test drives itself: the protocol layer alone is wire compatible, no engine involved."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from purezmq.constants import ProtocolError
from purezmq.zmtp import (
    ConnectionFailed,
    HandshakeComplete,
    MessageReceived,
    ZMTPConnection,
)
from tests.zmtp.helpers import Wire

zmq = pytest.importorskip("zmq")

pytestmark = pytest.mark.interop

TIMEOUT = 5.0


class Lib:
    """libzmq sockets made by a test; all closed at teardown."""

    def __init__(self) -> None:
        self.context = zmq.Context()
        self.sockets: list[Any] = []

    def socket(self, kind: str) -> Any:
        sock = self.context.socket(getattr(zmq, kind))
        self.sockets.append(sock)
        return sock

    def close(self) -> None:
        for sock in self.sockets:
            sock.close(linger=0)
        self.context.term()


@pytest.fixture
def ctx() -> Iterator[Lib]:
    lib = Lib()
    yield lib
    lib.close()


@pytest.fixture
def wires() -> Iterator[list[Wire]]:
    made: list[Wire] = []
    yield made
    for w in made:
        w.close()


def bound(ctx: Lib, kind: str, **options: Any) -> tuple[Any, int]:
    sock = ctx.socket(kind)
    for name, value in options.items():
        sock.setsockopt(getattr(zmq, name), value)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, int(TIMEOUT * 1000))
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return sock, port


def wire(wires: list[Wire], port: int, socket_type: str, **kwargs: Any) -> Wire:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    w = Wire(sock, ZMTPConnection(socket_type, now=time.monotonic(), **kwargs))
    wires.append(w)
    return w


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("DEALER", "ROUTER"),
        ("ROUTER", "DEALER"),
        ("REQ", "REP"),
        ("REP", "REQ"),
        ("PUSH", "PULL"),
        ("PULL", "PUSH"),
        ("SUB", "PUB"),
        ("XPUB", "SUB"),
        ("PAIR", "PAIR"),
    ],
)
def test_handshake_with_libzmq(ctx: Lib, wires: list[Wire], ours: str, theirs: str) -> None:
    _, port = bound(ctx, theirs, ROUTING_ID=b"lib-id")
    w = wire(wires, port, ours, routing_id=b"our-id")
    hc = w.wait_for(HandshakeComplete)
    assert hc.socket_type == theirs and hc.minor_version == 1
    if theirs in ("REQ", "DEALER", "ROUTER"):
        assert hc.identity == b"lib-id"


def test_messages_both_ways(ctx: Lib, wires: list[Wire]) -> None:
    lib, port = bound(ctx, "PAIR")
    w = wire(wires, port, "PAIR")
    w.wait_for(HandshakeComplete)
    sizes = [0, 1, 255, 256, 70_000]
    frames = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    w.conn.send_message(frames)
    w.conn.send_message([b"single"])
    w.step()
    assert lib.recv_multipart() == frames
    assert lib.recv_multipart() == [b"single"]
    lib.send_multipart(frames)
    lib.send(b"back")
    assert w.wait_for(MessageReceived).frames == frames
    assert w.wait_for(MessageReceived).frames == [b"back"]


def test_subscriptions_reach_libzmq_pub(ctx: Lib, wires: list[Wire]) -> None:
    pub, port = bound(ctx, "PUB")
    w = wire(wires, port, "SUB")
    w.wait_for(HandshakeComplete)
    w.conn.send_subscribe(b"yes", True)
    w.step()
    # publish until the subscription has been applied by libzmq
    deadline = time.monotonic() + TIMEOUT
    while not any(isinstance(e, MessageReceived) for e in w.events):
        assert time.monotonic() < deadline
        pub.send(b"no-1")
        pub.send(b"yes-1")
        w.step()
    got = {bytes(f[0]) for f in (e.frames for e in w.events if isinstance(e, MessageReceived))}
    assert got == {b"yes-1"}


def test_libzmq_sub_subscriptions_arrive_as_messages(ctx: Lib, wires: list[Wire]) -> None:
    sub, port = bound(ctx, "SUB", SUBSCRIBE=b"topic")
    w = wire(wires, port, "XPUB")
    w.wait_for(HandshakeComplete)

    def subscribed() -> bool:
        sub.getsockopt(zmq.EVENTS)  # libzmq attaches the pipe only when its socket is used
        return any(isinstance(e, MessageReceived) for e in w.events)

    w.until(subscribed)
    assert w.wait_for(MessageReceived).frames == [b"\x01topic"]


def test_heartbeats_with_libzmq(ctx: Lib, wires: list[Wire]) -> None:
    lib, port = bound(ctx, "DEALER", HEARTBEAT_IVL=50, HEARTBEAT_TTL=1000, HEARTBEAT_TIMEOUT=300)
    w = wire(wires, port, "DEALER", heartbeat_ivl=0.05, heartbeat_ttl=1.0, heartbeat_timeout=0.3)
    w.wait_for(HandshakeComplete)
    # both sides PING every 50 ms and answer the other's: nobody times out
    end = time.monotonic() + 0.8
    w.until(lambda: time.monotonic() > end, timeout=2.0)
    assert not w.eof and not w.conn.closed
    lib.send(b"still here")
    assert w.wait_for(MessageReceived).frames == [b"still here"]


def test_silent_libzmq_peer_times_out(ctx: Lib, wires: list[Wire]) -> None:
    # libzmq that never gets to answer: we stop reading, so only our timer is left
    _, port = bound(ctx, "DEALER")
    w = wire(wires, port, "DEALER", heartbeat_ivl=0.05, heartbeat_timeout=0.2)
    w.wait_for(HandshakeComplete)
    w.eof = True  # ignore everything libzmq sends from here on
    fail = w.wait_for(ConnectionFailed, timeout=2.0)
    assert "heartbeat timeout" in fail.reason


def test_socket_type_mismatch_with_libzmq(ctx: Lib, wires: list[Wire]) -> None:
    # libzmq's READY reaches us before ours reaches it (ours is held back): we refuse it
    _, port = bound(ctx, "PUSH")
    w = wire(wires, port, "PUSH")
    w.send_limit = 64  # the greeting only
    fail = w.wait_for(ConnectionFailed)
    assert fail.code == ProtocolError.ZMTP_INVALID_METADATA and fail.handshake
    assert w.sent == 64 and not w.conn.handshake_complete


def test_libzmq_refuses_socket_type_mismatch(ctx: Lib, wires: list[Wire]) -> None:
    # both READYs travel at once: libzmq closes on ours, sometimes before its own READY
    # has left [OBS 3g]; if its READY did reach us, we refused it too
    _, port = bound(ctx, "PUSH")
    w = wire(wires, port, "PUSH")
    w.until(lambda: w.eof)
    assert not w.conn.handshake_complete
    assert all(
        isinstance(e, ConnectionFailed) and e.code == ProtocolError.ZMTP_INVALID_METADATA
        for e in w.events
    ), w.events


def test_mechanism_mismatch_with_libzmq(ctx: Lib, wires: list[Wire]) -> None:
    _, port = bound(ctx, "PULL", PLAIN_SERVER=1)
    w = wire(wires, port, "PUSH")
    # whoever has the other's greeting first closes; libzmq usually wins [OBS 3h]
    w.until(lambda: w.eof or w.conn.closed)
    assert not w.conn.handshake_complete
    if w.conn.closed:
        (fail,) = w.events
        assert isinstance(fail, ConnectionFailed)
        assert fail.code == ProtocolError.ZMTP_MECHANISM_MISMATCH


def test_libzmq_drops_us_when_we_misbehave(ctx: Lib, wires: list[Wire]) -> None:
    # the refusal we mirror, from the other side: libzmq closes on a frame over its
    # MAXMSGSIZE (READY included: with MAXMSGSIZE=10 our 26-byte READY is refused too)
    lib, port = bound(ctx, "PULL", MAXMSGSIZE=64)
    w = wire(wires, port, "PUSH")
    w.wait_for(HandshakeComplete)
    w.conn.send_message([b"small"])
    w.step()
    assert lib.recv() == b"small"
    w.conn.send_message([b"x" * 65])
    w.until(lambda: w.eof)


def test_libzmq_applies_maxmsgsize_to_ready(ctx: Lib, wires: list[Wire]) -> None:
    _, port = bound(ctx, "PULL", MAXMSGSIZE=10)
    w = wire(wires, port, "PUSH")
    w.until(lambda: w.eof)
