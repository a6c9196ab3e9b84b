from __future__ import annotations

import sys

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing
from purezmq.routing.reqrep import Rep, Req

from .helpers import inproc_pair, make_pipe


def _efsm(fn: object, *args: object) -> None:
    with pytest.raises(ZMQError) as e:
        fn(*args)  # type: ignore[operator]
    assert e.value.errno == Errno.EFSM


def test_req_envelope_and_alternation() -> None:
    req = make_routing(SocketType.REQ)
    p = make_pipe()
    req.attach(p)
    _efsm(req.recv)
    assert req.can_send() and not req.can_recv()
    assert req.send([b"hello", b"world"])
    # OBS 3d: 01 00 | 01 05 hello | 00 05 world
    assert list(p.out_q) == [[b"", b"hello", b"world"]]
    _efsm(req.send, [b"again"])
    assert not req.can_send()
    assert req.recv() is None
    p.in_q.append([b"", b"reply"])
    assert req.can_recv()
    assert req.recv() == [b"reply"]
    assert req.last_recv_pipe is p
    _efsm(req.recv)
    assert req.can_send()


def test_req_no_peer_blocks_and_state_unchanged() -> None:
    req = make_routing(SocketType.REQ)
    msg = [b"x"]
    assert req.send(msg) is False
    assert msg == [b"x"]
    _efsm(req.recv)  # still ready to send
    assert not req.can_send()


def test_req_round_robin_and_only_from_reply_pipe() -> None:
    req = make_routing(SocketType.REQ)
    a, b = make_pipe(), make_pipe()
    req.attach(a)
    req.attach(b)
    assert req.send([b"1"])
    assert len(a.out_q) == 1 and not b.out_q
    b.in_q.append([b"", b"from-b"])  # not the pipe we asked: discarded
    a.in_q.append([b"no-delimiter"])  # malformed: dropped
    a.in_q.append([b""])  # delimiter without body: dropped
    assert not req.can_recv()
    a.in_q.append([b"", b"from-a"])
    assert req.recv() == [b"from-a"]
    assert not b.in_q  # the stray reply was consumed and dropped
    assert req.send([b"2"])
    assert len(b.out_q) == 1
    b.in_q.append([b"", b"ok"])
    assert req.recv() == [b"ok"]


def test_req_mute_when_full() -> None:
    req = make_routing(SocketType.REQ)
    p = make_pipe(out_hwm=1)
    req.attach(p)
    p.out_q.append([b"queued"])
    assert not req.can_send()
    assert req.send([b"x"]) is False
    _efsm(req.recv)


def test_req_reply_pipe_gone() -> None:
    req = make_routing(SocketType.REQ)
    a, b = make_pipe(), make_pipe()
    req.attach(a)
    req.attach(b)
    req.send([b"q"])
    req.detach(a)
    b.in_q.append([b"", b"other"])
    assert req.recv() is None  # the reply can no longer come (strict: stuck, like libzmq)
    _efsm(req.send, [b"q2"])


def test_req_relaxed() -> None:
    req = make_routing(SocketType.REQ, {SocketOption.REQ_RELAXED: 1})
    assert req.getsockopt(SocketOption.REQ_RELAXED) == 1
    a, b = make_pipe(), make_pipe()
    req.attach(a)
    req.attach(b)
    assert req.send([b"1"])
    assert req.can_send()
    assert req.send([b"2"])  # allowed while awaiting a reply
    a.in_q.append([b"", b"old reply"])  # from the previous pipe: ignored
    assert req.recv() is None
    b.in_q.append([b"", b"new reply"])
    assert req.recv() == [b"new reply"]


def test_req_relaxed_discards_prefetched_reply() -> None:
    req = make_routing(SocketType.REQ)
    req.setsockopt(SocketOption.REQ_RELAXED, 1)
    req.setsockopt(SocketOption.REQ_CORRELATE, 1)
    p = make_pipe()
    req.attach(p)
    req.send([b"1"])
    id1 = p.out_q.popleft()[0]  # type: ignore[index]
    p.in_q.append([id1, b"", b"r1"])
    assert req.can_recv()  # r1 prefetched
    req.send([b"2"])
    assert not req.can_recv()
    id2 = p.out_q.popleft()[0]  # type: ignore[index]
    p.in_q.append([id1, b"", b"r1-late"])
    p.in_q.append([id2, b"", b"r2"])
    assert req.recv() == [b"r2"]


def test_req_correlate_ids() -> None:
    req = make_routing(SocketType.REQ, {SocketOption.REQ_CORRELATE: 1})
    assert isinstance(req, Req)
    p = make_pipe()
    req.attach(p)
    req.send([b"a"])
    m1 = p.out_q.popleft()
    assert isinstance(m1, list) and len(m1) == 3 and m1[1:] == [b"", b"a"]
    assert len(m1[0]) == 4
    first = int.from_bytes(m1[0], sys.byteorder)
    p.in_q.append([(first + 1).to_bytes(4, sys.byteorder), b"", b"wrong id"])
    p.in_q.append([m1[0], b"x"])  # no delimiter: dropped
    p.in_q.append([m1[0], b"", b"right"])
    assert req.recv() == [b"right"]
    req.send([b"b"])
    m2 = p.out_q.popleft()
    assert isinstance(m2, list)
    assert int.from_bytes(m2[0], sys.byteorder) == (first + 1) & 0xFFFFFFFF


