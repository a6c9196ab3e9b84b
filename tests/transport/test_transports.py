"""tcp (IPv4, IPv6, hostnames, wildcards), ipc (stale paths, wildcard), unbind/disconnect."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator

import pytest

import purezmq


def _pair(ctx: purezmq.Context) -> tuple[purezmq.Socket, purezmq.Socket]:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    for s in (a, b):
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
    return a, b


def _exchange(a: purezmq.Socket, b: purezmq.Socket) -> None:
    b.send(b"ping")
    assert a.recv() == b"ping"
    a.send_multipart([b"pong", b""])
    assert b.recv_multipart() == [b"pong", b""]


def _have_ipv6() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_tcp_wildcard_host_and_port(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.bind("tcp://*:*")
    last = a.last_endpoint.decode()
    assert last.startswith("tcp://0.0.0.0:") and int(last.rsplit(":", 1)[1]) > 0
    b.connect("tcp://127.0.0.1:" + last.rsplit(":", 1)[1])
    _exchange(a, b)


def test_tcp_hostname(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.bind("tcp://localhost:*")
    port = a.last_endpoint.decode().rsplit(":", 1)[1]
    b.connect(f"tcp://localhost:{port}")
    _exchange(a, b)


@pytest.mark.skipif(not _have_ipv6(), reason="this machine has no IPv6 loopback")
def test_tcp_ipv6(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.setsockopt(purezmq.IPV6, 1)
    b.setsockopt(purezmq.IPV6, 1)
    a.bind("tcp://[::1]:*")
    last = a.last_endpoint.decode()
    assert last.startswith("tcp://[::1]:")
    b.connect(last)
    _exchange(a, b)


def test_bind_twice_is_eaddrinuse(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.bind("tcp://127.0.0.1:*")
    with pytest.raises(purezmq.ZMQError) as exc:
        b.bind(a.last_endpoint.decode())
    assert exc.value.errno == purezmq.EADDRINUSE


def test_connect_to_wildcard_is_einval(ctx: purezmq.Context) -> None:
    a, _ = _pair(ctx)
    with pytest.raises(purezmq.ZMQError) as exc:
        a.connect("tcp://127.0.0.1:*")
    assert exc.value.errno == purezmq.EINVAL


@pytest.fixture
def short_dir() -> Iterator[str]:
    d = tempfile.mkdtemp(prefix="pz")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_ipc_exchange_and_unlink_on_close(ctx: purezmq.Context, short_dir: str) -> None:
    path = os.path.join(short_dir, "s")
    a, b = _pair(ctx)
    a.bind(f"ipc://{path}")
    b.connect(f"ipc://{path}")
    _exchange(a, b)
    assert os.path.exists(path)
    a.close(0)
    ctx.destroy(0)
    assert not os.path.exists(path)


def test_ipc_stale_path_is_reused(ctx: purezmq.Context, short_dir: str) -> None:
    path = os.path.join(short_dir, "stale")
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(path)
    dead.close()  # leaves the file behind, nobody listening: a crashed process
    a, b = _pair(ctx)
    a.bind(f"ipc://{path}")
    b.connect(f"ipc://{path}")
    _exchange(a, b)


def test_ipc_live_path_is_refused(ctx: purezmq.Context, short_dir: str) -> None:
    path = os.path.join(short_dir, "live")
    a, b = _pair(ctx)
    a.bind(f"ipc://{path}")
    with pytest.raises(purezmq.ZMQError) as exc:
        b.bind(f"ipc://{path}")
    assert exc.value.errno == purezmq.EADDRINUSE


def test_ipc_wildcard(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.bind("ipc://*")
    last = a.last_endpoint.decode()
    assert last.startswith("ipc://") and last != "ipc://*"
    b.connect(last)
    _exchange(a, b)


@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_unbind_and_disconnect(ctx: purezmq.Context, transport: str) -> None:
    a, b = _pair(ctx)
    a.bind({"tcp": "tcp://127.0.0.1:*", "ipc": "ipc://*", "inproc": "inproc://ub"}[transport])
    ep = a.last_endpoint.decode()
    b.connect(ep)
    _exchange(a, b)
    b.disconnect(ep)
    a.unbind(ep)
    with pytest.raises(purezmq.ZMQError) as exc:
        a.unbind(ep)
    assert exc.value.errno == purezmq.ENOENT
    with pytest.raises(purezmq.ZMQError) as exc:
        b.disconnect(ep)
    assert exc.value.errno == purezmq.ENOENT
    # the endpoint is free again
    c = ctx.socket(purezmq.PAIR)
    if transport != "ipc":  # ipc://* names a fresh path each time
        c.bind(ep)


def test_inproc_connect_before_bind(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    b.connect("inproc://later")
    b.send(b"queued before the bind")
    a.bind("inproc://later")
    assert a.recv() == b"queued before the bind"
    _exchange(a, b)


def test_tcp_source_address_is_used(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    a.bind("tcp://127.0.0.1:*")
    port = a.last_endpoint.decode().rsplit(":", 1)[1]
    b.connect(f"tcp://127.0.0.2:0;127.0.0.1:{port}")
    b.send(b"from 127.0.0.2")
    frame = a.recv(copy=False)
    assert frame.bytes == b"from 127.0.0.2" and frame.get("Peer-Address") == "127.0.0.2"


# ------------------------------------------------------------------ send buffers
def _wmem_max() -> int:
    with open("/proc/sys/net/core/wmem_max") as f:
        return int(f.read())


def _sndbuf(sock: socket.socket) -> int:
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)


@pytest.mark.skipif(not os.path.exists("/proc/sys/net/core/wmem_max"), reason="Linux only")
def test_ipc_connection_gets_a_larger_send_buffer_by_default() -> None:
    from purezmq.transport.tcp import IPC_SNDBUF, configure_stream_socket

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        configure_stream_socket(a, {})
        # Linux caps the request at wmem_max and reports twice what it granted
        assert _sndbuf(a) >= min(IPC_SNDBUF, _wmem_max())


def test_ipc_send_buffer_set_by_sndbuf_wins() -> None:
    from purezmq.constants import SocketOption as O
    from purezmq.transport.tcp import IPC_SNDBUF, configure_stream_socket

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        configure_stream_socket(a, {O.SNDBUF: 16384})
        assert _sndbuf(a) < IPC_SNDBUF
        default = _sndbuf(b)
        configure_stream_socket(b, {O.SNDBUF: 0})  # 0: the OS default, untouched
        assert _sndbuf(b) == default


def test_tcp_send_buffer_is_left_to_the_kernel() -> None:
    from purezmq.transport.tcp import configure_stream_socket

    with socket.socket() as fresh, socket.socket() as s:
        configure_stream_socket(s, {})
        assert _sndbuf(s) == _sndbuf(fresh)


@pytest.mark.skipif(not os.path.exists("/proc/sys/net/core/wmem_max"), reason="Linux only")
@pytest.mark.parametrize("bind_side", ["sender", "receiver"])
def test_ipc_engines_on_both_sides_get_the_send_buffer(
    ctx: purezmq.Context, short_dir: str, bind_side: str
) -> None:
    """The accepted and the connected socket both go through configure_stream_socket, and
    a 1 MiB message still arrives whole."""
    from purezmq.transport.tcp import IPC_SNDBUF

    push, pull = ctx.socket(purezmq.PUSH), ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 5000
    addr = f"ipc://{short_dir}/buf"
    (push if bind_side == "sender" else pull).bind(addr)
    (pull if bind_side == "sender" else push).connect(addr)
    payload = os.urandom(1 << 20)
    push.send(payload)
    assert pull.recv() == payload
    wanted = min(IPC_SNDBUF, _wmem_max())
    for s in (push, pull):
        engines = list(s._core.engines)
        assert len(engines) == 1
        assert _sndbuf(engines[0].transport.get_extra_info("socket")) >= wanted
    push.close(0)
    pull.close(0)
