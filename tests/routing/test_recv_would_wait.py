"""Routing.recv_would_wait: the hint that lets the asyncio recv wait without an attempt
sure to fail. It may say False when recv would wait (always safe), never True when
recv would return a message or raise."""

from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing

from .helpers import make_pipe


def _recv_returns_none(routing: object) -> bool:
    return routing.recv() is None  # type: ignore[attr-defined]


def test_req_says_wait_only_while_a_reply_is_owed_and_nothing_is_queued() -> None:
    req = make_routing(SocketType.REQ)
    p = make_pipe()
    req.attach(p)
    assert not req.recv_would_wait()  # recv raises EFSM before a request
    with pytest.raises(ZMQError) as e:
        req.recv()
    assert e.value.errno == Errno.EFSM
    assert req.send([b"q"])
    assert req.recv_would_wait()
    assert _recv_returns_none(req)
    p.in_q.append([b"", b"reply"])
    assert not req.recv_would_wait()
    assert req.recv() == [b"reply"]
    assert not req.recv_would_wait()  # EFSM again: a request must come first


def test_req_with_a_reply_read_ahead_by_a_poll_does_not_say_wait() -> None:
    req = make_routing(SocketType.REQ)
    p = make_pipe()
    req.attach(p)
    assert req.send([b"q"])
    p.in_q.append([b"", b"reply"])
    assert req.can_recv()  # takes the reply from the pipe into the pattern
    assert not p.in_q
    assert not req.recv_would_wait()
    assert req.recv() == [b"reply"]


def test_req_does_not_say_wait_while_any_pipe_holds_something() -> None:
    # a stray message on another pipe: recv would discard it and then find nothing,
    # but the hint only promises True when nothing at all is queued
    req = make_routing(SocketType.REQ)
    a, b = make_pipe(), make_pipe()
    req.attach(a)
    req.attach(b)
    assert req.send([b"q"])
    (b if a.out_q else a).in_q.append([b"", b"stray"])
    assert not req.recv_would_wait()
    assert _recv_returns_none(req)
    assert req.recv_would_wait()


def test_rep_says_wait_only_between_replies_with_nothing_queued() -> None:
    rep = make_routing(SocketType.REP)
    assert rep.recv_would_wait()  # no pipe at all
    p = make_pipe()
    rep.attach(p)
    assert rep.recv_would_wait()
    assert _recv_returns_none(rep)
    p.in_q.append([b"", b"request"])
    assert not rep.recv_would_wait()
    assert rep.recv() == [b"request"]
    assert not rep.recv_would_wait()  # a reply is owed: recv raises EFSM
    with pytest.raises(ZMQError):
        rep.recv()
    assert rep.send([b"reply"])
    assert rep.recv_would_wait()


def test_rep_with_a_request_read_ahead_by_a_poll_does_not_say_wait() -> None:
    rep = make_routing(SocketType.REP)
    p = make_pipe()
    rep.attach(p)
    p.in_q.append([b"", b"request"])
    assert rep.can_recv()
    assert not p.in_q
    assert not rep.recv_would_wait()
    assert rep.recv() == [b"request"]


@pytest.mark.parametrize("kind", [SocketType.PULL, SocketType.DEALER])
def test_fair_queued_patterns_say_wait_when_every_pipe_is_empty(kind: SocketType) -> None:
    routing = make_routing(kind)
    assert routing.recv_would_wait()
    a, b = make_pipe(), make_pipe()
    routing.attach(a)
    routing.attach(b)
    assert routing.recv_would_wait()
    assert _recv_returns_none(routing)
    b.in_q.append([b"m"])
    assert not routing.recv_would_wait()
    assert routing.recv() == [b"m"]
    assert routing.recv_would_wait()


@pytest.mark.parametrize(
    "kind",
    [SocketType.ROUTER, SocketType.PAIR, SocketType.SUB, SocketType.XPUB, SocketType.STREAM],
)
def test_other_patterns_never_say_wait(kind: SocketType) -> None:
    # the default: no hint, the attempt is always made
    routing = make_routing(kind)
    routing.attach(make_pipe())
    assert not routing.recv_would_wait()
