"""Local misuse and empty-queue errors, with libzmq's errnos (pyzmq is the spec)."""

from __future__ import annotations

import time

import pytest

from tests.sockets._ours import Endpoints, Side


@pytest.mark.parametrize("kind", ["PULL", "SUB", "XSUB", "XPUB", "REP", "DEALER", "ROUTER", "PAIR"])
def test_noblock_recv_on_empty_socket_raises_again(
    side: Side, endpoints: Endpoints, kind: str
) -> None:
    sock = side.socket(kind)
    endpoints.bind(side.mod, sock, "tcp")
    with pytest.raises(side.mod.Again) as info:
        sock.recv(side.mod.NOBLOCK)
    assert info.value.errno == side.mod.EAGAIN
    assert isinstance(info.value, side.mod.ZMQError)
    with pytest.raises(side.mod.Again):
        sock.recv_multipart(side.mod.DONTWAIT)


@pytest.mark.parametrize("timeout_ms", [50, 250])
def test_rcvtimeo_raises_again_after_the_timeout(side: Side, timeout_ms: int) -> None:
    pull = side.socket("PULL", RCVTIMEO=timeout_ms)
    assert pull.getsockopt(side.mod.RCVTIMEO) == timeout_ms
    pull.bind("tcp://127.0.0.1:*")
    start = time.monotonic()
    with pytest.raises(side.mod.Again) as info:
        pull.recv()
    elapsed = time.monotonic() - start
    assert info.value.errno == side.mod.EAGAIN
    assert elapsed >= timeout_ms / 1000 * 0.9
    assert elapsed < timeout_ms / 1000 + 2.0


def test_sndtimeo_raises_again_when_nobody_can_take_it(side: Side) -> None:
    push = side.socket("PUSH", SNDTIMEO=100)
    push.bind("tcp://127.0.0.1:*")
    start = time.monotonic()
    with pytest.raises(side.mod.Again):
        push.send(b"x")
    elapsed = time.monotonic() - start
    assert 0.09 <= elapsed < 2.1


def _efsm(side: Side, exc: pytest.ExceptionInfo) -> None:  # type: ignore[type-arg]
    assert isinstance(exc.value, side.mod.ZMQError)
    assert exc.value.errno == side.mod.EFSM


def test_req_send_twice_is_efsm(side: Side, endpoints: Endpoints) -> None:
    req, rep = side.socket("REQ"), side.socket("REP")
    rep.connect(endpoints.bind(side.mod, req, "inproc"))
    req.send(b"one")
    with pytest.raises(side.mod.ZMQError) as exc:
        req.send(b"two")
    _efsm(side, exc)
    # The state machine is intact: the first request still completes.
    assert rep.recv() == b"one"
    rep.send(b"r")
    assert req.recv() == b"r"
    req.send(b"three")
    assert rep.recv() == b"three"


def test_req_recv_first_is_efsm(side: Side) -> None:
    req = side.socket("REQ")
    with pytest.raises(side.mod.ZMQError) as exc:
        req.recv(side.mod.NOBLOCK)
    _efsm(side, exc)


def test_rep_send_first_is_efsm(side: Side) -> None:
    rep = side.socket("REP")
    with pytest.raises(side.mod.ZMQError) as exc:
        rep.send(b"x")
    _efsm(side, exc)


def test_rep_recv_twice_is_efsm(side: Side, endpoints: Endpoints) -> None:
    req, rep = side.socket("REQ"), side.socket("REP")
    req.connect(endpoints.bind(side.mod, rep, "inproc"))
    req.send(b"q")
    assert rep.recv() == b"q"
    with pytest.raises(side.mod.ZMQError) as exc:
        rep.recv(side.mod.NOBLOCK)
    _efsm(side, exc)


@pytest.mark.parametrize(
    ("kind", "op"),
    [("PUB", "recv"), ("SUB", "send"), ("PUSH", "recv"), ("PULL", "send")],
    ids=["PUB-recv", "SUB-send", "PUSH-recv", "PULL-send"],
)
def test_unsupported_direction_is_enotsup(side: Side, kind: str, op: str) -> None:
    sock = side.socket(kind)
    with pytest.raises(side.mod.ZMQError) as exc:
        if op == "recv":
            sock.recv(side.mod.NOBLOCK)
        else:
            sock.send(b"x", side.mod.NOBLOCK)
    assert exc.value.errno == side.mod.ENOTSUP


def test_router_mandatory_unknown_id_is_ehostunreach(side: Side, endpoints: Endpoints) -> None:
    router = side.socket("ROUTER", ROUTER_MANDATORY=1)
    dealer = side.socket("DEALER", ROUTING_ID=b"known")
    dealer.connect(endpoints.bind(side.mod, router, "inproc"))
    dealer.send(b"hi")
    assert router.recv_multipart() == [b"known", b"hi"]
    with pytest.raises(side.mod.ZMQError) as exc:
        router.send_multipart([b"unknown", b"x"])
    assert exc.value.errno == side.mod.EHOSTUNREACH
    router.send_multipart([b"known", b"ok"])
    assert dealer.recv() == b"ok"


def test_router_without_mandatory_drops_unknown_id(side: Side, endpoints: Endpoints) -> None:
    router = side.socket("ROUTER")
    dealer = side.socket("DEALER", ROUTING_ID=b"known")
    dealer.connect(endpoints.bind(side.mod, router, "inproc"))
    dealer.send(b"hi")
    assert router.recv_multipart() == [b"known", b"hi"]
    router.send_multipart([b"unknown", b"x"])  # silently dropped
    router.send_multipart([b"known", b"ok"])
    assert dealer.recv() == b"ok"


def test_subscribe_on_non_sub_socket_is_einval(side: Side) -> None:
    push = side.socket("PUSH")
    with pytest.raises(side.mod.ZMQError) as exc:
        push.setsockopt(side.mod.SUBSCRIBE, b"x")
    assert exc.value.errno == side.mod.EINVAL


def test_bad_endpoint_is_einval(side: Side) -> None:
    push = side.socket("PUSH")
    with pytest.raises(side.mod.ZMQError) as exc:
        push.bind("tcp://127.0.0.1")  # no port
    assert exc.value.errno == side.mod.EINVAL


def test_bound_push_without_peer_raises_again_on_noblock(side: Side) -> None:
    push = side.socket("PUSH")
    push.bind("tcp://127.0.0.1:*")
    with pytest.raises(side.mod.Again):
        push.send(b"x", side.mod.NOBLOCK)


@pytest.mark.parametrize("kind", ["DEALER", "REQ", "PAIR"])
def test_bound_blocking_types_without_peer_raise_again(side: Side, kind: str) -> None:
    sock = side.socket(kind)
    sock.bind("tcp://127.0.0.1:*")
    with pytest.raises(side.mod.Again):
        sock.send(b"x", side.mod.NOBLOCK)
