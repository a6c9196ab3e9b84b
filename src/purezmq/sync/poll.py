"""Poller and select over purezmq sockets, raw file descriptors and ``fileno()`` objects.

Level-triggered, like ``zmq_poll``: a socket is reported for as long as it has a
message to read (POLLIN) or room to send (POLLOUT). Waiting registers one waiter with
every socket polled. Over sockets alone, the waiting thread reads the connections of
those polled for POLLIN itself (engine/reading.py), as a blocking recv does; when raw
descriptors are polled too, the waiter writes a byte into a wake-up pipe that the
selector also watches, and the loop reads every connection.
"""

from __future__ import annotations

import selectors
import time
from collections.abc import Iterable
from typing import Any

from purezmq.engine.fdsignal import FdSignal
from purezmq.engine.reading import wait_reading
from purezmq.engine.waiters import poll_waiter
from purezmq.poll_base import POLLERR as _POLLERR
from purezmq.poll_base import POLLIN as _POLLIN
from purezmq.poll_base import POLLOUT as _POLLOUT
from purezmq.poll_base import PollerBase, fileno_of, socket_events
from purezmq.socket_base import SocketBase

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
            return self._poll_with_fds(zsocks, fds, deadline, self._check(zsocks))
        if deadline is not None and deadline <= time.monotonic():
            return self._check(zsocks)
        # Wait reading the connections of the sockets polled for POLLIN in this thread,
        # as a blocking recv does (engine/reading.py); a socket polled for POLLOUT alone
        # registers as any other waiter (and so is read by the loop). Checks leave the
        # kernel to the wait: it polls the descriptors this thread watches, and then
        # reads what is there (saving a read that would find nothing per check).
        ready = self._check(zsocks, False)
        if ready:
            return ready
        waiter = poll_waiter()
        reading = []
        for s, f in zsocks:
            if f & _POLLIN:
                s._core.add_reading_waiter(waiter)
                reading.append(s._core)
            else:
                s._core.add_waiter(waiter)
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
            for s, _ in zsocks:
                s._core.remove_waiter(waiter)
            waiter.busy = False

    def _poll_with_fds(
        self,
        zsocks: list[tuple[SocketBase, int]],
        fds: list[tuple[Any, int, int]],
        deadline: float | None,
        ready: list[tuple[Any, int]],
    ) -> list[tuple[Any, int]]:
        sel = selectors.DefaultSelector()
        waiter = FdSignal() if zsocks else None
        try:
            by_fd: dict[int, tuple[Any, int]] = {}
            for obj, fd, flags in fds:
                mask = 0
                if flags & _POLLIN:
                    mask |= selectors.EVENT_READ
                if flags & _POLLOUT:
                    mask |= selectors.EVENT_WRITE
                if not mask:
                    continue
                if fd in by_fd:
                    prev_obj, prev_flags = by_fd[fd]
                    by_fd[fd] = (prev_obj, prev_flags | flags)
                    sel.modify(fd, sel.get_key(fd).events | mask)
                else:
                    by_fd[fd] = (obj, flags)
                    sel.register(fd, mask)
            if waiter is not None:
                sel.register(waiter.fileno(), selectors.EVENT_READ)
                for s, _ in zsocks:
                    s._core.add_waiter(waiter)
            first = True
            while True:
                if not first:
                    ready = self._check(zsocks)
                first = False
                timeout = (
                    0.0
                    if ready
                    else (None if deadline is None else max(0.0, deadline - time.monotonic()))
                )
                events = sel.select(timeout)
                fd_ready: dict[Any, int] = {}
                for key, mask in events:
                    if waiter is not None and key.fd == waiter.fileno():
                        waiter.drain()
                        continue
                    obj, flags = by_fd[key.fd]
                    ev = 0
                    if mask & selectors.EVENT_READ:
                        ev |= _POLLIN
                    if mask & selectors.EVENT_WRITE:
                        ev |= _POLLOUT
                    ev &= flags
                    if ev:
                        fd_ready[obj] = ev
                if fd_ready:
                    ready = self._check(zsocks) + list(fd_ready.items())
                if ready:
                    return self._report(ready)
                if deadline is not None and time.monotonic() >= deadline:
                    return []
        finally:
            if waiter is not None:
                for s, _ in zsocks:
                    s._core.remove_waiter(waiter)
                waiter.close()
            sel.close()


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
