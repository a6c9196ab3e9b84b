"""Context surface as pyzmq has it: repr, dir, shadows, copies, instance(), errors."""

from __future__ import annotations

import copy

import pytest

import purezmq
import purezmq.asyncio as azmq


def test_repr_counts_sockets_and_shows_closed() -> None:
    with purezmq.Context() as c:
        assert "<zmq.Context() at 0x" in repr(c) and "closed" not in repr(c)
        with c.socket(purezmq.PUSH):
            assert "zmq.Context(1 socket)" in repr(c)
            with c.socket(purezmq.PULL):
                assert "zmq.Context(2 sockets)" in repr(c)
        assert "zmq.Context()" in repr(c)
    assert repr(c).endswith(" closed>")
    a = azmq.Context()
    assert repr(a).startswith("<zmq.asyncio.Context()")
    a.term()


def test_dir_lists_context_options(ctx: purezmq.Context) -> None:
    names = dir(ctx)
    assert "socket" in names and "IO_THREADS" in names and "MAX_SOCKETS" in names


@pytest.mark.parametrize("bad", [-1, "2", 1.5])
def test_bad_io_threads_is_einval(bad: object) -> None:
    with pytest.raises(purezmq.ZMQError) as e:
        purezmq.Context(bad)
    assert e.value.errno == purezmq.EINVAL


def test_attributes_are_options_or_declared(ctx: purezmq.Context) -> None:
    ctx.linger = 7
    assert ctx.linger == 7 and ctx.sockopts[purezmq.LINGER] == 7
    ctx.max_sockets = 50
    assert ctx.get(purezmq.MAX_SOCKETS) == 50
    with pytest.raises(AttributeError):
        ctx.apple = 1
    with pytest.raises(AttributeError):
        _ = ctx.apple
    del ctx.linger
    assert purezmq.LINGER not in ctx.sockopts
    s = ctx.socket(purezmq.PUSH)
    assert s.linger != 7
    s.close()


def test_instance_is_shared_with_subclasses_unless_they_reset_it() -> None:
    class Inherit(purezmq.Context):
        pass

    class Own(purezmq.Context):
        _instance = None

    base = purezmq.Context.instance()
    try:
        assert Inherit.instance() is base
        own = Own.instance()
        assert type(own) is Own and own is not base
        own.term()
    finally:
        base.term()
    assert purezmq.Context.instance() is not base
    purezmq.Context.instance().term()


def test_shadow_and_copies_share_the_core(ctx: purezmq.Context) -> None:
    for other in (
        purezmq.Context.shadow(ctx.underlying),
        purezmq.Context.shadow(ctx),
        purezmq.Context(ctx),
        copy.copy(ctx),
        copy.deepcopy(ctx),
    ):
        assert other._shadow and other.underlying == ctx.underlying
        # inproc names are shared: a shadow's socket reaches the original's
        a = ctx.socket(purezmq.PAIR)
        b = other.socket(purezmq.PAIR)
        a.bind("inproc://shadowed")
        b.connect("inproc://shadowed")
        b.send(b"x")
        assert a.poll(5000) and a.recv() == b"x"
        a.close()
        b.close()
        del other
        assert not ctx.closed


def test_async_context_shadowing_a_blocking_one(ctx: purezmq.Context) -> None:
    actx = azmq.Context(ctx)
    assert actx.underlying == ctx.underlying
    s = actx.socket(purezmq.PUSH)
    assert isinstance(s, azmq.Socket)
    s.close()


def test_socket_errors_after_term() -> None:
    c = purezmq.Context()
    shadow = purezmq.Context.shadow(c)
    c.term()
    with pytest.raises(purezmq.ContextTerminated):
        c.socket(purezmq.PUB)
    with pytest.raises(purezmq.ZMQError) as e:
        shadow.socket(purezmq.PUB)
    assert e.value.errno == purezmq.EFAULT
    with pytest.raises(purezmq.ZMQError) as e:
        purezmq.Context.shadow(12345)
    assert e.value.errno == purezmq.EFAULT


def test_with_block_closes_and_warns_about_open_sockets() -> None:
    with pytest.warns(ResourceWarning, match="unclosed socket"), purezmq.Context() as c:
        s = c.socket(purezmq.PUSH)
    assert s.closed and c.closed


def test_destroy_closes_sockets_without_warning() -> None:
    c = purezmq.Context()
    socks = [c.socket(purezmq.REP) for _ in range(3)]
    c.destroy(linger=0)
    assert all(s.closed for s in socks) and c.closed


def test_max_sockets_is_enforced_like_libzmq(ctx: purezmq.Context) -> None:
    """Past MAX_SOCKETS open sockets, socket() raises EMFILE; closing one frees a slot."""
    ctx.set(purezmq.MAX_SOCKETS, 3)
    socks = [ctx.socket(purezmq.PAIR) for _ in range(3)]
    with pytest.raises(purezmq.ZMQError) as err:
        ctx.socket(purezmq.PAIR)
    assert err.value.errno == purezmq.EMFILE
    socks[0].close()
    socks[0] = ctx.socket(purezmq.PAIR)
    for s in socks:
        s.close()


def test_closing_forgets_only_its_own_inproc_names(ctx: purezmq.Context) -> None:
    """A closed socket's bound and pending inproc names are released, no one else's."""
    a, b, c = (ctx.socket(purezmq.PAIR) for _ in range(3))
    a.bind("inproc://a-name")
    b.bind("inproc://b-name")
    c.connect("inproc://nobody-yet")
    a.close()
    c.close()
    core = ctx._core
    assert set(core.inproc_bound) == {"b-name"}
    assert "nobody-yet" not in core.inproc_pending
    d = ctx.socket(purezmq.PAIR)
    d.bind("inproc://a-name")  # free again
    d.close()
    b.close()
