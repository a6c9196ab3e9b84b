"""purezmq.asyncio: awaitable sockets on the caller's event loop, no extra thread.

Like ``zmq.asyncio``, ``send``/``recv`` return :class:`asyncio.Future` objects. When a
message is already queued (or a pipe has room) the future comes back already done, so
``await sock.recv()`` completes without scheduling anything. Otherwise the wait is a
task that takes the message only once it is running again, which is what makes
cancellation lossless: a cancelled ``recv`` has taken nothing, so the next ``recv`` gets
the message; a cancelled ``send`` has sent nothing (messages are handed over whole).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

from purezmq.constants import Flag
from purezmq.constants import SocketOption as O
from purezmq.context_base import ContextBase
from purezmq.engine.ioloop import IOLoop
from purezmq.engine.waiters import FutureWaiter
from purezmq.error import Again, ZMQError
from purezmq.poll_base import POLLIN, POLLOUT, PollerBase, fileno_of
from purezmq.socket_base import SocketBase, to_frame_bytes

__all__ = ["Context", "Poller", "Socket"]

_NOBLOCK = int(Flag.NOBLOCK)
_SNDMORE = int(Flag.SNDMORE)


def _done(loop: asyncio.AbstractEventLoop, result: Any) -> asyncio.Future[Any]:
    fut: asyncio.Future[Any] = loop.create_future()
    fut.set_result(result)
    return fut


def _failed(loop: asyncio.AbstractEventLoop, exc: BaseException) -> asyncio.Future[Any]:
    fut: asyncio.Future[Any] = loop.create_future()
    fut.set_exception(exc)
    return fut


class Socket(SocketBase):
    """A ZeroMQ socket whose send/recv return futures (pyzmq's ``zmq.asyncio.Socket``).

    Its connections run on the event loop that is running when it is created (the
    caller's loop); created outside a running loop, it falls back to the context's
    background I/O thread and still resolves futures on the caller's loop.
    """

    @classmethod
    def _default_context(cls) -> Any:
        return Context.instance()

    def _io_for(self, context: Any) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return context._core.io_thread()
        return IOLoop(loop, threading.get_ident())

    # ------------------------------------------------------------------ waiting
    async def _wait(self, attempt: Any, timeout_ms: int) -> Any:
        """Retry ``attempt()`` on every wake-up until it returns non-None or time is up."""
        core = self._core
        loop = asyncio.get_running_loop()
        deadline = None if timeout_ms < 0 else loop.time() + timeout_ms / 1000.0
        waiter = FutureWaiter(loop)
        core.add_waiter(waiter)
        timer = None
        try:
            while True:
                result = attempt()
                if result is not None:
                    return result
                if deadline is not None:
                    if loop.time() >= deadline:
                        raise Again()
                    if timer is None:
                        timer = loop.call_at(deadline, waiter.wake)
                await waiter.future
                waiter.future = loop.create_future()
        finally:
            core.remove_waiter(waiter)
            if timer is not None:
                timer.cancel()

    # ------------------------------------------------------------------ sending
    def _try_send(self, msg: list[bytes]) -> bool | None:
        return True if self._core.try_send(msg) else None

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> asyncio.Future[None]:
        """Send a whole multipart message; the future resolves when it is queued."""
        loop = asyncio.get_running_loop()
        try:
            parts = [to_frame_bytes(p) for p in msg_parts]
            if not parts:
                raise ValueError("cannot send an empty multipart message")
            if self._tx:
                parts = [*self._tx, *parts]
                self._tx.clear()
            if self._core.try_send(parts):
                return _done(loop, None)
            if flags & _NOBLOCK:
                raise Again()
        except (ZMQError, TypeError, ValueError) as exc:
            return _failed(loop, exc)

        async def _send_slow() -> None:
            await self._wait(lambda: self._try_send(parts), self._core.opt(O.SNDTIMEO))

        return loop.create_task(_send_slow())

    def send(
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> asyncio.Future[None]:
        """Send one frame (SNDMORE: more frames of the same message follow)."""
        loop = asyncio.get_running_loop()
        try:
            frame = to_frame_bytes(data)
            if flags & _SNDMORE:
                self._core.check_open()
                self._tx.append(frame)
                return _done(loop, None)
        except (ZMQError, TypeError) as exc:
            return _failed(loop, exc)
        return self.send_multipart([frame], flags)

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> asyncio.Future[None]:
        """Send text, encoded."""
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags)

    # ------------------------------------------------------------------ receiving
    def recv_multipart(
        self, flags: int = 0, copy: bool = True, track: bool = False
    ) -> asyncio.Future[list[Any]]:
        """Receive a whole multipart message."""
        loop = asyncio.get_running_loop()
        rx = self._rx
        if rx:
            parts = list(rx)
            rx.clear()
            return _done(loop, parts)
        try:
            msg = self._core.try_recv()
            if msg is not None:
                return _done(loop, msg)
            if flags & _NOBLOCK:
                raise Again()
        except ZMQError as exc:
            return _failed(loop, exc)
        return loop.create_task(self._wait(self._core.try_recv, self._core.opt(O.RCVTIMEO)))

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> asyncio.Future[Any]:
        """Receive one frame (RCVMORE tells whether more frames follow)."""
        loop = asyncio.get_running_loop()
        rx = self._rx
        if rx:
            return _done(loop, rx.popleft())
        inner = self.recv_multipart(flags)
        if inner.done():
            if inner.exception() is not None:
                return inner
            msg = inner.result()
            if len(msg) > 1:
                rx.extend(msg[1:])
            return _done(loop, msg[0])

        async def _first() -> Any:
            msg = await inner
            # the task got the whole message while running: it cannot be lost here
            if len(msg) > 1:
                rx.extend(msg[1:])
            return msg[0]

        return loop.create_task(_first())

    async def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receive one frame as text."""
        data = await self.recv(flags)
        return bytes(data).decode(encoding)


class Poller(PollerBase):
    """Poll purezmq sockets and descriptors; ``poll`` returns a future (``zmq.asyncio.Poller``)."""

    def poll(self, timeout: float | None = None) -> asyncio.Future[list[tuple[Any, int]]]:
        """Wait up to ``timeout`` ms (None or negative: forever) for readiness."""
        loop = asyncio.get_running_loop()
        zsocks = [(s, f) for s, f in self.sockets if isinstance(s, SocketBase)]
        fds = [(s, fileno_of(s), f) for s, f in self.sockets if not isinstance(s, SocketBase)]
        if not fds:
            ready = self._check(zsocks)
            if ready or timeout == 0:
                return _done(loop, ready)
        return loop.create_task(self._poll(loop, zsocks, fds, timeout))

    async def _poll(
        self,
        loop: asyncio.AbstractEventLoop,
        zsocks: list[tuple[SocketBase, int]],
        fds: list[tuple[Any, int, int]],
        timeout: float | None,
    ) -> list[tuple[Any, int]]:
        deadline = None if timeout is None or timeout < 0 else loop.time() + timeout / 1000.0
        waiter = FutureWaiter(loop)
        fd_ready: dict[Any, int] = {}
        readers: list[int] = []
        writers: list[int] = []

        def on_fd(obj: Any, ev: int) -> None:
            fd_ready[obj] = fd_ready.get(obj, 0) | ev
            waiter.wake()

        for obj, fd, flags in fds:
            if flags & POLLIN:
                loop.add_reader(fd, on_fd, obj, POLLIN)
                readers.append(fd)
            if flags & POLLOUT:
                loop.add_writer(fd, on_fd, obj, POLLOUT)
                writers.append(fd)
        for s, _ in zsocks:
            s._core.add_waiter(waiter)
        timer = None if deadline is None else loop.call_at(deadline, waiter.wake)
        try:
            while True:
                ready = self._check(zsocks) + list(fd_ready.items())
                if ready or (deadline is not None and loop.time() >= deadline):
                    order = {s: i for i, (s, _) in enumerate(self.sockets)}
                    return sorted(ready, key=lambda r: order.get(r[0], 0))
                await waiter.future
                waiter.future = loop.create_future()
        finally:
            if timer is not None:
                timer.cancel()
            for s, _ in zsocks:
                s._core.remove_waiter(waiter)
            for fd in readers:
                loop.remove_reader(fd)
            for fd in writers:
                loop.remove_writer(fd)


class Context(ContextBase):
    """A context whose sockets are :class:`purezmq.asyncio.Socket`."""

    _socket_class: ClassVar[type[SocketBase]] = Socket
    _instance: ClassVar[ContextBase | None] = None
