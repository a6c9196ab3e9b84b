"""Waking blocked callers: threads, futures and pollers share one mechanism.

A waiter registers with every socket it waits on *before* it checks the socket's state,
and the engine calls :meth:`Waiter.wake` after every state change; so a wake-up can
never be lost between a check and a wait.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

__all__ = ["FutureWaiter", "ThreadWaiter", "Waiter"]


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
