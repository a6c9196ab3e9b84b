from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.routing.fq import FairQueue

from .helpers import make_pipe


def test_observed_order_three_peers() -> None:
    # ZMTP digest 3.2 / OBS 7g: 3 peers each sending a,b,c -> a,a,a,b,b,b,c,c,c
    fq = FairQueue()
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        fq.attach(p)
        for m in (b"a", b"b", b"c"):
            p.in_q.append([m])
    got = []
    while (msg := fq.recv()) is not None:
        got.append(msg[0])
    assert got == [b"a", b"a", b"a", b"b", b"b", b"b", b"c", b"c", b"c"]


def test_whole_messages_and_last_pipe() -> None:
    fq = FairQueue()
    p1, p2 = make_pipe(), make_pipe()
    fq.attach(p1)
    fq.attach(p2)
    assert fq.recv() is None and fq.last_pipe is None
    p2.in_q.append([b"1", b"2", b"3"])
    assert fq.has_in()
    assert fq.recv() == [b"1", b"2", b"3"]
    assert fq.last_pipe is p2
    assert not fq.has_in()


def test_on_read_called() -> None:
    fq = FairQueue()
    p = make_pipe()
    n = []
    p.on_read = lambda: n.append(1)
    fq.attach(p)
    p.in_q.append([b"x"])
    fq.recv()
    assert n == [1]


def test_detach_keeps_rotation() -> None:
    fq = FairQueue()
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        fq.attach(p)
        p.in_q.extend([[b"1"], [b"2"]])
    assert fq.recv() is not None and fq.last_pipe is pipes[0]
    assert fq.recv() is not None and fq.last_pipe is pipes[1]
    fq.detach(pipes[0])
    assert fq.recv() is not None and fq.last_pipe is pipes[2]
    assert fq.recv() is not None and fq.last_pipe is pipes[1]
    fq.detach(pipes[1])
    fq.detach(pipes[1])  # absent: no-op
    assert fq.last_pipe is None
    assert fq.recv() is not None and fq.last_pipe is pipes[2]
    assert fq.recv() is None


def test_thousand_pipes_only_one_busy() -> None:
    fq = FairQueue()
    pipes = [make_pipe() for _ in range(1000)]
    for p in pipes:
        fq.attach(p)
    pipes[737].in_q.extend([[b"%d" % i] for i in range(50)])
    got = [fq.recv() for _ in range(50)]
    assert got == [[b"%d" % i] for i in range(50)]
    assert fq.recv() is None


@settings(deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), max_size=8), min_size=1, max_size=6))
def test_no_loss_no_duplicate_and_per_pipe_order(layout: list[list[int]]) -> None:
    fq = FairQueue()
    pipes = [make_pipe() for _ in layout]
    for p in pipes:
        fq.attach(p)
    sent = []
    for pi, msgs in enumerate(layout):
        for j, _ in enumerate(msgs):
            m = [b"%d" % pi, b"%d" % j]
            pipes[pi].in_q.append(m)
            sent.append(m)
    got = []
    while (msg := fq.recv()) is not None:
        got.append(msg)
    assert sorted(got) == sorted(sent)
    for pi in range(len(layout)):
        mine = [int(m[1]) for m in got if m[0] == b"%d" % pi]
        assert mine == sorted(mine)


def test_recv_batch_only_with_a_single_pipe() -> None:
    """With one pipe there is no choice to make: a batch in arrival order. With two,
    taking a batch from one would break the round robin, so recv() it is."""
    fq = FairQueue()
    p1 = make_pipe()
    fq.attach(p1)
    assert fq.recv_batch(10) is None  # nothing queued
    p1.in_q.append([b"only"])
    assert fq.recv_batch(10) is None  # one message: recv() serves it
    p1.in_q.extend([b"%d" % i] for i in range(5))
    batch = fq.recv_batch(3)
    assert batch is not None
    msgs, pipe = batch
    assert pipe is p1 and fq.last_pipe is p1
    assert msgs == [[b"only"], [b"0"], [b"1"]]
    p2 = make_pipe()
    fq.attach(p2)
    p2.in_q.extend([[b"x"], [b"y"]])
    assert fq.recv_batch(10) is None
    assert [fq.recv(), fq.recv(), fq.recv()] == [[b"2"], [b"x"], [b"3"]]
