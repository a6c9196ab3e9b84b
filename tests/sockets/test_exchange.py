"""Every socket type's basic exchange, ours on both ends, over inproc and tcp."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from tests.sockets._ours import (
    PROBE,
    Endpoints,
    Side,
    better_than_libzmq,
    collect_until,
    recv_pumping,
    subscribe,
    sync_pubsub,
)

TRANSPORTS = ["inproc", "tcp", "ipc"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _link(side: Side, endpoints: Endpoints, transport: str, binder: Any, *connecters: Any) -> str:
    ep = endpoints.bind(side.mod, binder, transport)
    for c in connecters:
        c.connect(ep)
    return ep


def test_pair(side: Side, endpoints: Endpoints, transport: str) -> None:
    a, b = side.socket("PAIR"), side.socket("PAIR")
    _link(side, endpoints, transport, a, b)
    a.send(b"ping")
    assert b.recv() == b"ping"
    b.send_multipart([b"pong", b"", b"!"])
    assert a.recv_multipart() == [b"pong", b"", b"!"]


def test_push_pull(side: Side, endpoints: Endpoints, transport: str) -> None:
    push, pull = side.socket("PUSH"), side.socket("PULL")
    _link(side, endpoints, transport, pull, push)
    for i in range(10):
        push.send(b"%d" % i)
    assert [pull.recv() for _ in range(10)] == [b"%d" % i for i in range(10)]


def test_req_rep(side: Side, endpoints: Endpoints, transport: str) -> None:
    req, rep = side.socket("REQ"), side.socket("REP")
    _link(side, endpoints, transport, rep, req)
    for i in range(3):
        req.send_multipart([b"q", b"%d" % i])
        assert rep.recv_multipart() == [b"q", b"%d" % i]
        rep.send(b"a%d" % i)
        assert req.recv() == b"a%d" % i


def test_req_router(side: Side, endpoints: Endpoints, transport: str) -> None:
    req, router = side.socket("REQ", ROUTING_ID=b"client"), side.socket("ROUTER")
    _link(side, endpoints, transport, router, req)
    req.send(b"hello")
    assert router.recv_multipart() == [b"client", b"", b"hello"]
    router.send_multipart([b"client", b"", b"world"])
    assert req.recv() == b"world"


def test_dealer_rep(side: Side, endpoints: Endpoints, transport: str) -> None:
    dealer, rep = side.socket("DEALER"), side.socket("REP")
    _link(side, endpoints, transport, rep, dealer)
    dealer.send_multipart([b"env", b"", b"q"])
    assert rep.recv() == b"q"
    rep.send(b"a")
    assert dealer.recv_multipart() == [b"env", b"", b"a"]


def test_dealer_router(side: Side, endpoints: Endpoints, transport: str) -> None:
    router = side.socket("ROUTER")
    named = side.socket("DEALER", IDENTITY=b"named")
    anon = side.socket("DEALER")
    _link(side, endpoints, transport, router, named, anon)
    named.send(b"n")
    anon.send(b"a")
    by_body = {}
    for _ in range(2):
        rid, body = router.recv_multipart()
        by_body[body] = rid
    assert by_body[b"n"] == b"named"
    auto = by_body[b"a"]
    assert len(auto) == 5
    assert auto[0] == 0
    router.send_multipart([auto, b"to-anon"])
    router.send_multipart([b"named", b"to-named"])
    assert anon.recv() == b"to-anon"
    assert named.recv() == b"to-named"


def test_dealer_dealer(side: Side, endpoints: Endpoints, transport: str) -> None:
    a, b = side.socket("DEALER"), side.socket("DEALER")
    _link(side, endpoints, transport, a, b)
    b.send(b"x")
    assert a.recv() == b"x"
    a.send_multipart([b"", b"y"])
    assert b.recv_multipart() == [b"", b"y"]


def test_router_router(side: Side, endpoints: Endpoints, transport: str) -> None:
    server = side.socket("ROUTER", ROUTING_ID=b"server")
    client = side.socket("ROUTER", ROUTING_ID=b"client", ROUTER_MANDATORY=1)
    _link(side, endpoints, transport, server, client)
    # The client learns the server's id from the handshake; until then sends are unroutable.
    deadline = time.monotonic() + 5
    while True:
        try:
            client.send_multipart([b"server", b"hi"], side.mod.NOBLOCK)
            break
        except side.mod.ZMQError as exc:
            assert exc.errno == side.mod.EHOSTUNREACH
            assert time.monotonic() < deadline, "handshake never completed"
            time.sleep(0.002)  # polling a condition
    assert server.recv_multipart() == [b"client", b"hi"]
    server.send_multipart([b"client", b"back"])
    assert client.recv_multipart() == [b"server", b"back"]


def test_pub_sub(side: Side, endpoints: Endpoints, transport: str) -> None:
    pub, sub = side.socket("PUB"), side.socket("SUB")
    _link(side, endpoints, transport, pub, sub)
    subscribe(side.mod, sub, b"a")
    subscribe(side.mod, sub, PROBE)
    sync_pubsub(side.mod, pub, side.mod, sub)
    for m in [b"a1", b"b1", b"a2"]:
        pub.send(m)
    pub.send(PROBE + b"-mark")
    assert collect_until(side.mod, sub, PROBE + b"-mark") == [b"a1", b"a2"]


def test_xpub_xsub(side: Side, endpoints: Endpoints, transport: str) -> None:
    xpub, xsub = side.socket("XPUB"), side.socket("XSUB")
    _link(side, endpoints, transport, xsub, xpub)
    xsub.send(b"\x01t")
    # A bound libzmq XSUB only attaches the accepted peer when called into (see recv_pumping).
    assert recv_pumping(side.mod, xpub, (side.mod, xsub)) == b"\x01t"
    xpub.send(b"u")
    xpub.send(b"t1")
    assert xsub.recv() == b"t1"
    xsub.send(b"up")
    assert xpub.recv() == b"up"
    xsub.send(b"\x00t")
    assert xpub.recv() == b"\x00t"


def test_xpub_sub(side: Side, endpoints: Endpoints, transport: str) -> None:
    xpub, sub = side.socket("XPUB"), side.socket("SUB")
    _link(side, endpoints, transport, xpub, sub)
    sub.setsockopt(side.mod.SUBSCRIBE, b"k")
    assert xpub.recv() == b"\x01k"
    xpub.send(b"j")
    xpub.send(b"k1")
    assert sub.recv() == b"k1"


@pytest.mark.parametrize(
    "kinds",
    [("PUSH", "PULL"), ("PAIR", "PAIR"), ("REQ", "REP"), ("DEALER", "ROUTER")],
    ids=lambda k: "-".join(k),
)
def test_inproc_connect_before_bind(
    side: Side, endpoints: Endpoints, kinds: tuple[str, str]
) -> None:
    a, b = side.socket(kinds[0]), side.socket(kinds[1])
    ep = endpoints.fresh("inproc")
    a.connect(ep)
    a.send(b"early")  # queued on the pending connection
    b.bind(ep)
    got = b.recv_multipart()
    assert got[-1] == b"early"


@pytest.mark.parametrize(
    "kinds",
    [("PUSH", "PULL"), ("PAIR", "PAIR"), ("REQ", "REP"), ("DEALER", "ROUTER")],
    ids=lambda k: "-".join(k),
)
def test_inproc_connect_after_bind(
    side: Side, endpoints: Endpoints, kinds: tuple[str, str]
) -> None:
    a, b = side.socket(kinds[0]), side.socket(kinds[1])
    ep = endpoints.fresh("inproc")
    b.bind(ep)
    a.connect(ep)
    a.send(b"late")
    assert b.recv_multipart()[-1] == b"late"


def test_stream_with_raw_tcp_client(side: Side) -> None:
    stream = side.socket("STREAM")
    stream.bind("tcp://127.0.0.1:*")
    port = int(stream.getsockopt(side.mod.LAST_ENDPOINT).decode().rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        rid, empty = stream.recv_multipart()  # connect notification
        assert empty == b""
        raw.sendall(b"hello")
        rid2, data = stream.recv_multipart()
        assert rid2 == rid
        assert data == b"hello"
        stream.send_multipart([rid, b"world"])
        buf = b""
        while len(buf) < 5:
            chunk = raw.recv(5 - len(buf))
            assert chunk
            buf += chunk
        assert buf == b"world"


@pytest.mark.parametrize("transport_", ["tcp", "ipc", "inproc"])
@better_than_libzmq(
    "libzmq issue 2267: a bound SUB attaches a connecting publisher, and so sends it its "
    "subscriptions, only when the application next calls into the SUB",
    raises=AssertionError,
)
def test_bound_sub_gets_first_message_without_api_calls(
    side: Side, endpoints: Endpoints, transport_: str
) -> None:
    """Ours SUB binds, ours XPUB connects: the SUB's subscription flows as soon as the
    connection is up, with no call into the SUB, and the first message published after the
    XPUB saw it is received."""
    sub = side.socket("SUB", SUBSCRIBE=b"m")
    xpub = side.socket("XPUB", RCVTIMEO=2000)
    xpub.connect(endpoints.bind(side.mod, sub, transport_))
    try:
        first = xpub.recv()
    except side.mod.Again:
        raise AssertionError("the bound SUB never sent its subscription") from None
    assert first == b"\x01m"
    for i in range(5):
        xpub.send(b"m%d" % i)
    assert [sub.recv() for _ in range(5)] == [b"m%d" % i for i in range(5)]
