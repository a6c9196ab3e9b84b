"""purezmq.decorators: @context() and @socket() give a function fresh objects per call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

import purezmq
import purezmq.asyncio as azmq
from purezmq.decorators import context, socket


@pytest.fixture(autouse=True)
def _fresh_instance() -> Iterator[None]:
    """Tests that fall back to Context.instance() get a private one, terminated after."""
    saved = purezmq.Context._instance
    purezmq.Context._instance = None
    yield
    inst = purezmq.Context._instance
    purezmq.Context._instance = saved
    if inst is not None:
        inst.destroy(linger=0)


def test_context_is_appended_and_terminated() -> None:
    seen: list[purezmq.Context] = []

    @context()
    def f(a: int, ctx: purezmq.Context, b: str = "") -> str:
        assert isinstance(ctx, purezmq.Context)
        assert not ctx.closed
        seen.append(ctx)
        return f"{a}{b}"

    assert f(1, b="x") == "1x"
    assert f.__name__ == "f"
    assert seen[0].closed
    f(2)
    assert seen[0] is not seen[1]


def test_context_by_name_and_arguments() -> None:
    @context("myctx", 3)
    def f(myctx: purezmq.Context) -> int:
        return int(myctx.IO_THREADS)

    @context(name="c", io_threads=4)
    def g(c: purezmq.Context | None = None) -> int:
        assert c is not None
        return int(c.IO_THREADS)

    assert f() == 3
    assert g() == 4


def test_context_name_conflicts() -> None:
    @context(name="ctx")
    def f(ctx: Any) -> None:
        pass

    with pytest.raises(TypeError, match="multiple values"):
        f(ctx="mine")

    @context(name="ctx")
    def g(other: Any) -> None:
        pass

    with pytest.raises(TypeError):
        g()


def test_context_terminated_when_function_raises() -> None:
    seen: list[purezmq.Context] = []

    @context()
    def f(ctx: purezmq.Context) -> None:
        seen.append(ctx)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        f()
    assert seen[0].closed


def test_socket_uses_the_decorated_context() -> None:
    @context()
    @socket(purezmq.PUSH)
    @socket("sub", purezmq.SUB)
    def f(ctx: purezmq.Context, push: purezmq.Socket, sub: purezmq.Socket) -> list[Any]:
        assert push.context is ctx and sub.context is ctx
        assert push.type == purezmq.PUSH and sub.type == purezmq.SUB
        return [push, sub]

    push, sub = f()
    assert push.closed and sub.closed


def test_socket_defaults_to_context_instance() -> None:
    @socket("s", purezmq.PUB)
    def f(s: purezmq.Socket) -> purezmq.Socket:
        assert s.context is purezmq.Context.instance()
        return s

    assert f().closed


def test_socket_context_by_keyword() -> None:
    with purezmq.Context() as mine:

        @socket(purezmq.PAIR, name="s", context_name="c")
        def f(c: purezmq.Context, s: purezmq.Socket) -> None:
            assert s.context is c

        f(c=mine)


def test_socket_passes_arguments_to_context_socket() -> None:
    actx = azmq.Context()
    try:

        @socket(purezmq.PAIR, socket_class=purezmq.Socket)
        def f(ctx: azmq.Context, s: Any) -> None:
            assert type(s) is purezmq.Socket
            assert s.context is ctx

        f(actx)
    finally:
        actx.term()


def test_socket_type_missing() -> None:
    @context()
    @socket("s")
    def f(ctx: Any, s: Any) -> None:
        pass

    with pytest.raises(TypeError):
        f()


def test_method_and_threads() -> None:
    class Worker:
        @context()
        @socket(purezmq.PAIR)
        def run(self, ctx: purezmq.Context, s: purezmq.Socket) -> int:
            assert isinstance(self, Worker)
            return id(ctx)

    ids: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        value = Worker().run()
        with lock:
            ids.append(value)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(ids) == 4
