"""The asyncio flavour of ours: main exchanges, concurrency, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio

from tests.sockets._ours import (
    TIMEOUT_MS,
    Endpoints,
    better_than_libzmq,
    load_ours,
    load_ours_asyncio,
)

T = TIMEOUT_MS / 1000


class AioSide:
    """An asyncio context of ours; sockets closed with linger 0 and context terminated."""

    def __init__(self, mod: ModuleType, amod: ModuleType) -> None:
        self.mod = mod  # constants and errors come from the package itself
        self.ctx = amod.Context()
        self.sockets: list[Any] = []

    def socket(self, kind: str, **options: Any) -> Any:
        sock = self.ctx.socket(getattr(self.mod, kind))
        self.sockets.append(sock)
        sock.setsockopt(self.mod.LINGER, 0)
        for name, value in options.items():
            sock.setsockopt(getattr(self.mod, name), value)
        return sock

    def close(self) -> None:
        for s in reversed(self.sockets):
            s.close(linger=0)
        self.ctx.term()


@pytest.fixture
def aio_endpoints() -> Iterator[Endpoints]:
    e = Endpoints()
    yield e
    e.cleanup()


@pytest_asyncio.fixture
async def aio(aio_endpoints: Endpoints) -> AsyncIterator[AioSide]:
    """Sockets are closed (linger 0) and the context terminated before endpoints go away."""
    s = AioSide(load_ours(), load_ours_asyncio())
    yield s
    s.close()


@pytest.fixture(params=["inproc", "tcp"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _await_recv(sock: Any) -> Any:
    """recv() as a coroutine, so it can run as a task (pyzmq returns a Future)."""
    return await sock.recv()


async def _recv(sock: Any) -> bytes:
    return bytes(await asyncio.wait_for(sock.recv(), T))


async def _recv_multipart(sock: Any) -> list[bytes]:
    return [bytes(f) for f in await asyncio.wait_for(sock.recv_multipart(), T)]


def _link(aio: AioSide, eps: Endpoints, transport: str, binder: Any, *others: Any) -> str:
    ep = eps.bind(aio.mod, binder, transport)
    for o in others:
        o.connect(ep)
    return ep


@pytest.mark.asyncio
async def test_push_pull(aio: AioSide, aio_endpoints: Endpoints, transport: str) -> None:
    push, pull = aio.socket("PUSH"), aio.socket("PULL")
    _link(aio, aio_endpoints, transport, pull, push)
    for i in range(20):
        await push.send(b"%d" % i)
    assert [await _recv(pull) for _ in range(20)] == [b"%d" % i for i in range(20)]


@pytest.mark.asyncio
async def test_req_rep(aio: AioSide, aio_endpoints: Endpoints, transport: str) -> None:
    req, rep = aio.socket("REQ"), aio.socket("REP")
    _link(aio, aio_endpoints, transport, rep, req)

    async def server() -> None:
        for _ in range(5):
            msg = await _recv(rep)
            await rep.send(msg.upper())

    task = asyncio.create_task(server())
    for i in range(5):
        await req.send(b"q%d" % i)
        assert await _recv(req) == b"Q%d" % i
    await asyncio.wait_for(task, T)


@pytest.mark.asyncio
async def test_dealer_router_multipart(
    aio: AioSide, aio_endpoints: Endpoints, transport: str
) -> None:
    router = aio.socket("ROUTER")
    dealer = aio.socket("DEALER", ROUTING_ID=b"d")
    _link(aio, aio_endpoints, transport, router, dealer)
    await dealer.send_multipart([b"", b"a", b""])
    assert await _recv_multipart(router) == [b"d", b"", b"a", b""]
    await router.send_multipart([b"d", b"reply", b""])
    assert await _recv_multipart(dealer) == [b"reply", b""]


@pytest.mark.asyncio
async def test_pair_both_ways(aio: AioSide, aio_endpoints: Endpoints, transport: str) -> None:
    a, b = aio.socket("PAIR"), aio.socket("PAIR")
    _link(aio, aio_endpoints, transport, a, b)
    await a.send(b"to-b")
    await b.send(b"to-a")
    assert await _recv(b) == b"to-b"
    assert await _recv(a) == b"to-a"


@pytest.mark.asyncio
async def test_pub_sub(aio: AioSide, aio_endpoints: Endpoints, transport: str) -> None:
    pub, sub = aio.socket("PUB"), aio.socket("SUB")
    _link(aio, aio_endpoints, transport, pub, sub)
    sub.setsockopt(aio.mod.SUBSCRIBE, b"t")

    # Slow joiner: publish the probe until the subscriber gets one (bounded).
    receiver = asyncio.create_task(_await_recv(sub))
    for _ in range(500):
        await pub.send(b"t-probe")
        done, _pending = await asyncio.wait({receiver}, timeout=0.01)
        if done:
            break
    assert receiver.done(), "publisher never reached the subscriber"
    assert receiver.result() == b"t-probe"
    await pub.send(b"x-filtered")
    await pub.send(b"t-end")
    while (msg := await _recv(sub)) != b"t-end":
        assert msg == b"t-probe"


@pytest.mark.asyncio
async def test_noblock_recv_raises_again(aio: AioSide) -> None:
    pull = aio.socket("PULL")
    pull.bind("tcp://127.0.0.1:*")
    with pytest.raises(aio.mod.Again):
        await pull.recv(aio.mod.NOBLOCK)


@pytest.mark.asyncio
async def test_two_concurrent_receivers_get_one_message_each(
    aio: AioSide, aio_endpoints: Endpoints
) -> None:
    push, pull = aio.socket("PUSH"), aio.socket("PULL")
    _link(aio, aio_endpoints, "inproc", pull, push)
    r1 = asyncio.create_task(_await_recv(pull))
    r2 = asyncio.create_task(_await_recv(pull))
    await asyncio.sleep(0)
    await push.send(b"1")
    await push.send(b"2")
    got = await asyncio.wait_for(asyncio.gather(r1, r2), T)
    assert sorted(bytes(g) for g in got) == [b"1", b"2"]


@pytest.mark.asyncio
async def test_cancelled_recv_before_any_message_loses_nothing(
    aio: AioSide, aio_endpoints: Endpoints, transport: str
) -> None:
    push, pull = aio.socket("PUSH"), aio.socket("PULL")
    _link(aio, aio_endpoints, transport, pull, push)
    task = asyncio.create_task(_await_recv(pull))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await push.send(b"kept")
    assert await _recv(pull) == b"kept"


@better_than_libzmq(
    "zmq.asyncio loses the message when a recv() task is cancelled after its future was "
    "resolved but before the task resumed"
)
@pytest.mark.asyncio
async def test_cancelled_recv_never_loses_a_message(aio: AioSide, aio_endpoints: Endpoints) -> None:
    """Cancel a waiting recv() at every point of the message's arrival: whenever the task
    does not return the message, the next recv() must."""
    push, pull = aio.socket("PUSH"), aio.socket("PULL")
    _link(aio, aio_endpoints, "inproc", pull, push)
    lost = []
    for spins in range(12):
        payload = b"m%d" % spins
        task = asyncio.create_task(_await_recv(pull))
        for _ in range(3):
            await asyncio.sleep(0)
        await push.send(payload)
        for _ in range(spins):
            await asyncio.sleep(0)
        task.cancel()
        try:
            got = bytes(await task)
        except asyncio.CancelledError:
            try:
                got = bytes(await asyncio.wait_for(pull.recv(), 0.5))
            except asyncio.TimeoutError:
                lost.append(spins)
                continue
        assert got == payload
    assert not lost, f"messages lost when cancelling after {lost} loop iterations"


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
async def test_term_on_the_loop_delivers_what_close_left_queued(
    transport: str, tmp_path: Any
) -> None:
    """``sock.close(); ctx.term()`` inside a coroutine: the loop cannot run the linger,
    so term() writes the queued messages itself (they were lost before)."""
    await _term_on_the_loop_delivers(transport, tmp_path)


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_term_on_a_uvloop_loop_delivers_what_close_left_queued(
    transport: str, tmp_path: Any
) -> None:
    """The same on uvloop, whose transports do not expose what they buffer."""
    uvloop = pytest.importorskip("uvloop")
    uvloop.run(_term_on_the_loop_delivers(transport, tmp_path))


async def _term_on_the_loop_delivers(transport: str, tmp_path: Any) -> None:
    import purezmq
    import purezmq.asyncio

    sync_ctx = purezmq.Context()
    pull = sync_ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 5000
    pull.bind("tcp://127.0.0.1:*" if transport == "tcp" else f"ipc://{tmp_path}/t.ipc")
    actx = purezmq.asyncio.Context()
    push = actx.socket(purezmq.PUSH)
    push.connect(pull.last_endpoint.decode())
    try:
        await push.send(b"first")
        assert await asyncio.to_thread(pull.recv) == b"first"  # handshake done
        pull.rcvhwm = 1  # the reader's I/O thread stops reading: the buffers fill up
        body = b"x" * 65536
        n = 150
        for i in range(n):
            await push.send(b"%d" % i + body)
        # flush what fits into the kernel and the transport's buffer, as a running
        # program would have, before closing
        for _ in range(20):
            await asyncio.sleep(0)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.extend(pull.recv() for _ in range(n)))
        reader.start()
        push.close()  # default LINGER: -1
        actx.term()  # on this loop's own thread: nothing else can flush
        reader.join(10)
        assert [g[: -len(body)] for g in got] == [b"%d" % i for i in range(n)]
    finally:
        pull.close(0)
        sync_ctx.term()
