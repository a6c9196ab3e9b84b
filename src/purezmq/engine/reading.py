"""A blocked caller reading its sockets' connections itself.

A thread blocked in a recv (or in a poll for POLLIN) of the blocking API watches the
descriptors of the connections it waits on beside its own eventfd, and reads and
parses what arrives in its own thread: no hand-off to the I/O thread and back for each
message (transport/selector.py has the hand-over protocol). Connections the loop still
watches (a hand-over not granted yet, inproc pipes, an asyncio socket's shadow) wake it
through the eventfd, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore
    from purezmq.engine.stream import StreamEngine as Engine
    from purezmq.engine.waiters import PollWaiter

__all__ = ["MAX_WATCHED", "wait_reading"]

#: A socket with more connections than this is not read by its callers: each wait
#: would poll them all, and the loop's selector does that better.
MAX_WATCHED = 32


def wait_reading(
    waiter: PollWaiter,
    cores: Sequence[SocketCore],
    timeout: float | None,
    extra: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """Wait until ``waiter`` is woken, ``timeout`` seconds pass (None: no limit) or a
    connection of ``cores`` that this thread may read is readable; read those.

    ``extra``: other descriptors to wait on, each with its ``select.poll`` event mask
    (a Poller's raw descriptors); their ``revents``, for those that have any, are
    returned (an empty dict otherwise).

    ``waiter`` must be registered with each core by ``add_reading_waiter``; the caller
    looks at the sockets again afterwards.
    """
    if extra:
        engines, fds = _watchable(cores)
        readable: list[int] = []
        try:
            readable, revents = waiter.wait_with(fds, extra, timeout)
        finally:
            _unwatch(engines, fds, readable)
        return revents
    if len(cores) == 1:
        mine = cores[0].engines
        if len(mine) == 1:  # the usual case, kept cheap: one socket, one connection
            try:
                (engine,) = mine
            except (ValueError, RuntimeError):  # the I/O thread changed the set meanwhile
                pass
            else:
                fd = engine.caller_watch()
                if fd < 0:
                    waiter.wait_one(-1, timeout)
                    return _NONE
                ready = False
                try:
                    ready = waiter.wait_one(fd, timeout)
                finally:
                    engine.caller_unwatch(ready)
                return _NONE
    engines, fds = _watchable(cores)
    if not fds:
        waiter.wait_one(-1, timeout)
        return _NONE
    readable = []
    try:
        readable = waiter.wait(fds, timeout)
    finally:
        _unwatch(engines, fds, readable)
    return _NONE


#: what a wait without ``extra`` descriptors returns (never filled in)
_NONE: dict[int, int] = {}


def _watchable(cores: Sequence[SocketCore]) -> tuple[list[Engine], list[int]]:
    """The connections of ``cores`` this thread may read now, and their descriptors
    (each watched from here: :func:`_unwatch` must follow the wait)."""
    engines = []
    fds = []
    for core in cores:
        try:
            connections = tuple(core.engines)
        except RuntimeError:  # the I/O thread changed the set meanwhile (no GIL)
            continue
        if len(connections) > MAX_WATCHED:
            if core.caller_reading:
                core.release_reading()
            continue
        for engine in connections:
            fd = engine.caller_watch()
            if fd >= 0:
                engines.append(engine)
                fds.append(fd)
    return engines, fds


def _unwatch(engines: list[Engine], fds: list[int], readable: list[int]) -> None:
    # the wait is over: each connection read if it was readable, then the loop's again
    # when a hand-back is due (transport/selector.py)
    for engine, fd in zip(engines, fds, strict=True):
        engine.caller_unwatch(fd in readable)
