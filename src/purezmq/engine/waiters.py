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
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

__all__ = [
    "HANDING_OFF",
    "HAND_OFF_SCOPE",
    "FutureWaiter",
    "HandOffWaiter",
    "PollWaiter",
    "ThreadWaiter",
    "Waiter",
    "poll_waiter",
    "send_handing_off",
]

_T = TypeVar("_T")


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


# ---------------------------------------------------------------- hand-offs to senders
class HandsOff(Protocol):
    """What a :class:`HandOffWaiter` serves: a relay (purezmq.proxy) whose work a
    sending thread may do."""

    def relay_here(self, hand_off: HandOffWaiter) -> None:
        """Do the work ``hand_off`` was woken for in this thread now, or wake the
        relay's own thread if it is not to be done here (never raises, never blocks on
        the relay's thread)."""

    def waits_for_room(self, source: object) -> bool:
        """True if the relay waits for room in ``source`` (a socket it also sends
        to): what it reads there is the only thing its hand-off waiter waits for
        otherwise. Thread-safe, without the relay's lock: a flow says it wants room
        before it looks for any, so room made after it found none is not missed."""


#: The relays running in this process whose work a sending thread may do
#: (:class:`HandOffWaiter`): while there are none, a blocking send pays one check.
HANDING_OFF: list[HandsOff] = []


#: Messages arriving closer together than this (seconds) on one socket a relay reads
#: are a stream: they are left to the relay's thread, which moves them in bursts, as
#: if no sending thread could do the work. A sender relaying each message itself saves
#: the relay's thread a wake-up per message, which is what a request/reply exchange
#: pays for, but costs more than a burst per message (an inproc PUSH into a streamer
#: proxy moved 190 k msg/s that way, against 330 k in bursts).
HAND_OFF_GAP = 20e-6


class _Scope(threading.local):
    """Per thread: whether its blocking sends look for hand-offs, and the send under
    way that will run those it meets."""

    def __init__(self) -> None:
        #: this thread's sends have woken a relay's thread (and are no stream): its
        #: next sends run the hand-offs they meet (send_handing_off); while it is
        #: False, a send pays nothing for hand-offs
        self.wanted = False
        #: a send under way will run the hand-offs it meets
        self.active = False
        #: the hand-offs met, run when the send is done
        self.pending: deque[HandOffWaiter] = deque()


#: this thread's hand-off state (read by the blocking Socket's send)
HAND_OFF_SCOPE = _Scope()
_scope = HAND_OFF_SCOPE
_clock = time.perf_counter


class HandOffWaiter:
    """A relay's waiter on a socket it reads: instead of waking the relay's thread
    (``waiter``) for what a blocking send of another thread delivered, it lets that
    thread do the relay's work right after its send (:func:`send_handing_off`).

    A message sent over inproc to a proxied socket then crosses into the proxy's
    destination in the sender's thread: no wake-up of the proxy's thread and no GIL
    hand-over to it, twice per round trip through a ROUTER/DEALER queue. Any other wake
    (the I/O thread, a recv freeing room, an asyncio socket), and a stream of messages
    (:data:`HAND_OFF_GAP`), wakes ``waiter`` as a plain waiter would.

    Which sends look for hand-offs is learnt per thread: a thread whose wake reaches
    this waiter outside such a send is marked (``wanted``) unless it is streaming, and
    unmarked as soon as its sends come as a stream. Other threads' sends, and all of
    them while no relay runs (:data:`HANDING_OFF`), pay nothing for it.
    """

    __slots__ = ("last", "last_out", "relay", "source", "waiter")

    @property
    def wants_room(self) -> bool:
        """SocketCore.notify_room wakes it only while its relay waits for room in
        the socket it reads (a queue's sockets are both read and written)."""
        return self.relay.waits_for_room(self.source)

    def __init__(self, relay: HandsOff, waiter: Waiter, source: object) -> None:
        self.relay = relay
        self.waiter = waiter
        #: what it is registered with (the relay's business: a socket it reads)
        self.source = source
        #: when a send that looks for hand-offs last met it (``time.perf_counter``)
        self.last = 0.0
        #: when any other wake last reached it
        self.last_out = 0.0

    def wake(self) -> None:
        """Leave the relay's work to the send under way in this thread, if it looks
        for hand-offs, else wake the relay's thread (thread-safe, never blocks, may run
        under any lock)."""
        scope = _scope
        now = _clock()
        if scope.active:
            pending = scope.pending
            if self in pending:
                return  # met twice in one send: run once
            stream = now - self.last < HAND_OFF_GAP
            self.last = now
            if stream:
                scope.wanted = False  # this thread streams: its sends stop looking
                self.waiter.wake()
            else:
                pending.append(self)
            return
        if now - self.last_out >= HAND_OFF_GAP:
            scope.wanted = True  # no stream: this thread's next sends look for us
        self.last_out = now
        self.waiter.wake()


def send_handing_off(send: Callable[..., _T], *args: object) -> _T:
    """``send(*args)``, then the work of every relay that it woke (HandOffWaiter), in
    this thread, once no socket lock is held any more. Each relay does what it can and
    wakes its own thread for the rest; a relay woken meanwhile is run too.
    """
    scope = _scope
    if scope.active:  # a send within a send (a signal handler's)
        return send(*args)
    scope.active = True
    try:
        return send(*args)
    finally:
        pending = scope.pending
        try:
            while pending:
                hand_off = pending.popleft()
                hand_off.relay.relay_here(hand_off)
        finally:
            scope.active = False
            while pending:  # interrupted: their threads do it
                pending.popleft().waiter.wake()
