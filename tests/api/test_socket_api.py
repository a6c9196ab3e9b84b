"""Blocking Socket surface as pyzmq has it: attributes, shadows, endpoint contexts,
errors that name the address, recv_into checks, monitor reuse, repr."""

from __future__ import annotations

import copy
from array import array
from unittest import mock

import pytest

import purezmq
from tests.api.conftest import tcp_pair


def test_repr(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PUSH)
    assert repr(s).startswith("<zmq.Socket(zmq.PUSH) at 0x") and "closed" not in repr(s)
    assert s.type is purezmq.SocketType.PUSH and s.getsockopt(purezmq.TYPE) == purezmq.PUSH
    s.close()
    assert repr(s).endswith(" closed>")

    class Mine(purezmq.Socket):
        pass

    m = ctx.socket(purezmq.PULL, socket_class=Mine)
    assert ".Mine(zmq.PULL)" in repr(m)
    m.close()


def test_unknown_attributes_raise(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.DEALER)
    with pytest.raises(AttributeError):
        s.apple = "foo"
    with pytest.raises(AttributeError):
        _ = s.apple
    s.linger = 3  # options and declared attributes still work
    s.copy_threshold = 10
    assert s.linger == 3 and s.copy_threshold == 10
    assert "IDENTITY" in dir(s) and "send" in dir(s)
    s.close()


def test_write_only_options_read_as_missing_so_mock_works(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.SUB)
    with pytest.raises(AttributeError):
        _ = s.SUBSCRIBE
    m = mock.Mock(spec=s)
    assert callable(m.send)
    s.close()


def test_subscribe_attribute_and_method(ctx: purezmq.Context) -> None:
    pub, sub = tcp_pair(ctx, purezmq.PUB, purezmq.SUB)
    sub.subscribe = "c"  # an option, not a new attribute
    sub.subscribe("prefix")
    assert callable(sub.subscribe)
    for _ in range(200):
        pub.send(b"canary")
        if sub.poll(50):
            break
    assert sub.recv() == b"canary"
    pub.send(b"prefix-1")
    assert sub.recv() == b"prefix-1"
    sub.unsubscribe("prefix")
    sub.UNSUBSCRIBE = b"c"


def test_option_type_errors(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PUB)
    with pytest.raises(purezmq.ZMQError) as e:
        s.setsockopt(9999, 5)
    assert e.value.errno == purezmq.EINVAL
    with pytest.raises(TypeError):
        s.setsockopt(9999, b"5")
    with pytest.raises(TypeError):
        s.setsockopt(purezmq.IDENTITY, "text")
    s.setsockopt_unicode(purezmq.IDENTITY, "tést", "utf16")
    assert s.getsockopt_unicode(purezmq.IDENTITY, "utf16") == "tést"
    assert s.get_string(purezmq.IDENTITY, "utf16") == "tést"
    with pytest.raises(TypeError):
        s.getsockopt_unicode(purezmq.AFFINITY)
    with pytest.raises(purezmq.ZMQError) as e:
        s.getsockopt_string(purezmq.SUBSCRIBE)
    assert e.value.errno == purezmq.EINVAL
    s.close()


def test_errors_name_the_address(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PUSH)
    for call, url in ((s.bind, "tcp://1.2.3.4.5:1234567"), (s.connect, "noproc://x/y")):
        with pytest.raises(purezmq.ZMQError) as e:
            call(url)
        assert url in str(e.value)
    long_path = "ipc://" + "a" * (purezmq.IPC_PATH_MAX_LEN + 1)
    with pytest.raises(purezmq.ZMQError) as e:
        s.bind(long_path)
    assert str(purezmq.IPC_PATH_MAX_LEN) in e.value.strerror
    s.close()
    with pytest.raises(purezmq.ZMQError) as e:
        s.bind("tcp://127.0.0.1:*")
    assert e.value.errno == purezmq.ENOTSOCK


def test_bind_and_connect_context_managers(ctx: purezmq.Context) -> None:
    a, b = ctx.socket(purezmq.PUSH), ctx.socket(purezmq.PULL)
    with a.bind("tcp://127.0.0.1:0") as same:  # the resolved endpoint is unbound on exit
        assert same is a
        bound_addr = a.last_endpoint.decode()
        assert not bound_addr.endswith(":0")
    with pytest.raises(purezmq.ZMQError):
        a.unbind(bound_addr)  # already unbound by the context manager
    bound = a.bind("inproc://cm")
    assert repr(bound) == "<SocketContext(bind='inproc://cm')>"
    conn = b.connect("inproc://cm")
    assert repr(conn) == "<SocketContext(connect='inproc://cm')>"
    with conn as same:
        assert same is b
        a.send(b"hi")
        assert b.poll(5000) and b.recv() == b"hi"
    with pytest.raises(purezmq.Again):
        a.send(b"x", purezmq.DONTWAIT)  # b disconnected: no peer left
    a.close()
    b.close()


