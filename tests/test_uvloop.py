"""purezmq.asyncio on uvloop: the same engine on uvloop's transports (an optional extra)."""

from __future__ import annotations

import asyncio

import pytest
import zmq

import purezmq
import purezmq.asyncio as azmq

uvloop = pytest.importorskip("uvloop", reason="uvloop is an optional extra")


async def _scenario() -> list[bytes]:
    ctx = azmq.Context()
    zc = zmq.Context()
    got: list[bytes] = []
    try:
        pull = ctx.socket(purezmq.PULL)
        pull.bind("tcp://127.0.0.1:*")
        libzmq_push = zc.socket(zmq.PUSH)
        libzmq_push.linger = 0
        libzmq_push.connect(pull.last_endpoint.decode())
        libzmq_push.send_multipart([b"uv", b"loop"])
        got += await asyncio.wait_for(pull.recv_multipart(), 5)
        ours = ctx.socket(purezmq.PUSH)
        ours.connect(pull.last_endpoint.decode())
        await ours.send(b"ours")
        got.append(await asyncio.wait_for(pull.recv(), 5))
        pending = pull.recv()  # cancelled while waiting: must not lose the next message
        await asyncio.sleep(0)
        pending.cancel()
        libzmq_push.send(b"kept")
        got.append(await asyncio.wait_for(pull.recv(), 5))
        a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
        a.bind("ipc://*")
        b.connect(a.last_endpoint.decode())
        await b.send(b"ipc")
        got.append(await asyncio.wait_for(a.recv(), 5))
        c, d = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
        c.bind("inproc://uv")
        d.connect("inproc://uv")
        poller = azmq.Poller()
        poller.register(c, purezmq.POLLIN)
        await d.send(b"inproc")
        assert await asyncio.wait_for(poller.poll(5000), 5) == [(c, purezmq.POLLIN)]
        got.append(await c.recv())
        libzmq_push.close(0)
    finally:
        ctx.destroy(linger=0)
        zc.term()
    return got


def test_asyncio_api_on_uvloop() -> None:
    loop = uvloop.new_event_loop()
    try:
        got = loop.run_until_complete(_scenario())
    finally:
        loop.close()
    assert got == [b"uv", b"loop", b"ours", b"kept", b"ipc", b"inproc"]


async def _large_messages(transport: str) -> None:
    """Large bodies are read in place (FrameDecoder.body_target): from libzmq and from
    ourselves, on this loop's transports."""
    import os

    ctx = azmq.Context()
    zc = zmq.Context()
    try:
        pull = ctx.socket(purezmq.PULL)
        pull.bind(f"{transport}://127.0.0.1:*" if transport == "tcp" else "ipc://*")
        libzmq_push = zc.socket(zmq.PUSH)
        libzmq_push.linger = 0
        libzmq_push.connect(pull.last_endpoint.decode())
        ours = ctx.socket(purezmq.PUSH)
        ours.connect(pull.last_endpoint.decode())
        sent = [[os.urandom(n), b"x"] for n in (70_000, 1 << 20, 3 << 20)]
        for parts in sent:
            libzmq_push.send_multipart(parts)
        for parts in sent:
            assert await asyncio.wait_for(pull.recv_multipart(), 10) == parts
        for parts in sent:
            await ours.send_multipart(parts)
        for parts in sent:
            assert await asyncio.wait_for(pull.recv_multipart(), 10) == parts
        libzmq_push.close(0)
    finally:
        ctx.destroy(linger=0)
        zc.term()


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
@pytest.mark.parametrize("loop_kind", ["uvloop", "default"])
def test_large_messages_read_in_place(loop_kind: str, transport: str) -> None:
    loop = uvloop.new_event_loop() if loop_kind == "uvloop" else asyncio.new_event_loop()
    try:
        loop.run_until_complete(_large_messages(transport))
    finally:
        loop.close()
