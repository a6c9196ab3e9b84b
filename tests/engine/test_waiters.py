"""Waiters that signal through a descriptor (PollWaiter, FdSignal): no wake-up is lost
when one lands while the waiter is being drained."""

from __future__ import annotations

import os
import select
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

from purezmq.engine.fdsignal import FdSignal
from purezmq.engine.waiters import PollWaiter


def _from_another_thread(fn: Callable[[], None]) -> None:
    t = threading.Thread(target=fn)
    t.start()
    t.join(5)


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _wake_during_first_read(monkeypatch: pytest.MonkeyPatch, wake: Callable[[], None]) -> None:
    """Make the drain's first read meet a wake from another thread just before it."""
    real_read = os.read
    calls = 0

    def read(fd: int, n: int) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            _from_another_thread(wake)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", read)


def test_poll_waiter_hears_wakes_after_one_landed_in_its_drain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = PollWaiter()
    try:
        _from_another_thread(w.wake)
        assert _readable(w._r)
        with monkeypatch.context() as m:
            _wake_during_first_read(m, w.wake)
            assert not w.wait([], 0)  # the signal is drained
        # whatever happened during the drain, the next wake must be heard
        _from_another_thread(w.wake)
        assert _readable(w._r)
    finally:
        w.close()


def test_poll_waiter_ignores_its_own_thread() -> None:
    w = PollWaiter()
    try:
        w.wake()  # the waiting thread looks again itself
        assert not _readable(w._r)
        _from_another_thread(w.wake)
        assert _readable(w._r)
    finally:
        w.close()


def test_fd_signal_hears_changes_after_one_landed_in_its_drain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = FdSignal()
    try:
        s.wake()
        assert _readable(s.fileno())
        with monkeypatch.context() as m:
            _wake_during_first_read(m, s.wake)
            s.drain()
        s.wake()
        assert _readable(s.fileno())
    finally:
        s.close()


def test_poll_waiter_watches_exactly_the_descriptors_of_each_wait() -> None:
    w = PollWaiter()
    a, a_peer = socket.socketpair()
    b, b_peer = socket.socketpair()
    try:
        assert w.wait([a.fileno(), b.fileno()], 0) == []
        b_peer.send(b"x")
        assert w.wait([a.fileno(), b.fileno()], 0) == [b.fileno()]
        # a later wait on one descriptor no longer reports the other
        assert not w.wait_one(a.fileno(), 0)
        a_peer.send(b"y")
        assert w.wait_one(a.fileno(), 0)
        assert w.wait([b.fileno()], 0) == [b.fileno()]
        assert not w.wait_one(-1, 0)  # none: only a wake ends it
        w.wake()  # from this thread: dropped
        assert not w.wait_one(-1, 0)
    finally:
        for s in (a, a_peer, b, b_peer):
            s.close()
        w.close()


def test_a_poll_waiter_whose_init_was_interrupted_closes_quietly() -> None:
    """A SIGINT can land in ``__init__`` before the descriptors exist; ``__del__`` then
    ran ``close()``, which raised AttributeError ("Exception ignored in ...")."""
    w = PollWaiter.__new__(PollWaiter)  # as left by an __init__ interrupted at once
    w.close()
    w.close()  # and twice, as __del__ does after an explicit close
