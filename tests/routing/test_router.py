from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing
from purezmq.routing.router import AutoIds, Router

from .helpers import inproc_pair, make_pipe


def _router(**opts: int) -> Router:
    r = make_routing(SocketType.ROUTER, {getattr(SocketOption, k): v for k, v in opts.items()})
    assert isinstance(r, Router)
    return r


def test_auto_ids_are_sequential_big_endian() -> None:
    ids = AutoIds(0x6B8B4567)
    assert ids.next({}) == bytes.fromhex("006b8b4567")  # OBS 3c
    assert ids.next({}) == bytes.fromhex("006b8b4568")
    wrap = AutoIds(0xFFFFFFFF)
    assert wrap.next({}) == b"\x00\xff\xff\xff\xff"
    assert wrap.next({}) == b"\x00\x00\x00\x00\x00"
    skip = AutoIds(1)
    assert skip.next({b"\x00\x00\x00\x00\x01": make_pipe()}) == b"\x00\x00\x00\x00\x02"


def test_routing_id_choice() -> None:
    r = _router()
    auto1, auto2 = make_pipe(), make_pipe(identity=b"")
    named = make_pipe(identity=b"peer-A")
    preset = make_pipe(routing_id=b"conn-rid", identity=b"ignored")
    for p in (auto1, auto2, named, preset):
        assert r.attach(p)
    assert auto1.routing_id[:1] == b"\x00" and len(auto1.routing_id) == 5
    n1 = int.from_bytes(auto1.routing_id[1:], "big")
    assert int.from_bytes(auto2.routing_id[1:], "big") == (n1 + 1) & 0xFFFFFFFF
    assert named.routing_id == b"peer-A"
    assert preset.routing_id == b"conn-rid"  # CONNECT_ROUTING_ID wins
    assert r.pipe_for(b"peer-A") is named


def test_recv_prepends_id_and_send_routes() -> None:
    r = _router()
    a, b = make_pipe(identity=b"A"), make_pipe(identity=b"B")
    r.attach(a)
    r.attach(b)
    a.in_q.append([b"x", b"y"])
    b.in_q.append([b"z"])
    assert r.can_recv()
    assert r.recv() == [b"A", b"x", b"y"]
    assert r.last_recv_pipe is a
    assert r.recv() == [b"B", b"z"]
    assert r.recv() is None
    assert r.send([b"B", b"reply", b"2"])
    assert list(b.out_q) == [[b"reply", b"2"]]  # id not sent
    assert not a.out_q


def test_unknown_id_dropped_or_ehostunreach() -> None:
    r = _router()
    assert r.can_send()  # never blocks without MANDATORY
    assert r.send([b"nobody", b"x"]) is True
    assert r.send([b"lonely-id"]) is True  # an id frame only: dropped
    r.setsockopt(SocketOption.ROUTER_MANDATORY, 1)
    assert r.getsockopt(SocketOption.ROUTER_MANDATORY) == 1
    with pytest.raises(ZMQError) as e:
        r.send([b"nobody", b"x"])
    assert e.value.errno == Errno.EHOSTUNREACH


def test_full_pipe_dropped_or_eagain() -> None:
    r = _router()
    p = make_pipe(out_hwm=2, identity=b"P")
    r.attach(p)
    for i in range(5):
        assert r.send([b"P", b"%d" % i])  # OBS 7f: all "sent", extra dropped
    assert len(p.out_q) == 2
    r.setsockopt(SocketOption.ROUTER_MANDATORY, 1)
    assert not r.can_send()
    msg = [b"P", b"x"]
    assert r.send(msg) is False  # EAGAIN
    assert msg == [b"P", b"x"]
    p.out_q.popleft()
    assert r.can_send()
    assert r.send(msg)


def test_duplicate_id_refused() -> None:
    r = _router()
    a, b = make_pipe(identity=b"same"), make_pipe(identity=b"same")
    assert r.attach(a)
    assert r.attach(b) is False
    assert r.pipe_for(b"same") is a
    r.detach(b)  # harmless
    assert r.pipe_for(b"same") is a


