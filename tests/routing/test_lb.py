from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.routing.lb import LoadBalancer

from .helpers import make_pipe


def test_observed_round_robin() -> None:
    # ZMTP digest 3.2 / OBS 7g: 6 sends over 3 peers -> [0,3] [1,4] [2,5]
    lb = LoadBalancer()
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        lb.attach(p)
    for i in range(6):
        assert lb.send([b"rr%d" % i]) is not None
    assert [list(p.out_q) for p in pipes] == [
        [[b"rr0"], [b"rr3"]],
        [[b"rr1"], [b"rr4"]],
        [[b"rr2"], [b"rr5"]],
    ]


def test_skips_full_and_mute() -> None:
    lb = LoadBalancer()
    a, b = make_pipe(out_hwm=1), make_pipe(out_hwm=3)
    lb.attach(a)
    lb.attach(b)
    assert lb.send([b"1"]) is a
    assert lb.send([b"2"]) is b
    assert lb.send([b"3"]) is b  # a is full: skipped
    assert lb.send([b"4"]) is b
    assert lb.has_out() is False
    assert lb.send([b"5"]) is None
    a.out_q.popleft()
    assert lb.has_out()
    assert lb.send([b"6"]) is a


def test_no_pipes_is_mute() -> None:
    lb = LoadBalancer()
    assert lb.send([b"x"]) is None
    assert not lb.has_out()


def test_conflate_pipe_always_accepts() -> None:
    lb = LoadBalancer()
    p = make_pipe(out_hwm=1, conflate=True)
    lb.attach(p)
    for i in range(3):
        assert lb.send([b"%d" % i]) is p
    assert list(p.out_q) == [[b"2"]]
    assert lb.has_out()


def test_detach_keeps_rotation() -> None:
    lb = LoadBalancer()
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        lb.attach(p)
    assert lb.send([b"0"]) is pipes[0]
    assert lb.send([b"1"]) is pipes[1]
    lb.detach(pipes[0])
    lb.detach(pipes[0])
    assert lb.send([b"2"]) is pipes[2]
    assert lb.send([b"3"]) is pipes[1]


@settings(deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=5),
    st.lists(st.booleans(), max_size=40),
)
def test_never_loses_or_duplicates(hwms: list[int], ops: list[bool]) -> None:
    """ops: True = send, False = the engine drains one message from every pipe."""
    lb = LoadBalancer()
    pipes = [make_pipe(out_hwm=h) for h in hwms]
    for p in pipes:
        lb.attach(p)
    accepted = []
    delivered = []
    for i, op in enumerate(ops):
        if op:
            if lb.send([b"%d" % i]) is not None:
                accepted.append(i)
            else:
                assert all(p.out_hwm and len(p.out_q) >= p.out_hwm for p in pipes)
        else:
            for p in pipes:
                if p.out_q:
                    delivered.append(int(p.out_q.popleft()[0]))  # type: ignore[index]
        for p in pipes:
            assert p.out_hwm == 0 or len(p.out_q) <= p.out_hwm
    for p in pipes:
        delivered.extend(int(m[0]) for m in p.out_q)  # type: ignore[index]
    assert sorted(delivered) == accepted


def test_a_one_frame_message_goes_to_a_stream_engines_pipe_as_its_bytes() -> None:
    lb = LoadBalancer()
    engine, inproc = make_pipe(), make_pipe()
    engine.bare_frames = True
    lb.attach(engine)
    lb.attach(inproc)
    view = memoryview(b"v")
    for msg in ([b"one"], [b"two"], [b"a", b"b"], [b"c", b"d"], [view]):
        assert lb.send(msg) is not None
    assert list(engine.out_q) == [b"one", [b"a", b"b"], [view]]
    assert list(inproc.out_q) == [[b"two"], [b"c", b"d"]]
