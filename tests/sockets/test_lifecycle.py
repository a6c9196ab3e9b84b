"""unbind, disconnect, close with linger 0, ctx.term()."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import ModuleType

import pytest

from tests.sockets._ours import TIMEOUT_MS, Endpoints, Side, assert_nothing


def _refused_within(connect: Callable[[], None], seconds: float = 5.0) -> bool:
    """True once ``connect`` raises OSError; libzmq closes the listener asynchronously."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connect()
        except OSError:
            return True
        time.sleep(0.005)  # polling a condition
    return False


def _raw_connect(ep: str) -> None:
    if ep.startswith("ipc://"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.settimeout(5)
            raw.connect(ep[len("ipc://") :])
    else:
        host, port = ep[len("tcp://") :].rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=5).close()


def test_unbind_tcp_refuses_new_connections(side: Side) -> None:
    pull = side.socket("PULL")
    pull.bind("tcp://127.0.0.1:*")
    ep = pull.getsockopt(side.mod.LAST_ENDPOINT).decode()
    port = int(ep.rsplit(":", 1)[1])

    def connect() -> None:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

    connect()
    pull.unbind(ep)
    assert _refused_within(connect), "the listener is still accepting after unbind"


def test_unbind_ipc_removes_the_listener(side: Side, endpoints: Endpoints) -> None:
    pull = side.socket("PULL")
    ep = endpoints.fresh("ipc")
    pull.bind(ep)

    def connect() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.settimeout(5)
            raw.connect(ep[len("ipc://") :])

    connect()
    pull.unbind(ep)
    assert _refused_within(connect), "the listener is still accepting after unbind"


@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_no_traffic_after_unbind(side: Side, endpoints: Endpoints, transport: str) -> None:
    pull = side.socket("PULL")
    ep = endpoints.bind(side.mod, pull, transport)
    before = side.socket("PUSH")
    before.connect(ep)
    before.send(b"before")
    assert pull.recv() == b"before"
    pull.unbind(ep)
    if transport != "inproc":
        # libzmq closes the listener asynchronously: wait until it is really gone.
        assert _refused_within(lambda: _raw_connect(ep))
    after = side.socket("PUSH")
    after.connect(ep)
    after.send(b"after", side.mod.NOBLOCK)  # queued on the connecting side
    assert_nothing(side.mod, pull)


def test_unbind_unknown_endpoint_fails(side: Side) -> None:
    pull = side.socket("PULL")
    pull.bind("tcp://127.0.0.1:*")
    with pytest.raises(side.mod.ZMQError):
        pull.unbind("tcp://127.0.0.1:1")


@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_disconnect_stops_sending_to_that_peer(
    side: Side, endpoints: Endpoints, transport: str
) -> None:
    a, b = side.socket("PULL"), side.socket("PULL")
    ep_a = endpoints.bind(side.mod, a, transport)
    ep_b = endpoints.bind(side.mod, b, transport)
    push = side.socket("PUSH")
    push.connect(ep_a)
    push.connect(ep_b)
    # Both pipes exist from connect(): round robin gives each peer one message.
    push.send(b"r1")
    push.send(b"r2")
    assert {a.recv(), b.recv()} == {b"r1", b"r2"}
    push.disconnect(ep_a)
    for i in range(4):
        push.send(b"only-b-%d" % i)
    assert [b.recv() for _ in range(4)] == [b"only-b-%d" % i for i in range(4)]
    assert_nothing(side.mod, a)


def test_disconnect_unknown_endpoint_fails(side: Side) -> None:
    push = side.socket("PUSH")
    with pytest.raises(side.mod.ZMQError):
        push.disconnect("tcp://127.0.0.1:1")


def test_close_with_linger_0_returns_promptly(ours: ModuleType) -> None:
    ctx = ours.Context()
    push = ctx.socket(ours.PUSH)
    push.setsockopt(ours.SNDHWM, 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    push.connect(f"tcp://127.0.0.1:{port}")  # nobody will ever accept
    for _ in range(100):
        push.send(b"pending", ours.NOBLOCK)
    start = time.monotonic()
    push.close(linger=0)
    ctx.term()
    assert time.monotonic() - start < 1.0


def test_term_after_closing_sockets(ours: ModuleType) -> None:
    ctx = ours.Context()
    socks = [ctx.socket(getattr(ours, k)) for k in ("PUSH", "PULL", "PUB", "SUB", "ROUTER")]
    socks[1].bind("tcp://127.0.0.1:*")
    socks[0].connect(socks[1].getsockopt(ours.LAST_ENDPOINT).decode())
    socks[0].send(b"x")
    socks[1].setsockopt(ours.RCVTIMEO, TIMEOUT_MS)
    assert socks[1].recv() == b"x"
    for s in socks:
        s.close(linger=0)
    start = time.monotonic()
    ctx.term()
    assert time.monotonic() - start < 1.0


def test_term_wakes_a_blocked_recv_with_eterm(ours: ModuleType) -> None:
    ctx = ours.Context()
    pull = ctx.socket(ours.PULL)
    pull.setsockopt(ours.LINGER, 0)
    pull.bind("tcp://127.0.0.1:*")
    errors: list[BaseException] = []
    started = threading.Event()

    def blocked() -> None:
        started.set()
        try:
            pull.recv()
        except ours.ZMQError as exc:
            errors.append(exc)
        finally:
            pull.close(linger=0)

    t = threading.Thread(target=blocked, daemon=True)
    t.start()
    assert started.wait(5)
    terminator = threading.Thread(target=ctx.term, daemon=True)
    terminator.start()
    terminator.join(5)
    t.join(5)
    assert not terminator.is_alive(), "ctx.term() did not return"
    assert not t.is_alive()
    assert len(errors) == 1
    assert errors[0].errno == ours.ETERM  # type: ignore[attr-defined]


def test_socket_on_terminated_context_fails(ours: ModuleType) -> None:
    ctx = ours.Context()
    ctx.term()
    with pytest.raises(ours.ZMQError):
        ctx.socket(ours.PUSH)


def test_closed_socket_refuses_operations(side: Side) -> None:
    sock = side.ctx.socket(side.mod.PUSH)
    sock.close(linger=0)
    with pytest.raises(side.mod.ZMQError):
        sock.send(b"x")
