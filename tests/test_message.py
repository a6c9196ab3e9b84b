"""Frame, MessageTracker, copy=False receives with metadata, and the serialization helpers."""

from __future__ import annotations

import asyncio

import pytest
import zmq

import purezmq
import purezmq.asyncio as azmq


def _pair(ctx: purezmq.Context, ep: str = "inproc://m") -> tuple[purezmq.Socket, purezmq.Socket]:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    for s in (a, b):
        s.rcvtimeo = 5000
    a.bind(ep)
    b.connect(a.last_endpoint.decode())
    return a, b


def test_frame_is_bytes_like() -> None:
    f = purezmq.Frame(bytearray(b"payload"))
    assert f == b"payload" and f.bytes == b"payload" and type(f.bytes) is bytes
    assert bytes(memoryview(f)) == b"payload" and f.buffer.tobytes() == b"payload"
    assert len(f) == 7 and f.more is False and f.get(purezmq.MORE) == 0
    assert purezmq.Message is purezmq.Frame
    assert repr(purezmq.Frame(b"x" * 2000)).endswith("...2kB)>")
    with pytest.raises(TypeError):
        purezmq.Frame("text")
    assert purezmq.Frame() == b""


def test_tracker() -> None:
    f = purezmq.Frame(b"x", track=True)
    assert f.tracker is not None and f.tracker.done
    t = purezmq.MessageTracker(f)
    t.wait(0)
    with pytest.raises(ValueError):
        purezmq.MessageTracker(purezmq.Frame(b"untracked"))


def test_send_returns_tracker_only_for_tracked_zero_copy(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    assert b.send(b"1") is None
    tracker = b.send(b"2", copy=False, track=True)
    assert isinstance(tracker, purezmq.MessageTracker) and tracker.done
    assert a.recv() == b"1" and a.recv() == b"2"


def test_recv_copy_false_gives_frames_with_more_and_metadata(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx, "tcp://127.0.0.1:*")
    b.send_multipart([purezmq.Frame(b"f1"), b"f2"])
    frames = a.recv_multipart(copy=False)
    assert [f.bytes for f in frames] == [b"f1", b"f2"]
    assert [f.more for f in frames] == [True, False]
    assert frames[0].get("Socket-Type") == "PAIR" == frames[0]["socket-type"]
    assert frames[0].get("Peer-Address") == "127.0.0.1"
    with pytest.raises(purezmq.ZMQError):
        frames[0].get("User-Id")
    b.send_multipart([b"g1", b"g2"])
    first = a.recv(copy=False)
    assert first.more and first.get(purezmq.MORE) == 1
    assert a.recv(copy=False).more is False


def test_metadata_from_libzmq_peer(ctx: purezmq.Context) -> None:
    zc = zmq.Context()
    try:
        router = ctx.socket(purezmq.ROUTER)
        router.rcvtimeo = 5000
        router.bind("tcp://127.0.0.1:*")
        dealer = zc.socket(zmq.DEALER)
        dealer.setsockopt(zmq.ROUTING_ID, b"dealer-1")
        dealer.connect(router.last_endpoint.decode())
        dealer.send(b"hi")
        rid, body = router.recv_multipart(copy=False)
        assert rid.bytes == b"dealer-1" and body.bytes == b"hi"
        assert body.get("Identity") == "dealer-1" and body.get("Socket-Type") == "DEALER"
        dealer.close(0)
    finally:
        zc.term()


def test_json_pyobj_serialized_recv_into(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    b.send_json({"a": [1, 2], "ü": None})
    assert a.recv_json() == {"a": [1, 2], "ü": None}
    b.send_pyobj({1, 2, 3})
    assert a.recv_pyobj() == {1, 2, 3}
    b.send_serialized({"k": "v"}, lambda m: [k.encode() for k in m] + [b"!"])
    assert a.recv_serialized(lambda frames: [bytes(f) for f in frames]) == [b"k", b"!"]
    b.send_string("héllo")
    assert a.recv_string() == "héllo"
    b.send(b"0123456789")
    buf = bytearray(4)
    assert a.recv_into(buf) == 10 and buf == b"0123"
    b.send(b"xy")
    buf = bytearray(b"....")
    assert a.recv_into(buf, nbytes=1) == 2 and buf == b"x..."
    with pytest.raises(TypeError):
        a.recv_into(b"readonly")


@pytest.mark.asyncio
async def test_asyncio_helpers() -> None:
    ctx = azmq.Context()
    try:
        a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
        a.bind("inproc://aj")
        b.connect("inproc://aj")
        pending = a.recv_json()
        await b.send_json(None)  # JSON null is a real result, not "nothing yet"
        assert await asyncio.wait_for(pending, 5) is None
        await b.send_pyobj((1, "x"))
        assert await a.recv_pyobj() == (1, "x")
        await b.send_string("s")
        assert await a.recv_string() == "s"
        await b.send_multipart([b"1", b"2"])
        frames = await a.recv_multipart(copy=False)
        assert [f.more for f in frames] == [True, False]
        await b.send(b"p")
        assert await a.poll(1000) == purezmq.POLLIN
    finally:
        ctx.destroy(0)
