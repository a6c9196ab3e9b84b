"""Fixtures for the pyzmq-surface tests: contexts that are always destroyed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

import purezmq
import purezmq.asyncio as azmq


@pytest_asyncio.fixture
async def actx() -> AsyncIterator[azmq.Context]:
    c = azmq.Context()
    yield c
    c.destroy(linger=0)


def tcp_pair(ctx: purezmq.Context, t1: int = purezmq.PAIR, t2: int = purezmq.PAIR) -> tuple:
    """``(bound, connected)`` over tcp on 127.0.0.1, bounded receive timeouts."""
    a, b = ctx.socket(t1), ctx.socket(t2)
    for s in (a, b):
        s.linger = 0
        if t1 != purezmq.PUB or s is b:
            s.rcvtimeo = 5000
    a.bind("tcp://127.0.0.1:*")
    b.connect(a.last_endpoint.decode())
    return a, b
