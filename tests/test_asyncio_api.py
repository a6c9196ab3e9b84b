"""purezmq.asyncio: futures on the caller's loop, fast paths, lossless cancellation, Poller."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import purezmq
import purezmq.asyncio as azmq


@pytest_asyncio.fixture
async def actx() -> AsyncIterator[azmq.Context]:
    c = azmq.Context()
    yield c
    c.destroy(linger=0)


def _pair(ctx: azmq.Context, ep: str) -> tuple[azmq.Socket, azmq.Socket]:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    a.bind(ep)
    b.connect(a.last_endpoint.decode() if ep.startswith("tcp") else ep)
    return a, b


@pytest.mark.asyncio
@pytest.mark.parametrize("ep", ["inproc://a", "tcp://127.0.0.1:*"])
async def test_exchange(actx: azmq.Context, ep: str) -> None:
    a, b = _pair(actx, ep)
    await b.send_multipart([b"x", b"", b"y" * 100_000])
    assert await asyncio.wait_for(a.recv_multipart(), 5) == [b"x", b"", b"y" * 100_000]
    await a.send(b"1", purezmq.SNDMORE)
    await a.send(b"2")
    assert await asyncio.wait_for(b.recv(), 5) == b"1"
    assert b.getsockopt(purezmq.RCVMORE) == 1
    assert await b.recv() == b"2"


@pytest.mark.asyncio
async def test_recv_of_queued_message_is_already_done(actx: azmq.Context) -> None:
    a, b = _pair(actx, "inproc://fast")
    await b.send(b"ready")
    fut = a.recv()
    assert fut.done() and fut.result() == b"ready"


def _count_attempts(sock: azmq.Socket, before_return: Any = None) -> list[int]:
    """Count the socket's receive attempts (``try_recv_pipe``); ``before_return`` runs
    after the first one, as if another thread acted just after that attempt."""
    core = sock._core
    real = core.try_recv_pipe
    calls = [0]

    def counting() -> Any:
        got = real()
        calls[0] += 1
        if calls[0] == 1 and before_return is not None:
            before_return()
        return got

    core.try_recv_pipe = counting  # type: ignore[method-assign]
    return calls


@pytest.mark.asyncio
async def test_waiting_recv_tries_once_when_nothing_changed(actx: azmq.Context) -> None:
    """A recv that has to wait registers without a second attempt when nothing was
    notified since its first (SocketCore.notified); the wake-up attempts again."""
    a, b = _pair(actx, "inproc://once")
    calls = _count_attempts(a)
    fut = a.recv()
    assert not fut.done() and calls == [1]
    await b.send(b"m")
    assert await asyncio.wait_for(fut, 5) == b"m"
    assert calls == [2]


@pytest.mark.asyncio
async def test_waiting_recv_sees_a_message_that_came_before_it_registered(
    actx: azmq.Context,
) -> None:
    """A message delivered between a recv's failed attempt and its registration (by
    another thread, in life) notified nobody: the recv must attempt again at once."""
    a, b = _pair(actx, "inproc://slip")
    _count_attempts(a, before_return=lambda: b.send(b"slipped"))
    fut = a.recv()
    assert fut.done() and fut.result() == b"slipped"


@pytest.mark.asyncio
async def test_waiting_futures_unregister_however_they_end(actx: azmq.Context) -> None:
    """A waiting recv's waiter leaves the socket (its waiters, its queue, its pending
    futures) whether the future gets a message, an error, a timeout or a cancel, and
    the next waiting recv then goes ahead."""
    a, b = _pair(actx, "inproc://ends")

    def clean() -> bool:
        return not a._core.waiters and not a._recv_futures and not a._pending

    first, second = a.recv(), a.recv()
    assert not first.done() and len(a._recv_futures) == 2
    first.cancel()  # the head is cancelled: the next in line takes the message
    await b.send(b"m")
    assert await asyncio.wait_for(second, 5) == b"m" and clean()
    a.rcvtimeo = 10
    with pytest.raises(purezmq.Again):
        await asyncio.wait_for(a.recv(), 5)
    assert clean()
    a.rcvtimeo = -1
    waiting = a.recv()
    a.close()
    assert waiting.cancelled() and clean()


@pytest.mark.asyncio
async def test_cancelled_recv_loses_nothing(actx: azmq.Context) -> None:
    a, b = _pair(actx, "tcp://127.0.0.1:*")
    for _ in range(20):
        fut = a.recv()
        await asyncio.sleep(0)
        fut.cancel()
    await b.send(b"kept")
    assert await asyncio.wait_for(a.recv(), 5) == b"kept"


@pytest.mark.asyncio
@pytest.mark.parametrize("ep", ["inproc://undo", "tcp://127.0.0.1:*"])
async def test_a_recv_done_at_once_and_then_cancelled_gives_its_message_back(
    actx: azmq.Context, ep: str
) -> None:
    """The recv fast path (a message queued: the future is done when returned) keeps
    what it needs to give the message back, with its pipe's metadata, if the future is
    cancelled before its awaiter sees it."""
    a, b = _pair(actx, ep)
    for m in (b"first", b"second"):
        await b.send(m)
    assert await a.poll(5000) == purezmq.POLLIN
    fut = a.recv()
    assert fut.done() and fut.result() == b"first"
    assert fut.cancel() is False  # given back, not cancelled
    assert not fut.cancelled()
    frame = await asyncio.wait_for(a.recv(copy=False), 5)
    assert frame.bytes == b"first"
    if ep.startswith("tcp"):  # inproc has no handshake, so no metadata
        assert frame.get("Socket-Type") == "PAIR"  # the metadata came back with it
    assert await asyncio.wait_for(a.recv(), 5) == b"second"


@pytest.mark.asyncio
async def test_wait_for_timeout_then_message_arrives(actx: azmq.Context) -> None:
    a, b = _pair(actx, "inproc://wf")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(a.recv(), 0.05)
    await b.send(b"late")
    assert await asyncio.wait_for(a.recv(), 5) == b"late"


@pytest.mark.asyncio
async def test_rcvtimeo_and_noblock_raise_again(actx: azmq.Context) -> None:
    a, _ = _pair(actx, "inproc://t")
    with pytest.raises(purezmq.Again):
        await a.recv(purezmq.NOBLOCK)
    a.rcvtimeo = 50
    with pytest.raises(purezmq.Again):
        await a.recv()


@pytest.mark.asyncio
async def test_send_blocks_at_hwm_until_reader_drains(actx: azmq.Context) -> None:
    push, pull = actx.socket(purezmq.PUSH), actx.socket(purezmq.PULL)
    push.sndhwm = 1
    pull.rcvhwm = 1
    pull.bind("inproc://hwm")
    push.connect("inproc://hwm")
    sent = 0
    while True:
        fut = push.send(b"m", purezmq.NOBLOCK)
        try:
            await fut
        except purezmq.Again:
            break
        sent += 1
    assert sent == 2  # inproc holds sndhwm + rcvhwm
    blocked = push.send(b"last")
    await asyncio.sleep(0)
    assert not blocked.done()
    assert await pull.recv() == b"m"
    await asyncio.wait_for(blocked, 5)


@pytest.mark.asyncio
async def test_poller(actx: azmq.Context) -> None:
    a, b = _pair(actx, "inproc://poll")
    r, w = os.pipe()
    try:
        poller = azmq.Poller()
        poller.register(a, purezmq.POLLIN)
        poller.register(r, purezmq.POLLIN)
        assert await poller.poll(0) == []
        pending = poller.poll(5000)
        await asyncio.sleep(0)
        assert not pending.done()
        await b.send(b"x")
        assert await asyncio.wait_for(pending, 5) == [(a, purezmq.POLLIN)]
        await a.recv()
        os.write(w, b"!")
        assert await asyncio.wait_for(poller.poll(5000), 5) == [(r, purezmq.POLLIN)]
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.asyncio
async def test_runs_on_the_callers_loop(actx: azmq.Context) -> None:
    s = actx.socket(purezmq.PULL)
    assert s._core.io.loop is asyncio.get_running_loop()


@pytest.mark.asyncio
@pytest.mark.parametrize("ep", ["inproc://rw", "tcp://127.0.0.1:*"])
async def test_req_rep_recv_that_waits_straight_away_keeps_every_outcome(
    actx: azmq.Context, ep: str
) -> None:
    # REQ and REP receives with nothing queued wait without a first attempt
    # (Routing.recv_would_wait): errors, NOBLOCK, RCVTIMEO and a late message as before
    rep, req = actx.socket(purezmq.REP), actx.socket(purezmq.REQ)
    rep.bind(ep)
    req.connect(rep.last_endpoint.decode() if ep.startswith("tcp") else ep)
    with pytest.raises(purezmq.ZMQError) as e:
        await req.recv()
    assert e.value.errno == purezmq.EFSM
    waiting = rep.recv()
    assert not waiting.done()
    await req.send(b"q")
    assert await asyncio.wait_for(waiting, 5) == b"q"
    with pytest.raises(purezmq.ZMQError) as e:
        await rep.recv()
    assert e.value.errno == purezmq.EFSM
    with pytest.raises(purezmq.Again):
        await req.recv(purezmq.NOBLOCK)
    req.rcvtimeo = 50
    with pytest.raises(purezmq.Again):
        await req.recv()
    req.rcvtimeo = -1
    await rep.send(b"a")
    assert await asyncio.wait_for(req.recv(), 5) == b"a"
    late = req.recv()  # EFSM: a REQ's recv after its reply, with nothing queued
    with pytest.raises(purezmq.ZMQError) as e:
        await late
    assert e.value.errno == purezmq.EFSM
    req.close(linger=0)
    with pytest.raises(purezmq.ZMQError) as e:
        await req.recv()
    assert e.value.errno == purezmq.ENOTSOCK
