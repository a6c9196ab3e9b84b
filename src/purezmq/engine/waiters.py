"""Waking blocked callers: threads, futures and pollers share one mechanism.

A waiter registers with every socket it waits on *before* it checks the socket's state,
and the engine calls :meth:`Waiter.wake` after every state change; so a wake-up can
never be lost between a check and a wait.
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
from collections.abc import Mapping
from typing import Protocol

__all__ = ["FutureWaiter", "PollWaiter", "ThreadWaiter", "Waiter", "poll_waiter"]


class Waiter(Protocol):
    """Anything that can be woken from any thread."""

    def wake(self) -> None:
        """Wake the waiting party (idempotent, thread-safe, never blocks)."""


class ThreadWaiter:
    """A blocked thread: a lock held until :meth:`wake` releases it."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def wake(self) -> None:
        """Release the waiting thread (extra wakes are harmless)."""
        try:
            self._lock.release()
        except RuntimeError:
            pass

    def wait(self, timeout: float | None) -> bool:
        """Block until woken or ``timeout`` seconds pass; True if woken."""
        if timeout is None:
            return self._lock.acquire()
        if timeout <= 0:
            return self._lock.acquire(False)
        return self._lock.acquire(True, timeout)


class FutureWaiter:
    """An awaiting coroutine: a future resolved on its own loop."""

    __slots__ = ("_loop", "_thread_id", "future")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread_id = threading.get_ident()
        self.future: asyncio.Future[None] = loop.create_future()

    def _set(self) -> None:
        if not self.future.done():
            self.future.set_result(None)

    def wake(self) -> None:
        """Resolve the future (thread-safe)."""
        if threading.get_ident() == self._thread_id:
            self._set()
        else:
            try:
                self._loop.call_soon_threadsafe(self._set)
            except RuntimeError:
                pass  # the loop is closed: nobody is waiting any more


_EVENTFD = getattr(os, "eventfd", None)
_ONE = (1).to_bytes(8, "little")
_local = threading.local()


class PollWaiter:
    """A blocked thread that may also watch connections' descriptors (a blocking recv or
    poll reading connections itself: transport/selector.py, engine/reading.py). Woken
    through an eventfd (a pipe where there is none) that it polls together with those
    descriptors.

    A wake from the waiting thread itself is dropped: that thread looks at the socket
    again right after whatever it did (its own read delivering a message), and skipping
    it saves a write and a read per message. Made by :func:`poll_waiter`, one per
    thread, reused.
    """

    __slots__ = ("__weakref__", "_armed", "_fds", "_owner", "_poll", "_r", "_w", "busy")

    def __init__(self) -> None:
        if _EVENTFD is not None:
            self._r = self._w = _EVENTFD(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        else:
            self._r, self._w = os.pipe()
            os.set_blocking(self._r, False)
            os.set_blocking(self._w, False)
        self._armed = True
        self._owner = threading.get_ident()
        self._poll = select.poll()
        self._poll.register(self._r, select.POLLIN)
        self._fds: list[int] = []
        #: in use by a wait of its thread (a signal handler's recv takes another)
        self.busy = False

    def wake(self) -> None:
        """Signal the waiting thread (once per batch; thread-safe, never blocks)."""
        if self._armed and threading.get_ident() != self._owner:
            self._armed = False
            try:
                os.write(self._w, _ONE)
            except OSError:
                pass  # a signal is pending anyway, or we are closed

    def wait(self, fds: list[int], timeout: float | None) -> list[int]:
        """Block until woken, ``timeout`` seconds pass (None: no limit) or one of ``fds``
        is readable; the readable ones (or hung up: the read tells)."""
        if fds != self._fds:
            self._watch(fds)
        readable = []
        r = self._r
        for f, _ in self._poll.poll(_ms(timeout)):
            if f == r:
                self._drain()
            else:
                readable.append(f)
        return readable

    def wait_with(
        self, fds: list[int], extra: Mapping[int, int], timeout: float | None
    ) -> tuple[list[int], dict[int, int]]:
        """:meth:`wait`, and on ``extra`` descriptors too, each polled for its own
        ``select.poll`` mask (a Poller's raw descriptors): the readable ones of ``fds``,
        and the ``revents`` of those of ``extra`` that have any. A poll of its own,
        made for this wait (``extra`` changes from one poll to the next)."""
        masks = {self._r: select.POLLIN}
        for fd in fds:
            masks[fd] = masks.get(fd, 0) | select.POLLIN
        for fd, mask in extra.items():
            masks[fd] = masks.get(fd, 0) | mask
        poll = select.poll()
        for fd, mask in masks.items():
            poll.register(fd, mask)
        readable = []
        revents: dict[int, int] = {}
        r = self._r
        for f, ev in poll.poll(_ms(timeout)):
            if f == r:
                self._drain()
            if f in extra:
                revents[f] = ev
            if f in fds:
                readable.append(f)
        return readable, revents

    def wait_one(self, fd: int, timeout: float | None) -> bool:
        """:meth:`wait` for one descriptor (-1: none), the usual case, kept cheap: True
        if ``fd`` is readable."""
        fds = self._fds
        if fd < 0:
            if fds:
                self._watch([])
        elif len(fds) != 1 or fds[0] != fd:
            self._watch([fd])
        readable = False
        r = self._r
        for f, _ in self._poll.poll(_ms(timeout)):
            if f == r:
                self._drain()
            else:
                readable = True
        return readable

    def _watch(self, fds: list[int]) -> None:
        # poll the descriptors of this wait (the next wait usually asks for the same)
        poll = self._poll
        for fd in self._fds:
            if fd not in fds:
                try:
                    poll.unregister(fd)
                except KeyError:
                    pass
        for fd in fds:
            if fd not in self._fds:
                poll.register(fd, select.POLLIN)
        self._fds = list(fds)

    def _drain(self) -> None:
        # read, then re-arm: re-armed first, a wake in between would write a signal that
        # this read then swallowed, leaving the waiter disarmed with nothing pending,
        # deaf to every later wake. A wake between the read and the re-arm writes
        # nothing, and needs not: the caller looks at the socket after this.
        try:
            while os.read(self._r, 4096):
                if self._r == self._w:
                    break  # an eventfd is reset by one read
        except OSError:
            pass
        self._armed = True

    def close(self) -> None:
        """Close the descriptors (the thread ended)."""
        # getattr: an __init__ interrupted (a KeyboardInterrupt) before it made them
        fds = {getattr(self, "_r", -1), getattr(self, "_w", -1)}
        self._r = self._w = -1
        for fd in fds:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __del__(self) -> None:
        self.close()


def _ms(timeout: float | None) -> int | None:
    # poll()'s timeout: whole milliseconds, rounded up (a wait never ends early)
    return None if timeout is None else max(0, int(timeout * 1000.0 + 0.999))


def _forget_after_fork() -> None:
    # A forked child must not wait on its parent's eventfd: the two would drain each
    # other's wake-ups (a child proxy and the parent's recv hung that way). The forking
    # thread is the child's only one; its inherited waiter is dropped (and its copy of
    # the descriptors closed), and the next wait makes a fresh one.
    inherited: PollWaiter | None = getattr(_local, "waiter", None)
    _local.waiter = None
    if inherited is not None:
        inherited.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def poll_waiter() -> PollWaiter:
    """This thread's :class:`PollWaiter`, marked busy (clear ``busy`` when done)."""
    w: PollWaiter | None = getattr(_local, "waiter", None)
    if w is None or w.busy:
        w = PollWaiter()
        if getattr(_local, "waiter", None) is None:
            _local.waiter = w
    w.busy = True
    return w
