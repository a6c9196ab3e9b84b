"""A blocked caller reading its sockets' connections itself.

A thread blocked in a recv (or in a poll for POLLIN) of the blocking API watches the
descriptors of the connections it waits on beside its own eventfd, and reads and
parses what arrives in its own thread: no hand-off to the I/O thread and back for each
message (transport/selector.py has the hand-over protocol). Connections the loop still
watches (a hand-over not granted yet, inproc pipes, an asyncio socket's shadow) wake it
through the eventfd, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore
    from purezmq.engine.waiters import PollWaiter

__all__ = ["MAX_WATCHED", "wait_reading"]

#: A socket with more connections than this is not read by its callers: each wait
#: would poll them all, and the loop's selector does that better.
MAX_WATCHED = 32


def wait_reading(waiter: PollWaiter, cores: Sequence[SocketCore], timeout: float | None) -> None:
    """Wait until ``waiter`` is woken, ``timeout`` seconds pass (None: no limit) or a
    connection of ``cores`` that this thread may read is readable; read those.

    ``waiter`` must be registered with each core by ``add_reading_waiter``; the caller
    looks at the sockets again afterwards.
    """
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
                    return
                ready = False
                try:
                    ready = waiter.wait_one(fd, timeout)
                finally:
                    engine.caller_unwatch(ready)
                return
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
    if not fds:
        waiter.wait_one(-1, timeout)
        return
    readable: list[int] = []
    try:
        readable = waiter.wait(fds, timeout)
    finally:
        for engine, fd in zip(engines, fds, strict=True):
            engine.caller_unwatch(fd in readable)
