from __future__ import annotations

from purezmq.routing.dist import Dist
from purezmq.routing.pipe import Subscription

from .helpers import make_pipe


def test_send_to_all_skips_full_and_copies() -> None:
    d = Dist()
    a, b, c = make_pipe(out_hwm=1), make_pipe(), make_pipe()
    for p in (a, b, c):
        d.attach(p)
    a.out_q.append([b"old"])
    msg = [b"x", b"y"]
    d.send_to_all(msg)
    assert list(a.out_q) == [[b"old"]]  # full: lost for it
    assert b.out_q[0] == msg and c.out_q[0] == msg
    assert b.out_q[0] is msg
    assert c.out_q[0] is not msg  # each receiver owns its list


def test_send_to_subset_and_detach() -> None:
    d = Dist()
    a, b = make_pipe(), make_pipe()
    d.attach(a)
    d.attach(b)
    d.send_to([b], [b"m"])
    assert not a.out_q and list(b.out_q) == [[b"m"]]
    d.detach(a)
    d.detach(a)
    assert d.pipes == [b]


def test_write_all_ignores_hwm() -> None:
    d = Dist()
    a = make_pipe(out_hwm=1)
    a.out_q.append([b"full"])
    d.attach(a)
    d.write_all(Subscription(b"t"))
    assert list(a.out_q) == [[b"full"], Subscription(b"t")]


def test_can_write_all() -> None:
    a, b = make_pipe(out_hwm=1), make_pipe(out_hwm=0)
    assert Dist.can_write_all([a, b])
    a.out_q.append([b"x"])
    assert not Dist.can_write_all([a, b])
    assert Dist.can_write_all([b])
    assert Dist.can_write_all([])
    a.conflate = True
    assert Dist.can_write_all([a])


def test_a_one_frame_message_goes_to_a_stream_engines_pipe_as_its_bytes() -> None:
    # Pipe.bare_frames: the engine's encoder takes `frame` for `[frame]`, and every such
    # pipe can share the one bytes object
    d = Dist()
    engine_a, engine_b, inproc = make_pipe(), make_pipe(), make_pipe()
    engine_a.bare_frames = engine_b.bare_frames = True
    for p in (engine_a, engine_b, inproc):
        d.attach(p)
    frame = b"x" * 300
    d.send_to_all([frame])
    assert engine_a.out_q[0] is frame and engine_b.out_q[0] is frame
    assert inproc.out_q[0] == [frame]  # an inproc peer reads lists


def test_only_one_frame_bytes_messages_go_bare() -> None:
    d = Dist()
    pipe = make_pipe()
    pipe.bare_frames = True
    d.attach(pipe)
    view = memoryview(b"zero-copy")
    for msg in ([b"a", b"b"], [view], [bytearray(b"ba")]):
        d.send_to_all(msg)
    assert list(pipe.out_q) == [[b"a", b"b"], [view], [bytearray(b"ba")]]


def test_bare_frames_respect_the_hwm_and_conflate() -> None:
    d = Dist()
    full, conflating = make_pipe(out_hwm=1), make_pipe(conflate=True)
    full.bare_frames = conflating.bare_frames = True
    d.attach(full)
    d.attach(conflating)
    for i in range(3):
        d.send_to_all([b"m%d" % i])
    assert list(full.out_q) == [b"m0"]  # full after one: the rest lost for it
    assert list(conflating.out_q) == [[b"m2"]]  # CONFLATE keeps the newest, as a list