def test_shadow_shares_the_socket(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx)
    for view in (
        purezmq.Socket.shadow(b),
        purezmq.Socket.shadow(b.underlying),
        purezmq.Socket(b),
        copy.copy(b),
        copy.deepcopy(b),
    ):
        assert view._shadow and view.underlying == b.underlying and view.context is b.context
        a.send_multipart([b"1", b"2"])
        assert view.recv() == b"1"
        assert b.getsockopt(purezmq.RCVMORE) == 1  # receive state is shared too
        assert b.recv() == b"2"
        del view  # dropping a shadow does not close the socket
        assert not b.closed
    shadow = purezmq.Socket.shadow(b)
    shadow.close()
    assert b.closed  # closing any facade closes the socket
    with pytest.raises(purezmq.ZMQError):
        purezmq.Socket.shadow(1)


@pytest.mark.parametrize(
    ("buf", "kwargs", "exc"),
    [
        (bytearray(10), {"nbytes": -1}, ValueError),
        (bytearray(10), {"nbytes": 11}, ValueError),
        (memoryview(bytearray(10))[::2], {}, BufferError),
        (memoryview(b"readonly"), {}, BufferError),
        (b"readonly", {}, TypeError),
        (pytest, {}, TypeError),
    ],
)
def test_recv_into_rejects_bad_buffers(
    ctx: purezmq.Context, buf: object, kwargs: dict[str, int], exc: type[Exception]
) -> None:
    a, b = tcp_pair(ctx)
    with pytest.raises(exc):
        b.recv_into(buf, **kwargs)


def test_recv_into_itemsize_and_truncation(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx)
    a.send_multipart([b"hello", b"there world", b"rest"])
    words = array("Q", [0])
    assert b.recv_into(words) == 5 and words.tobytes()[:5] == b"hello"
    buf = bytearray(10)
    assert b.recv_into(buf, nbytes=4) == 11 and buf == b"ther" + bytes(6)
    empty = bytearray(3)
    assert b.recv_into(memoryview(empty)[:0]) == 4 and empty == bytes(3)
    with pytest.raises(purezmq.Again):
        b.recv_into(bytearray(5), flags=purezmq.DONTWAIT)


def test_monitor_socket_is_reused_while_open(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PUSH)
    m = s.get_monitor_socket()
    assert s.get_monitor_socket() is m
    m.close()
    m2 = s.get_monitor_socket()
    assert m2 is not m
    s.disable_monitor()
    m2.close()
    s.close()


def test_poll_and_fileno(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx)
    assert isinstance(b.fileno(), int) and b.fileno() == b.fd
    assert b.poll(0) == 0
    b.close()
    with pytest.raises(purezmq.ZMQError) as e:
        b.poll(0)
    assert e.value.errno == purezmq.ENOTSUP


def test_exports() -> None:
    from purezmq import device, devices, proxy, proxy_steerable

    assert purezmq._FINISHED_TRACKER.done and purezmq.DRAFT_API is False
    assert 30 < purezmq.IPC_PATH_MAX_LEN < 1025
    assert devices.device is device and callable(proxy) and callable(proxy_steerable)
    for name in ("device", "devices", "proxy", "proxy_steerable", "IPC_PATH_MAX_LEN"):
        assert name in purezmq.__all__


def test_failed_fast_path_attempt_is_not_repeated_before_waiting(ctx: purezmq.Context) -> None:
    """recv/send try once in their fast path; the waiting path then registers and tries
    once more (as it must), without a third attempt in between."""
    pull, push = ctx.socket(purezmq.PULL), ctx.socket(purezmq.PUSH)
    pull.rcvtimeo = push.sndtimeo = 0
    core_in, core_out = pull._core, push._core
    with (
        mock.patch.object(core_in, "try_recv_pipe", wraps=core_in.try_recv_pipe) as recv_try,
        mock.patch.object(core_out, "try_send", wraps=core_out.try_send) as send_try,
    ):
        with pytest.raises(purezmq.Again):
            pull.recv(purezmq.NOBLOCK)
        assert recv_try.call_count == 1  # NOBLOCK: the fast path's attempt only
        with pytest.raises(purezmq.Again):
            pull.recv()
        assert recv_try.call_count == 3
        with pytest.raises(purezmq.Again):
            push.send(b"x")  # no peer: mute
        assert send_try.call_count == 2
    pull.close()
    push.close()