def test_handover() -> None:
    r = _router(ROUTER_HANDOVER=1)
    assert r.getsockopt(SocketOption.ROUTER_HANDOVER) == 1
    old, new = make_pipe(identity=b"same"), make_pipe(identity=b"same")
    closed = []
    old.on_close = lambda: closed.append("old")
    old.in_q.append([b"late"])
    assert r.attach(old)
    assert r.attach(new)
    assert closed == ["old"] and old.close_requested and not new.close_requested
    assert old.routing_id != b"same" and old.routing_id[:1] == b"\x00"
    assert r.pipe_for(b"same") is new
    r.send([b"same", b"reply"])  # OBS 8g: reply goes to the new connection
    assert list(new.out_q) == [[b"reply"]] and not old.out_q
    assert r.recv() == [old.routing_id, b"late"]
    r.detach(old)
    assert r.pipe_for(b"same") is new


def test_probe_router() -> None:
    r = _router(PROBE_ROUTER=1)
    p = make_pipe(out_hwm=1)
    r.attach(p)
    assert list(p.out_q) == [[b""]]
    d = make_routing(SocketType.DEALER, {SocketOption.PROBE_ROUTER: 1})
    q = make_pipe()
    d.attach(q)
    assert list(q.out_q) == [[b""]]
    assert d.getsockopt(SocketOption.PROBE_ROUTER) == 1


def test_detach_forgets_id() -> None:
    r = _router(ROUTER_MANDATORY=1)
    p = make_pipe(identity=b"X")
    r.attach(p)
    r.detach(p)
    assert not p.active
    with pytest.raises(ZMQError):
        r.send([b"X", b"m"])
    assert r.attach(make_pipe(identity=b"X"))


def test_router_raw_unsupported() -> None:
    r = _router()
    assert r.setsockopt(SocketOption.ROUTER_RAW, 0)
    assert r.getsockopt(SocketOption.ROUTER_RAW) == 0
    with pytest.raises(ZMQError) as e:
        r.setsockopt(SocketOption.ROUTER_RAW, 1)
    assert e.value.errno == Errno.ENOTSUP
    with pytest.raises(ZMQError) as e:
        r.setsockopt(SocketOption.XPUB_NODROP, 1)
    assert e.value.errno == Errno.EINVAL


def test_dealer_lb_fq() -> None:
    d = make_routing(SocketType.DEALER)
    assert d.send([b"x"]) is False  # no peers
    pipes = [make_pipe(out_hwm=2) for _ in range(3)]
    for p in pipes:
        d.attach(p)
    for i in range(6):
        assert d.send([b"rr%d" % i])
    assert [[m[0] for m in p.out_q] for p in pipes] == [  # type: ignore[index]
        [b"rr0", b"rr3"],
        [b"rr1", b"rr4"],
        [b"rr2", b"rr5"],
    ]
    assert not d.can_send() and d.send([b"x"]) is False
    for p in pipes:
        p.in_q.extend([[b"a"], [b"b"]])
    assert d.can_recv()
    got = [d.recv() for _ in range(6)]
    assert got == [[b"a"]] * 3 + [[b"b"]] * 3
    assert d.last_recv_pipe is pipes[2]
    d.detach(pipes[0])
    assert d.recv() is None and not d.can_recv()


def test_dealer_router_inproc() -> None:
    d, r = make_routing(SocketType.DEALER), _router()
    p1, p2 = inproc_pair()
    d.attach(p1)
    r.attach(p2)
    d.send([b"hi"])
    msg = r.recv()
    assert msg is not None and msg[1:] == [b"hi"]
    r.send([msg[0], b"back"])
    assert d.recv() == [b"back"]


def test_thousand_peers() -> None:
    r = _router()
    pipes = [make_pipe(identity=b"p%d" % i) for i in range(1000)]
    for p in pipes:
        assert r.attach(p)
    pipes[500].in_q.append([b"m"])
    assert r.recv() == [b"p500", b"m"]
    r.send([b"p999", b"x"])
    assert list(pipes[999].out_q) == [[b"x"]]