def test_req_correlate_start_is_random() -> None:
    firsts = set()
    for _ in range(5):
        req = make_routing(SocketType.REQ, {SocketOption.REQ_CORRELATE: 1})
        p = make_pipe()
        req.attach(p)
        req.send([b"a"])
        firsts.add(p.out_q[0][0])  # type: ignore[index]
    assert len(firsts) > 1


def test_req_correlate_wraps() -> None:
    req = make_routing(SocketType.REQ, {SocketOption.REQ_CORRELATE: 1})
    assert isinstance(req, Req)
    req._request_id = 0xFFFFFFFF
    p = make_pipe()
    req.attach(p)
    req.send([b"a"])
    assert p.out_q[0][0] == b"\x00\x00\x00\x00"  # type: ignore[index]


def test_req_options_validation() -> None:
    req = make_routing(SocketType.REQ)
    with pytest.raises(ZMQError) as e:
        req.setsockopt(SocketOption.REQ_RELAXED, -1)
    assert e.value.errno == Errno.EINVAL
    with pytest.raises(ZMQError):
        req.setsockopt(SocketOption.REQ_RELAXED, b"1")
    with pytest.raises(ZMQError):
        req.setsockopt(SocketOption.XPUB_VERBOSE, 1)
    assert req.getsockopt(SocketOption.REQ_CORRELATE) == 0


def test_rep_envelope() -> None:
    rep = make_routing(SocketType.REP)
    assert isinstance(rep, Rep)
    p = make_pipe()
    rep.attach(p)
    _efsm(rep.send, [b"x"])
    assert not rep.can_send() and not rep.can_recv()
    assert rep.recv() is None
    # OBS 3e: envelope hop1,hop2,'' echoed; a message with no delimiter is dropped
    p.in_q.append([b"no-delimiter"])
    p.in_q.append([b"hop1", b""])  # delimiter but no body: dropped
    p.in_q.append([b"hop1", b"hop2", b"", b"body", b"more"])
    assert rep.can_recv()
    assert rep.recv() == [b"body", b"more"]
    assert rep.last_recv_pipe is p
    _efsm(rep.recv)
    assert rep.can_send() and not rep.can_recv()
    assert rep.send([b"reply"])
    assert list(p.out_q) == [[b"hop1", b"hop2", b"", b"reply"]]
    _efsm(rep.send, [b"again"])


def test_rep_fair_queue_and_reply_routing() -> None:
    rep = make_routing(SocketType.REP)
    a, b = make_pipe(), make_pipe()
    rep.attach(a)
    rep.attach(b)
    a.in_q.append([b"", b"qa"])
    b.in_q.append([b"", b"qb"])
    assert rep.recv() == [b"qa"]
    rep.send([b"ra"])
    assert rep.recv() == [b"qb"]
    rep.send([b"rb"])
    assert list(a.out_q) == [[b"", b"ra"]]
    assert list(b.out_q) == [[b"", b"rb"]]


def test_rep_drops_reply_when_peer_gone_or_full() -> None:
    rep = make_routing(SocketType.REP)
    a = make_pipe(out_hwm=1)
    rep.attach(a)
    a.in_q.append([b"", b"q1"])
    rep.recv()
    rep.detach(a)
    assert rep.send([b"r1"]) is True  # dropped silently
    assert not a.out_q
    b = make_pipe(out_hwm=1)
    rep.attach(b)
    b.out_q.append([b"full"])
    b.in_q.append([b"", b"q2"])
    assert rep.recv() == [b"q2"]
    assert rep.send([b"r2"]) is True
    assert list(b.out_q) == [[b"full"]]
    assert rep.recv() is None  # back to receiving


def test_req_rep_inproc() -> None:
    req, rep = make_routing(SocketType.REQ), make_routing(SocketType.REP)
    p1, p2 = inproc_pair()
    req.attach(p1)
    rep.attach(p2)
    for i in range(3):
        assert req.send([b"q%d" % i])
        assert rep.recv() == [b"q%d" % i]
        assert rep.send([b"r%d" % i])
        assert req.recv() == [b"r%d" % i]


def test_dealer_to_rep_needs_delimiter() -> None:
    dealer, rep = make_routing(SocketType.DEALER), make_routing(SocketType.REP)
    p1, p2 = inproc_pair()
    dealer.attach(p1)
    rep.attach(p2)
    dealer.send([b"no-delim"])
    assert rep.recv() is None
    dealer.send([b"", b"ok"])
    assert rep.recv() == [b"ok"]
    rep.send([b"back"])
    assert dealer.recv() == [b"", b"back"]


def test_req_correlate_no_peer_and_rep_can_recv_idempotent() -> None:
    req = make_routing(SocketType.REQ, {SocketOption.REQ_CORRELATE: 1})
    assert req.send([b"x"]) is False
    rep = make_routing(SocketType.REP)
    p = make_pipe()
    rep.attach(p)
    p.in_q.append([b"", b"q"])
    assert rep.can_recv() and rep.can_recv()
    assert rep.recv() == [b"q"]
    assert not rep.can_recv()
