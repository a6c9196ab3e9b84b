"""Where a socket's I/O runs: an asyncio loop, in a background thread or the caller's.

Blocking (:mod:`purezmq.sync`) sockets run their connections on their context's
background I/O thread; :mod:`purezmq.asyncio` sockets run them on the caller's running
loop. Either way the rest of the engine sees one :class:`IOLoop`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from purezmq.transport.selector import abort_streams

__all__ = ["IOLoop", "IOThread"]

T = TypeVar("T")


class IOLoop:
    """An asyncio loop plus the identity of the thread that runs it.

    Args:
        loop: the event loop.
        thread_id: ``threading.get_ident()`` of the thread running ``loop``.
    """

    __slots__ = ("loop", "own_streams", "thread_id")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, thread_id: int, own_streams: bool = False
    ) -> None:
        self.loop = loop
        self.thread_id = thread_id
        #: connections use our SelectorStream (a blocked caller may read them itself)
        #: instead of the loop's transports: the blocking API's I/O thread
        self.own_streams = own_streams

    def in_loop_thread(self) -> bool:
        """True when called from the thread that runs the loop."""
        return threading.get_ident() == self.thread_id

    def call_soon(self, fn: Callable[..., object], *args: object) -> None:
        """Schedule ``fn(*args)`` on the loop, from any thread."""
        if threading.get_ident() == self.thread_id:
            self.loop.call_soon(fn, *args)
        else:
            try:
                self.loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:
                # loop closed: the context was terminated; nothing left to run
                pass

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop from another thread and wait for its result."""
        fut: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        """Start ``coro`` as a task on the loop without waiting for it (any thread)."""
        if threading.get_ident() == self.thread_id:
            task = self.loop.create_task(coro)
            _keep(task)
        else:
            asyncio.run_coroutine_threadsafe(coro, self.loop)

    def is_alive(self) -> bool:
        """False once the loop is closed."""
        return not self.loop.is_closed()


_tasks: set[asyncio.Task[object]] = set()


def _keep(task: asyncio.Task[object]) -> None:
    # asyncio keeps only weak references to tasks
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _close_leftover_transports(loop: asyncio.AbstractEventLoop) -> None:
    """Close what is still open when a loop shuts down, then let the callbacks run.

    Connections accepted or made while their sockets were closing have no owner left to
    close them; the selector loop keeps a registry of its transports, so abort those
    instead of leaking them (a ResourceWarning at garbage collection).
    """
    for _ in range(2):  # callbacks already scheduled: connection_made/connection_lost
        loop.run_until_complete(asyncio.sleep(0))
    registry = getattr(loop, "_transports", None)
    leftovers = [t for t in registry.values() if not t.is_closing()] if registry else []
    for transport in leftovers:
        transport.abort()
    if abort_streams(loop) or leftovers:
        for _ in range(2):
            loop.run_until_complete(asyncio.sleep(0))


class IOThread:
    """A daemon thread running an asyncio event loop for blocking sockets."""

    def __init__(self, name: str = "purezmq-io") -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        assert self._loop is not None
        self.io: IOLoop = IOLoop(self._loop, self._thread.ident or 0, own_streams=True)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                _close_leftover_transports(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the loop and join the thread (idempotent)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:
                pass
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()
