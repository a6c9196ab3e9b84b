"""Poller and select over purezmq sockets, raw file descriptors and ``fileno()`` objects.

Level-triggered, like ``zmq_poll``: a socket is reported for as long as it has a
message to read (POLLIN) or room to send (POLLOUT). Waiting registers one waiter with
every socket polled, and the waiting thread reads the connections of those polled for
POLLIN itself (engine/reading.py), as a blocking recv does. Raw descriptors are polled
in the same wait, and reported as ``zmq_poll`` reports them: POLLIN, POLLOUT, POLLPRI
as asked for, POLLERR for an error or a hang-up.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from purezmq.engine.reading import wait_reading
from purezmq.engine.waiters import PollWaiter, poll_waiter
from purezmq.poll_base import POLLERR as _POLLERR
from purezmq.poll_base import POLLIN as _POLLIN
from purezmq.poll_base import POLLOUT as _POLLOUT
from purezmq.poll_base import (
    PollerBase,
    fileno_of,
    poll_now,
    raw_masks,
    raw_ready,
    socket_events,
)
from purezmq.socket_base import SocketBase

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = ["Poller", "select", "socket_events"]


class Poller(PollerBase):
    """A set of sockets and descriptors to wait on (pyzmq's ``zmq.Poller``)."""

    def poll(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        """Wait up to ``timeout`` milliseconds (None or negative: forever).

        Returns:
            ``(socket, events)`` pairs for everything ready, in registration order.
        """
        if timeout is not None and timeout < 0:
            timeout = None
        deadline = None if timeout is None else time.monotonic() + timeout / 1000.0
        zsocks = [(s, f) for s, f in self.sockets if isinstance(s, SocketBase)]
        fds = [(s, fileno_of(s), f) for s, f in self.sockets if not isinstance(s, SocketBase)]
        if fds:
            return self._poll_with_fds(zsocks, fds, deadline)
        if deadline is not None and deadline <= time.monotonic():
            return self._check(zsocks)
        # Wait reading the connections of the sockets polled for POLLIN in this thread,
        # as a blocking recv does (engine/reading.py; see _register). Checks leave the
        # kernel to the wait: it polls the descriptors this thread watches, and then
        # reads what is there (saving a read that would find nothing per check).
        ready = self._check(zsocks, False)
        if ready:
            return ready
        waiter = poll_waiter()
        reading = _register(waiter, zsocks)
        try:
            while True:
                ready = self._check(zsocks, False)
                if ready:
                    return ready
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return self._check(zsocks)  # a last look, the kernel's included
                wait_reading(waiter, reading, remaining)
        finally:
            _unregister(waiter, zsocks)

    def _poll_with_fds(
        self,
        zsocks: list[tuple[SocketBase, int]],
        fds: list[tuple[Any, int, int]],
        deadline: float | None,
    ) -> list[tuple[Any, int]]:
        """:meth:`poll` with raw descriptors among what it polls: the same wait, reading
        the sockets' connections in this thread, with those descriptors polled beside
        them and reported as ``zmq_poll`` reports them (:func:`~purezmq.poll_base.raw_events`)."""
        masks = raw_masks(fds)
        if deadline is not None and deadline <= time.monotonic():
            # poll(0): a look, no wait; no connection is asked of the loop for it
            return self._report(self._check(zsocks) + raw_ready(fds, poll_now(masks)))
        waiter = poll_waiter()
        reading = _register(waiter, zsocks)
        try:
            ready = self._check(zsocks, False)
            while True:
                if ready:
                    remaining: float | None = 0.0  # only the descriptors left to look at
                elif deadline is None:
                    remaining = None
                else:
                    remaining = max(0.0, deadline - time.monotonic())
                last_look = not ready and remaining == 0.0  # the deadline's
                revents = wait_reading(waiter, reading, remaining, masks)
                ready = self._check(zsocks, last_look) + raw_ready(fds, revents)
                if ready:
                    return self._report(ready)
                if last_look:
                    return []
        finally:
            _unregister(waiter, zsocks)


def _register(waiter: PollWaiter, zsocks: list[tuple[SocketBase, int]]) -> list[SocketCore]:
    """Register a poll's waiter with each socket; the cores of those polled for POLLIN,
    whose connections the waiting thread reads (a socket polled for POLLOUT alone
    registers as any other waiter, and so is read by the loop)."""
    reading = []
    for s, f in zsocks:
        if f & _POLLIN:
            # POLLIN alone: a peer making room for sends changes nothing it waits for
            s._core.add_reading_waiter(waiter, room=bool(f & _POLLOUT))
            reading.append(s._core)
        else:
            s._core.add_waiter(waiter)
    return reading


def _unregister(waiter: PollWaiter, zsocks: list[tuple[SocketBase, int]]) -> None:
    for s, _ in zsocks:
        s._core.remove_waiter(waiter)
    waiter.busy = False


def select(
    rlist: Iterable[Any], wlist: Iterable[Any], xlist: Iterable[Any], timeout: float | None = None
) -> tuple[list[Any], list[Any], list[Any]]:
    """``select.select`` for purezmq sockets and descriptors; ``timeout`` in seconds.

    Returns:
        The ready sockets, and the fd numbers of ready descriptors / fileno() objects.
    """
    poller = Poller()
    rl, wl, xl = list(rlist), list(wlist), list(xlist)
    for s in rl:
        poller.register(s, _POLLIN)
    for s in wl:
        poller.register(s, poller._flags(s) | _POLLOUT)
    for s in xl:
        poller.register(s, poller._flags(s) | _POLLERR)
    ms = None if timeout is None or timeout < 0 else timeout * 1000.0
    events = dict(poller.poll(ms))

    def key(s: Any) -> Any:
        # like pyzmq, plain descriptors and fileno() objects come back as fd numbers
        return s if isinstance(s, SocketBase) else fileno_of(s)

    return (
        [key(s) for s in rl if events.get(key(s), 0) & _POLLIN],
        [key(s) for s in wl if events.get(key(s), 0) & _POLLOUT],
        [key(s) for s in xl if events.get(key(s), 0) & _POLLERR],
    )
