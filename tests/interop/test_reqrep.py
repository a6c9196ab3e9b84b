"""REQ, REP, DEALER and ROUTER against libzmq: envelopes, identities, routing, correlation."""

from __future__ import annotations

import pytest

from tests.interop.conftest import Net
from tests.sockets._ours import roles

pytestmark = pytest.mark.interop


def _auto_id(routing_id: bytes) -> None:
    """libzmq's automatic routing ids are 5 bytes: 0x00 + uint32 (RFC 37 reserves 0x00)."""
    assert len(routing_id) == 5, routing_id
    assert routing_id[0] == 0, routing_id


@roles("REQ", "REP")
def test_req_rep(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "REQ" else (net.zmq, net.ours)
    req, rep = a.socket("REQ"), b.socket("REP")
    net.link(req, rep)
    for i in range(3):
        req.send(b"request-%d" % i)
        assert rep.recv() == b"request-%d" % i
        assert rep.getsockopt(b.mod.RCVMORE) == 0
        rep.send(b"reply-%d" % i)
        assert req.recv() == b"reply-%d" % i
    req.send_multipart([b"a", b"", b"c"])
    assert rep.recv_multipart() == [b"a", b"", b"c"]
    rep.send_multipart([b"", b"x"])
    assert req.recv_multipart() == [b"", b"x"]


@roles("REQ", "ROUTER")
def test_req_router(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "REQ" else (net.zmq, net.ours)
    req, router = a.socket("REQ"), b.socket("ROUTER")
    net.link(req, router)
    ids = set()
    for i in range(3):
        req.send(b"hello-%d" % i)
        rid, delim, body = router.recv_multipart()
        _auto_id(rid)
        ids.add(rid)
        assert delim == b""
        assert body == b"hello-%d" % i
        router.send_multipart([rid, b"", b"world-%d" % i])
        assert req.recv() == b"world-%d" % i
    assert len(ids) == 1


@roles("DEALER", "REP")
def test_dealer_rep(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "DEALER" else (net.zmq, net.ours)
    dealer, rep = a.socket("DEALER"), b.socket("REP")
    net.link(dealer, rep)
    dealer.send_multipart([b"", b"q1"])
    assert rep.recv() == b"q1"
    rep.send(b"r1")
    assert dealer.recv_multipart() == [b"", b"r1"]
    # REP keeps the whole envelope (every frame up to the first empty one) and restores it.
    dealer.send_multipart([b"hop1", b"hop2", b"", b"q2", b"more"])
    assert rep.recv_multipart() == [b"q2", b"more"]
    rep.send_multipart([b"r2", b""])
    assert dealer.recv_multipart() == [b"hop1", b"hop2", b"", b"r2", b""]


@roles("DEALER", "ROUTER")
def test_dealer_router_explicit_routing_id(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "DEALER" else (net.zmq, net.ours)
    dealer = a.socket("DEALER", ROUTING_ID=b"dealer-A")
    router = b.socket("ROUTER")
    assert dealer.getsockopt(a.mod.ROUTING_ID) == b"dealer-A"
    net.link(dealer, router)
    dealer.send_multipart([b"ping", b""])
    assert router.recv_multipart() == [b"dealer-A", b"ping", b""]
    router.send_multipart([b"dealer-A", b"pong", b"", b"end"])
    assert dealer.recv_multipart() == [b"pong", b"", b"end"]


@roles("DEALER", "ROUTER")
def test_dealer_router_auto_routing_id(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "DEALER" else (net.zmq, net.ours)
    dealer, router = a.socket("DEALER"), b.socket("ROUTER")
    net.link(dealer, router)
    dealer.send(b"ping")
    rid, body = router.recv_multipart()
    _auto_id(rid)
    assert body == b"ping"
    router.send_multipart([rid, b"pong"])
    assert dealer.recv() == b"pong"
    dealer.send(b"again")
    assert router.recv_multipart() == [rid, b"again"]


@roles("ROUTER", "DEALER")
def test_router_routes_replies_to_the_right_dealer(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "ROUTER" else (net.zmq, net.ours)
    router = a.socket("ROUTER")
    dealers = [
        b.socket("DEALER", ROUTING_ID=b"d0"),
        b.socket("DEALER", ROUTING_ID=b"d1"),
        b.socket("DEALER"),  # automatic routing id
    ]
    net.star(router, dealers)
    for i, d in enumerate(dealers):
        d.send_multipart([b"from", b"%d" % i])
    who: dict[int, bytes] = {}
    for _ in dealers:
        rid, tag, num = router.recv_multipart()
        assert tag == b"from"
        who[int(num)] = rid
    assert who[0] == b"d0"
    assert who[1] == b"d1"
    _auto_id(who[2])
    for i in reversed(range(3)):
        router.send_multipart([who[i], b"to", b"%d" % i])
    for i, d in enumerate(dealers):
        assert d.recv_multipart() == [b"to", b"%d" % i]
    for d in dealers:
        with pytest.raises(b.mod.Again):
            d.recv(b.mod.NOBLOCK)


def test_dealer_dealer(net: Net) -> None:
    ours_dealer, zmq_dealer = net.ours.socket("DEALER"), net.zmq.socket("DEALER")
    net.link(ours_dealer, zmq_dealer)
    ours_dealer.send_multipart([b"", b"to-zmq"])
    assert zmq_dealer.recv_multipart() == [b"", b"to-zmq"]
    zmq_dealer.send_multipart([b"to-ours", b""])
    assert ours_dealer.recv_multipart() == [b"to-ours", b""]


def test_pair(net: Net) -> None:
    ours_pair, zmq_pair = net.ours.socket("PAIR"), net.zmq.socket("PAIR")
    net.link(ours_pair, zmq_pair)
    for i in range(3):
        ours_pair.send(b"o%d" % i)
        assert zmq_pair.recv() == b"o%d" % i
        zmq_pair.send_multipart([b"z%d" % i, b""])
        assert ours_pair.recv_multipart() == [b"z%d" % i, b""]


@roles("DEALER", "ROUTER")
def test_probe_router(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "DEALER" else (net.zmq, net.ours)
    dealer = a.socket("DEALER", PROBE_ROUTER=1)
    router = b.socket("ROUTER")
    net.link(dealer, router)
    # libzmq writes the empty probe into the pipe when it attaches but a bound DEALER only
    # flushes it with the next message, so the test checks order, not timing.
    dealer.send(b"after")
    rid, probe = router.recv_multipart()
    _auto_id(rid)
    assert probe == b""
    assert router.recv_multipart() == [rid, b"after"]


@roles("REQ", "ROUTER")
def test_req_correlate_relaxed_with_router(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "REQ" else (net.zmq, net.ours)
    req = a.socket("REQ", REQ_CORRELATE=1, REQ_RELAXED=1)
    router = b.socket("ROUTER")
    net.link(req, router)
    req.send(b"r1")
    req.send(b"r2")  # REQ_RELAXED: a new request abandons the first one
    rid1, corr1, d1, body1 = router.recv_multipart()
    rid2, corr2, d2, body2 = router.recv_multipart()
    assert rid1 == rid2
    assert (d1, body1, d2, body2) == (b"", b"r1", b"", b"r2")
    assert len(corr1) == len(corr2) == 4
    assert corr1 != corr2
    router.send_multipart([rid1, corr1, b"", b"late"])  # stale: must be discarded by REQ
    router.send_multipart([rid2, corr2, b"", b"ok"])
    assert req.recv() == b"ok"


@roles("REQ", "REP")
def test_req_correlate_relaxed_with_rep(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "REQ" else (net.zmq, net.ours)
    req = a.socket("REQ", REQ_CORRELATE=1, REQ_RELAXED=1)
    rep = b.socket("REP")
    net.link(req, rep)
    req.send(b"r1")
    req.send(b"r2")
    assert rep.recv() == b"r1"
    rep.send(b"late")
    assert rep.recv() == b"r2"
    rep.send(b"ok")
    assert req.recv() == b"ok"
    req.send(b"r3")
    assert rep.recv() == b"r3"
    rep.send(b"ok3")
    assert req.recv() == b"ok3"


@roles("ROUTER", "DEALER")
def test_router_handover(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "ROUTER" else (net.zmq, net.ours)
    router = a.socket("ROUTER", ROUTER_HANDOVER=1)
    first = b.socket("DEALER", ROUTING_ID=b"same")
    net.link(router, first)
    first.send(b"from-first")
    assert router.recv_multipart() == [b"same", b"from-first"]
    second = b.socket("DEALER", ROUTING_ID=b"same")
    if net.binds(router):
        second.connect(net.endpoint_of(router))
    else:
        router.connect(net.bind(second))
    second.send(b"from-second")
    assert router.recv_multipart() == [b"same", b"from-second"]
    router.send_multipart([b"same", b"reply"])
    assert second.recv() == b"reply"


def test_router_with_several_connections_gets_distinct_auto_ids(net: Net) -> None:
    router = net.ours.socket("ROUTER")
    dealers = [net.zmq.socket("DEALER") for _ in range(3)]
    net.star(router, dealers)
    for d in dealers:
        d.send(b"hi")
    ids = {router.recv_multipart()[0] for _ in dealers}
    assert len(ids) == 3
    for rid in ids:
        _auto_id(rid)
