"""A sender reading its connections before it sends (SocketCore.read_for_send).

A PUB (or XPUB) must see a subscription that reached it before a send: libzmq's
sockets do, because their I/O threads run in parallel with the sender. Ours, read by
the I/O thread only, would miss it while the sending thread holds the GIL, and drop
the message (pyzmq's test_log::test_blank_root_topic). Here a raw ZMTP subscriber
writes its SUBSCRIBE with a plain socket send, the test waits until the PUB's
descriptor is readable, and it holds the connection's lock meanwhile (the lock every
read takes), so that the I/O thread cannot read it first: what the I/O thread may
not get to in time, it does not get to at all. Every wait is bounded (monitor events,
socket timeouts); none sleeps to synchronise. The last test is the subscriber's side:
its subscriptions are written by the subscribing thread (SocketCore.write_control).
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import purezmq
import purezmq.asyncio
from purezmq.engine import core as core_mod
from purezmq.transport.selector import SelectorStream
from tests.engine.test_caller_reading import _stream
from tests.engine.test_caller_reading import endpoint as endpoint  # a fixture (tcp, ipc)
from tests.engine.test_engine import _events, _monitor, wait_for
from tests.sockets.test_raw_zmtp import RawPeer, command


def _raw_subscriber(pub: purezmq.Socket, mon: purezmq.Socket) -> Iterator[RawPeer]:
    """A raw ZMTP 3.1 SUB connected to ``pub``, once ``pub`` has completed the handshake
    (``mon``: ``pub``'s monitor)."""
    address = pub.last_endpoint.decode()
    if address.startswith("ipc://"):
        conn = socket.socket(socket.AF_UNIX)
        conn.settimeout(5)
        conn.connect(address[len("ipc://") :])
    else:
        host, port = address[len("tcp://") :].rsplit(":", 1)
        conn = socket.create_connection((host, int(port)), timeout=5)
    peer = RawPeer(conn)
    try:
        peer.handshake(1, b"SUB")
        _events(mon, purezmq.EVENT_HANDSHAKE_SUCCEEDED)
        yield peer
    finally:
        conn.close()


@pytest.fixture(params=["PUB", "XPUB"])
def pub(request: pytest.FixtureRequest, ctx: purezmq.Context, endpoint: str) -> Iterator[Any]:
    sock = ctx.socket(getattr(purezmq, request.param))
    sock.sndtimeo = 5000
    sock.bind(endpoint)
    yield sock
    sock.close(0)


@pytest.fixture
def peer(ctx: purezmq.Context, pub: purezmq.Socket) -> Iterator[RawPeer]:
    mon = _monitor(ctx, pub)
    try:
        yield from _raw_subscriber(pub, mon)
    finally:
        mon.close(0)


@contextmanager
def _subscribed(pub: purezmq.Socket, peer: RawPeer, topic: bytes) -> Iterator[SelectorStream]:
    """The peer's SUBSCRIBE is in the kernel and the I/O thread cannot read it: the
    block runs with the connection's lock held (a send takes it again: it is an
    RLock)."""
    stream = _stream(pub)
    with stream._lock:
        peer.conn.sendall(command(b"SUBSCRIBE", topic))
        readable, _, _ = select.select([stream._fd], [], [], 5)
        assert readable
        yield stream


def test_a_subscription_that_arrived_before_the_first_send_is_seen(
    pub: purezmq.Socket, peer: RawPeer
) -> None:
    with _subscribed(pub, peer, b"t"):
        pub.send(b"t-first")
    assert peer.read_frame()[1] == b"t-first"


def test_every_send_after_a_pause_reads(
    pub: purezmq.Socket, peer: RawPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_mod, "SEND_READ_IVL", 0.0)
    for i in range(20):
        topic = b"topic-%d" % i
        with _subscribed(pub, peer, topic):
            pub.send_multipart([topic, b"body"])
        assert peer.read_frame()[1:2] == (topic,)
        assert peer.read_frame()[1] == b"body"


def test_a_send_close_to_the_previous_one_does_not_read(
    pub: purezmq.Socket, peer: RawPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_mod, "SEND_READ_IVL", 3600.0)
    pub._core._last_send = -3600.0  # as a new socket's: the next send reads
    with _subscribed(pub, peer, b"a") as stream:
        pub.send(b"a1")
    assert peer.read_frame()[1] == b"a1"
    reads = stream.caller_reads
    assert reads >= 1
    with _subscribed(pub, peer, b"b"):
        for _ in range(10):
            pub.send(b"b1")  # dropped: the subscription to b is not read yet
            pub.send(b"a2")
        assert stream.caller_reads == reads
    for _ in range(10):
        assert peer.read_frame()[1] == b"a2"


def test_a_connection_with_writes_pending_is_left_to_the_loop(
    pub: purezmq.Socket, peer: RawPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the loop is about to write it, and reads it then: a sender's read (a system
    # call, which lets the loop's thread take the GIL) would only cut that flush short
    monkeypatch.setattr(core_mod, "SEND_READ_IVL", 0.0)
    (engine,) = tuple(pub._core.engines)
    with _subscribed(pub, peer, b"t") as stream:
        reads = stream.caller_reads
        engine._flush_pending = True  # as while a flush is scheduled
        try:
            pub.send(b"t-1")  # dropped: the subscription is not read yet
            assert stream.caller_reads == reads
        finally:
            engine._flush_pending = False
        pub.send(b"t-2")
        assert stream.caller_reads == reads + 1
    assert peer.read_frame()[1] == b"t-2"


def test_xpub_receives_the_subscriptions_its_sends_read(
    ctx: purezmq.Context, endpoint: str
) -> None:
    xpub = ctx.socket(purezmq.XPUB)
    xpub.rcvtimeo = 5000
    xpub.bind(endpoint)
    mon = _monitor(ctx, xpub)
    try:
        for peer in _raw_subscriber(xpub, mon):
            with _subscribed(xpub, peer, b"x"):
                xpub.send(b"x-data")
            assert peer.read_frame()[1] == b"x-data"
            assert xpub.recv() == b"\x01x"
    finally:
        mon.close(0)
        xpub.close(0)


def test_a_subscriber_gone_before_the_send_is_left_to_the_loop(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_mod, "SEND_READ_IVL", 0.0)
    pub = ctx.socket(purezmq.PUB)
    pub.bind(endpoint)
    mon = _monitor(ctx, pub)
    try:
        for peer in _raw_subscriber(pub, mon):
            with _subscribed(pub, peer, b"t") as stream:
                peer.conn.shutdown(socket.SHUT_WR)
                pub.send(b"t-1")  # reads the subscription
                pub.send(b"t-2")  # meets end of stream: not the sender's to handle
                assert not stream._closing
            _events(mon, purezmq.EVENT_DISCONNECTED)
            assert wait_for(lambda: not pub._core.engines)
            pub.send(b"t-nobody")
    finally:
        mon.close(0)
        pub.close(0)


def test_garbage_read_by_a_sender_closes_that_connection_only(
    ctx: purezmq.Context, endpoint: str
) -> None:
    pub = ctx.socket(purezmq.PUB)
    pub.bind(endpoint)
    mon = _monitor(ctx, pub)
    sub = ctx.socket(purezmq.SUB)
    sub.rcvtimeo = 5000
    sub.subscribe(b"")
    try:
        sub.connect(pub.last_endpoint.decode())

        def delivered() -> bool:
            pub.send(b"probe")
            return sub.poll(10) != 0

        assert wait_for(delivered)  # the real subscriber's subscription is in
        for peer in _raw_subscriber(pub, mon):
            assert wait_for(lambda: len(pub._core.engines) == 2)
            # a command whose name is longer than its body: a malformed command
            peer.conn.sendall(b"\x04\x01\x05")
            pub.send(b"sent")  # whoever reads it, the connection fails on the loop
            _events(mon, purezmq.EVENT_DISCONNECTED)
            assert wait_for(lambda: len(pub._core.engines) == 1)
            pub.send(b"to-the-other")
            got = sub.recv()
            while got in (b"probe", b"sent"):
                got = sub.recv()
            assert got == b"to-the-other"
    finally:
        sub.close(0)
        mon.close(0)
        pub.close(0)


def test_which_sockets_read_before_sending(ctx: purezmq.Context) -> None:
    for kind, reads in (("PUB", True), ("XPUB", True), ("SUB", False), ("PUSH", False)):
        sock = ctx.socket(getattr(purezmq, kind))
        try:
            assert sock._core.reads_for_send is reads, kind
        finally:
            sock.close(0)


@pytest.mark.asyncio
async def test_asyncio_sockets_on_a_loop_do_not_read_before_sending() -> None:
    # their connections are the loop's transports, which only the loop may read; an
    # asyncio socket made outside a loop runs on the I/O thread, as a blocking one
    actx = purezmq.asyncio.Context()
    try:
        sock = actx.socket(purezmq.PUB)
        assert sock._core.reads_for_send is False
        sock.close(0)
    finally:
        actx.destroy(linger=0)


def test_a_subs_subscriptions_are_written_by_the_subscribing_thread(
    ctx: purezmq.Context,
) -> None:
    """The other half of the same race: subscriptions made back to back must all be on
    the wire before the program goes on (a canary published right after must not find
    the second one still queued for the I/O thread). The connection's lock is held
    throughout, so only the subscribing thread can write them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    sub = ctx.socket(purezmq.SUB)
    try:
        sub.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        conn, _ = listener.accept()
        peer = RawPeer(conn)
        peer.handshake(1, b"PUB")
        stream = _stream(sub)
        assert wait_for(lambda: tuple(sub._core.engines)[0]._handshaken)
        with stream._lock:
            for topic in (b"a", b"b", b"c"):
                sub.subscribe(topic)
            got = [peer.read_frame()[1] for _ in range(3)]
            sub.unsubscribe(b"b")
            got.append(peer.read_frame()[1])
        assert got == [b"\x09SUBSCRIBEa", b"\x09SUBSCRIBEb", b"\x09SUBSCRIBEc", b"\x06CANCELb"]
        conn.close()
    finally:
        sub.close(0)
        listener.close()
