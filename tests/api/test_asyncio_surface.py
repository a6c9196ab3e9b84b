"""purezmq.asyncio surface as pyzmq has it: recv_into, FIFO waiting, close cancels,
poll futures, shadows across flavours."""

from __future__ import annotations

import asyncio

import pytest

import purezmq
import purezmq.asyncio as azmq


def _pair(actx: azmq.Context, t1: int = purezmq.PAIR, t2: int = purezmq.PAIR) -> tuple:
    a, b = actx.socket(t1), actx.socket(t2)
    a.linger = b.linger = 0
    a.bind("tcp://127.0.0.1:*")
    b.connect(a.last_endpoint.decode())
    return a, b


@pytest.mark.asyncio
async def test_recv_into(actx: azmq.Context) -> None:
    a, b = _pair(actx)
    await a.send_multipart([b"hello", b"there world"])
    buf = bytearray(10)
    assert await asyncio.wait_for(b.recv_into(buf), 5) == 5 and buf[:5] == b"hello"
    small = bytearray(4)
    assert await b.recv_into(small, flags=purezmq.DONTWAIT) == 11 and small == b"ther"
    with pytest.raises(purezmq.Again):
        await b.recv_into(bytearray(5), flags=purezmq.DONTWAIT)
    with pytest.raises(ValueError):
        await b.recv_into(bytearray(5), nbytes=-1)
    with pytest.raises(BufferError):
        await b.recv_into(memoryview(b"ro"))


@pytest.mark.asyncio
async def test_pending_receives_complete_in_call_order(actx: azmq.Context) -> None:
    a, b = _pair(actx, purezmq.PUSH, purezmq.PULL)
    f1, f2, f3 = b.recv(), b.recv(), b.recv_multipart()
    assert not (f1.done() or f2.done() or f3.done())
    await a.send_multipart([b"hi", b"there"])
    await a.send(b"third")
    assert await asyncio.wait_for(f3, 5) == [b"third"]
    assert f1.result() == b"hi" and f2.result() == b"there"
    assert len(b._recv_futures) == 0


@pytest.mark.asyncio
async def test_cancelled_head_lets_the_next_receive(actx: azmq.Context) -> None:
    a, b = _pair(actx, purezmq.PUSH, purezmq.PULL)
    f1, f2 = b.recv(), b.recv_multipart()
    assert f1.cancel()
    await a.send_multipart([b"hi", b"there"])
    assert await asyncio.wait_for(f2, 5) == [b"hi", b"there"]


@pytest.mark.asyncio
async def test_close_cancels_waiting_futures(actx: azmq.Context) -> None:
    a, b = _pair(actx, purezmq.PUSH, purezmq.PULL)
    recv, poll = b.recv(), b.poll(timeout=10_000)
    b.close()
    await asyncio.sleep(0)
    assert recv.cancelled() and poll.cancelled()


@pytest.mark.asyncio
async def test_unsent_message_future_is_cancelled_on_close(actx: azmq.Context) -> None:
    s = actx.socket(purezmq.PUSH)
    fut = s.send(b"no peer")
    assert not fut.done()
    s.close(linger=0)
    assert fut.cancelled()  # no "exception was never retrieved" later


@pytest.mark.asyncio
async def test_poll_timeout_zero_is_done_at_once(actx: azmq.Context) -> None:
    a, b = _pair(actx, purezmq.PUSH, purezmq.PULL)
    f = b.poll(timeout=0)
    assert f.done() and f.result() == 0
    f = b.poll(timeout=1000)
    await a.send(b"x")
    assert await asyncio.wait_for(f, 5) == purezmq.POLLIN


@pytest.mark.asyncio
async def test_from_socket_shares_a_blocking_socket(actx: azmq.Context) -> None:
    ctx = purezmq.Context()
    try:
        push = ctx.socket(purezmq.PUSH)
        push.bind("inproc://from-socket")
        pull = ctx.socket(purezmq.PULL)
        pull.connect("inproc://from-socket")
        apull = azmq.Socket.from_socket(pull)
        assert isinstance(apull, azmq.Socket) and apull.underlying == pull.underlying
        assert azmq.Socket(pull).underlying == pull.underlying
        push.send(b"via-async")
        assert await asyncio.wait_for(apull.recv(), 5) == b"via-async"
        assert purezmq.Socket.shadow(apull).underlying == pull.underlying
        assert repr(apull).startswith("<zmq.asyncio.Socket(zmq.PULL)")
    finally:
        ctx.destroy(linger=0)
