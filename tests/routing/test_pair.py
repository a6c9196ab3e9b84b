from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing
from purezmq.routing.pair import Pair

from .helpers import inproc_pair, make_pipe


def test_exclusive() -> None:
    r = make_routing(SocketType.PAIR)
    assert isinstance(r, Pair)
    a, b = make_pipe(), make_pipe()
    assert r.attach(a) is True
    assert r.attach(b) is False  # second peer refused
    r.detach(b)  # never attached: harmless
    assert a.active
    r.detach(a)
    assert not a.active
    assert r.attach(b) is True


def test_send_recv_and_hwm() -> None:
    r = make_routing(SocketType.PAIR)
    assert r.send([b"x"]) is False  # no peer: would block
    assert r.recv() is None
    assert not r.can_send() and not r.can_recv()
    p = make_pipe(out_hwm=2)
    r.attach(p)
    assert r.can_send()
    assert r.send([b"1"]) and r.send([b"2", b"3"])
    assert r.send([b"4"]) is False
    assert not r.can_send()
    assert list(p.out_q) == [[b"1"], [b"2", b"3"]]
    p.in_q.append([b"in"])
    assert r.can_recv()
    assert r.recv() == [b"in"]
    assert r.last_recv_pipe is p
    assert r.recv() is None


def test_inproc_crosswise() -> None:
    a, b = make_routing(SocketType.PAIR), make_routing(SocketType.PAIR)
    pa, pb = inproc_pair(hwm=10)
    a.attach(pa)
    b.attach(pb)
    a.send([b"ping"])
    assert b.recv() == [b"ping"]
    b.send([b"pong"])
    assert a.recv() == [b"pong"]


def test_pattern_options_rejected() -> None:
    r = make_routing(SocketType.PAIR)
    with pytest.raises(ZMQError) as e:
        r.setsockopt(SocketOption.ROUTER_MANDATORY, 1)
    assert e.value.errno == Errno.EINVAL
    assert r.setsockopt(SocketOption.LINGER, 0) is False
    assert r.setsockopt(SocketOption.INVERT_MATCHING, 1) is False  # generic in libzmq
    with pytest.raises(KeyError):
        r.getsockopt(SocketOption.ROUTER_MANDATORY)


def test_recv_batch_from_the_one_peer() -> None:
    pair = Pair()
    assert pair.recv_batch(10) is None  # no peer
    p = make_pipe()
    pair.attach(p)
    p.in_q.extend([[b"1"], [b"2"], [b"3"]])
    batch = pair.recv_batch(10)
    assert batch == ([[b"1"], [b"2"], [b"3"]], p) and pair.last_recv_pipe is p


@pytest.mark.parametrize("kind", ["REQ", "REP", "ROUTER", "XPUB", "STREAM"])
def test_patterns_with_per_message_work_never_batch(kind: str) -> None:
    """Their recv keeps state or rewrites messages: one at a time, always."""
    routing = make_routing(getattr(SocketType, kind))
    p = make_pipe(identity=b"peer")
    routing.attach(p)
    p.in_q.extend([[b"", b"x"]] * 10)
    assert routing.recv_batch(100) is None
