"""Frame as pyzmq has it (writable buffer, cached bytes/buffer, repr) and tracking of
zero-copy sends."""

from __future__ import annotations

import gc

import pytest

import purezmq
from tests.api.conftest import tcp_pair


def test_frame_buffer_is_writable_and_cached() -> None:
    f = purezmq.Frame(b"abc")
    view = memoryview(f)
    assert not view.readonly
    view[0] = ord("x")
    assert f == b"xbc"
    assert f.buffer is f.buffer and isinstance(f.buffer, memoryview)


def test_bytes_is_copied_once() -> None:
    src = b"x" * 100
    f = purezmq.Frame(src)
    b = f.bytes
    assert b == src and b is not src and f.bytes is b and type(b) is bytes


def test_construction_rules() -> None:
    assert purezmq.Frame() == b"" and purezmq.Frame(memoryview(b"m")) == b"m"
    for bad in (5, object(), "str"):
        with pytest.raises(TypeError):
            purezmq.Frame(bad)
    with pytest.raises(BufferError):
        purezmq.Frame(memoryview(bytearray(10))[::2])
    a, b = purezmq.Frame(b"same"), purezmq.Frame(b"same")
    assert a == b and len({a, b}) == 2  # equal content, identity hash (as pyzmq frames)


def test_repr_matches_pyzmq() -> None:
    assert str(purezmq.Frame(b"")) == "<zmq.Frame(b'')>"
    assert repr(purezmq.Frame(b"x" * 20)) == "<zmq.Frame(b'xxxxxxxxxxxx'...20B)>"
    assert repr(purezmq.Frame(b"x" * 2000)) == "<zmq.Frame(b'xxxxxxxxxxxx'...2kB)>"
    assert repr(purezmq.Frame(b"x" * 2_000_000)) == "<zmq.Frame(b'xxxxxxxxxxxx'...2MB)>"


def test_received_frames_are_writable(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx)
    a.send(memoryview(b"\0" * 64), copy=False)
    m = b.recv(copy=False)
    view = memoryview(m)
    assert not view.readonly and view.tobytes() == b"\0" * 64
    assert type(m.bytes) is bytes


def test_zero_copy_frame_tracker_done_when_collected() -> None:
    m = purezmq.Frame(b"asdf", copy=False, track=True)
    m2 = purezmq.Frame(b"whoda", copy=False, track=True)
    both = purezmq.MessageTracker(m, m2)
    assert not m.tracker.done and not both.done
    with pytest.raises(purezmq.NotDone):
        both.wait(0.01)
    del m
    gc.collect()
    assert not both.done
    clone = m2.fast_copy()
    del m2
    gc.collect()
    assert not both.done  # the copy still holds the message
    del clone
    gc.collect()
    both.wait(1)
    assert both.done


def test_copied_frames_track_as_done() -> None:
    assert purezmq.Frame(b"small", track=True).tracker is purezmq._FINISHED_TRACKER
    assert purezmq.Frame(b"x", track=False).tracker is None


def test_send_trackers_follow_pyzmq(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx, purezmq.PUSH, purezmq.PULL)
    assert a.send(b"copied") is None
    assert a.send(b"small", copy=False, track=True) is purezmq._FINISHED_TRACKER
    assert b.recv() == b"copied" and b.recv() == b"small"
    a.copy_threshold = 0
    tracker = a.send_multipart([b"something", b"else"], copy=False, track=True)
    assert isinstance(tracker, purezmq.MessageTracker)
    assert b.recv_multipart() == [b"something", b"else"]
    tracker.wait(5)  # released once written to the wire
    assert a.send(b"untracked", copy=False) is None
    assert b.recv() == b"untracked"


def test_tracked_frame_sent_twice(ctx: purezmq.Context) -> None:
    a, b = tcp_pair(ctx, purezmq.PUSH, purezmq.PULL)
    m = purezmq.Frame(b"again", copy=False, track=True)
    p1 = a.send(m, copy=False)
    p2 = a.send(m, copy=False)
    assert p1 is m.tracker and p2 is m.tracker
    assert b.recv() == b"again" and b.recv() == b"again"
    assert not p1.done  # m is still alive
    del m
    gc.collect()
    p1.wait(5)
    with pytest.raises(ValueError):
        a.send(purezmq.Frame(b"untracked"), copy=False, track=True)


def test_copies_of_tracked_parts_are_plain_bytes() -> None:
    import copy
    import pickle

    from purezmq.message import track_part

    part, tracker = track_part(b"payload")
    assert type(copy.copy(part)) is bytes
    assert type(pickle.loads(pickle.dumps(part))) is bytes
    assert not tracker.done
    del part
    assert tracker.done
