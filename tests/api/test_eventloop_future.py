"""purezmq.eventloop.future: the asyncio sockets under pyzmq's tornado-flavoured names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import purezmq

pytest.importorskip("tornado")

from tornado.ioloop import IOLoop  # noqa: E402

from purezmq.eventloop import future  # noqa: E402


@pytest.fixture
def loop() -> Iterator[IOLoop]:
    lp = IOLoop(make_current=False)
    yield lp
    lp.close(all_fds=True)


def test_classes_and_instance() -> None:
    fctx = future.Context.instance()
    try:
        assert type(fctx) is future.Context and fctx is not purezmq.Context.instance()
        s = fctx.socket(purezmq.PUSH)
        assert isinstance(s, future.Socket)
        s.close()
    finally:
        fctx.term()
        purezmq.Context.instance().term()


def test_run_sync_exchange_and_cancel(loop: IOLoop) -> None:
    fctx = future.Context()

    async def run() -> None:
        a, b = fctx.socket(purezmq.PUSH), fctx.socket(purezmq.PULL)
        a.bind("tcp://127.0.0.1:*")
        b.connect(a.last_endpoint.decode())
        cancelled = b.recv()
        cancelled.cancel()
        f = b.recv_multipart()
        await a.send_multipart([b"hi", b"there"])
        assert await f == [b"hi", b"there"]
        with pytest.raises(future.CancelledError):
            await cancelled
        poller = future.Poller()
        poller.register(b, purezmq.POLLIN)
        assert await poller.poll(0) == []
        a.close(linger=0)
        b.close(linger=0)

    try:
        loop.run_sync(run, timeout=10)
    finally:
        fctx.destroy(linger=0)


def test_closing_the_loop_with_all_fds_closes_sockets() -> None:
    lp = IOLoop(make_current=False)
    fctx = future.Context()
    s = fctx.socket(purezmq.PUB)

    async def attach() -> None:
        s._get_loop()

    lp.run_sync(attach)
    lp.close(all_fds=True)
    assert s.closed
    fctx.term()
