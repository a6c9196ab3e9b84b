from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing

from .helpers import make_pipe


def test_push_round_robin_and_mute() -> None:
    push = make_routing(SocketType.PUSH)
    assert push.send([b"x"]) is False  # no peer: EAGAIN (OBS 7d)
    assert not push.can_send()
    pipes = [make_pipe(out_hwm=2) for _ in range(3)]
    for p in pipes:
        assert push.attach(p)
    for i in range(6):
        assert push.send([b"%d" % i])
    assert [[m[0] for m in p.out_q] for p in pipes] == [  # type: ignore[index]
        [b"0", b"3"],
        [b"1", b"4"],
        [b"2", b"5"],
    ]
    assert not push.can_send()
    assert push.send([b"6"]) is False
    pipes[1].out_q.popleft()
    assert push.can_send()
    assert push.send([b"6"])
    assert pipes[1].out_q[-1] == [b"6"]
    push.detach(pipes[0])
    assert not pipes[0].active


def test_push_recv_enotsup() -> None:
    push = make_routing(SocketType.PUSH)
    with pytest.raises(ZMQError) as e:
        push.recv()
    assert e.value.errno == Errno.ENOTSUP
    assert not push.can_recv()


def test_pull_fair_queue() -> None:
    pull = make_routing(SocketType.PULL)
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        pull.attach(p)
        p.in_q.extend([[b"a"], [b"b"], [b"c"]])
    assert pull.can_recv()
    got = []
    while (m := pull.recv()) is not None:
        got.append(m[0])
    assert got == [b"a"] * 3 + [b"b"] * 3 + [b"c"] * 3
    assert not pull.can_recv()
    pipes[2].in_q.append([b"z"])
    assert pull.recv() == [b"z"] and pull.last_recv_pipe is pipes[2]
    pull.detach(pipes[2])
    assert pull.recv() is None


def test_pull_send_enotsup() -> None:
    pull = make_routing(SocketType.PULL)
    with pytest.raises(ZMQError) as e:
        pull.send([b"x"])
    assert e.value.errno == Errno.ENOTSUP
    assert not pull.can_send()


def test_conflate_push() -> None:
    push = make_routing(SocketType.PUSH)
    p = make_pipe(out_hwm=1, conflate=True)
    push.attach(p)
    for i in range(5):
        assert push.send([b"%d" % i])
    assert list(p.out_q) == [[b"4"]]
