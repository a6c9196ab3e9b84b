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
import json
import pickle
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from purezmq.constants import Flag
from purezmq.constants import SocketOption as O
from purezmq.context_base import ContextBase
from purezmq.engine.ioloop import IOLoop
from purezmq.engine.waiters import FutureWaiter
from purezmq.error import Again, ZMQError
from purezmq.message import Frame
from purezmq.poll_base import POLLIN, POLLOUT, PollerBase, fileno_of
from purezmq.socket_base import (
    SocketBase,
    frames_of,
    json_bytes,
    multipart_bytes,
    to_frame_bytes,
    tracker_for,
)

__all__ = ["Context", "Poller", "Socket"]

#: what an attempt returns when nothing is ready (None and b"" are real results)
_NOTHING: Any = object()
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


class _SocketFuture(asyncio.Future[Any]):
    """The future of a send/recv: can give a received message back (see ``cancel``)."""

    _pz_undo: Callable[[], None] | None = None

    def _pz_finish(self, got: tuple[Any, Callable[[], None] | None]) -> None:
        result, undo = got
        self._pz_undo = undo
        self.set_result(result)

    def cancel(self, msg: Any = None) -> bool:
        """Cancel; on a recv future that is already done, return its message to the
        socket instead (its awaiter is being cancelled and will never see it)."""
        undo = self._pz_undo
        if undo is not None and self.done() and not self.cancelled():
            self._pz_undo = None
            undo()
            return False
        return super().cancel(msg)


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
    def _future(
        self,
        attempt: Callable[[], Any],
        flags: int,
        timeout_opt: int,
        restore: Callable[[Any], None] | None = None,
    ) -> Any:
        """A future for ``attempt()``: done at once if it succeeds now, else resolved
        by a waiter callback on this loop when the socket's state changes.

        ``attempt`` returns ``_NOTHING`` or ``(result, undo)``; it takes a message and
        returns without suspending, so a future cancelled while pending has taken
        nothing. If the future is done but its awaiter is cancelled before it resumes,
        asyncio calls ``cancel()`` on it: then ``undo`` puts the message back.
        """
        loop = asyncio.get_running_loop()
        fut = _SocketFuture(loop=loop)
        try:
            got = attempt()
        except Exception as exc:
            fut.set_exception(exc)
            return fut
        if got is not _NOTHING:
            fut._pz_finish(got)
            return fut
        if flags & _NOBLOCK:
            fut.set_exception(Again())
            return fut
        core = self._core
        timeout_ms = core.opt(timeout_opt)
        thread_id = threading.get_ident()
        state: dict[str, Any] = {"scheduled": False, "timer": None}

        def check() -> None:
            state["scheduled"] = False
            if fut.done():
                return
            try:
                got = attempt()
            except Exception as exc:
                fut.set_exception(exc)
                return
            if got is not _NOTHING:
                fut._pz_finish(got)

        class _Wake:
            __slots__ = ()

            def wake(self) -> None:
                # from any thread: run the attempt on this loop, once per turn
                if state["scheduled"] or fut.done():
                    return
                state["scheduled"] = True
                if threading.get_ident() == thread_id:
                    loop.call_soon(check)
                else:
                    try:
                        loop.call_soon_threadsafe(check)
                    except RuntimeError:
                        pass  # loop closed

        waiter = _Wake()

        def cleanup(_: asyncio.Future[Any]) -> None:
            core.remove_waiter(waiter)
            timer = state["timer"]
            if timer is not None:
                timer.cancel()

        def timed_out() -> None:
            if not fut.done():
                fut.set_exception(Again())

        core.add_waiter(waiter)
        fut.add_done_callback(cleanup)
        if timeout_ms >= 0:
            state["timer"] = loop.call_later(timeout_ms / 1000.0, timed_out)
        return fut

    # ------------------------------------------------------------------ sending
    def _send_parts(self, parts: list[bytes], flags: int, result: Any = None) -> Any:
        core = self._core

        def attempt() -> Any:
            # a sent message cannot be taken back: no undo
            return (result, None) if core.try_send(parts) else _NOTHING

        return self._future(attempt, flags, O.SNDTIMEO)

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> asyncio.Future[Any]:
        """Send a whole multipart message; the future resolves when it is queued."""
        try:
            parts = multipart_bytes(msg_parts)
        except (TypeError, ValueError) as exc:
            return _failed(asyncio.get_running_loop(), exc)
        if self._tx:
            parts = [*self._tx, *parts]
            self._tx.clear()
        return self._send_parts(parts, flags & ~_SNDMORE, tracker_for(copy, track))  # type: ignore[no-any-return]

    def send(
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> asyncio.Future[Any]:
        """Send one frame (SNDMORE: more frames of the same message follow)."""
        loop = asyncio.get_running_loop()
        try:
            frame = to_frame_bytes(data)
            if flags & _SNDMORE:
                self._core.check_open()
                self._tx.append(frame)
                return _done(loop, tracker_for(copy, track))
        except (ZMQError, TypeError) as exc:
            return _failed(loop, exc)
        return self.send_multipart([frame], flags, copy=copy, track=track)

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> asyncio.Future[Any]:
        """Send text, encoded."""
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> asyncio.Future[Any]:
        """Send a Python object as JSON."""
        send_kwargs = {k: kwargs.pop(k) for k in ("copy", "track") if k in kwargs}
        return self.send(json_bytes(obj, **kwargs), flags, **send_kwargs)

    def send_pyobj(
        self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL, **kwargs: Any
    ) -> asyncio.Future[Any]:
        """Send a Python object pickled."""
        return self.send(pickle.dumps(obj, protocol), flags, **kwargs)

    def send_serialized(
        self,
        msg: Any,
        serialize: Callable[[Any], Sequence[Any]],
        flags: int = 0,
        copy: bool = True,
        **kwargs: Any,
    ) -> asyncio.Future[Any]:
        """Send ``serialize(msg)`` as one multipart message."""
        return self.send_multipart(serialize(msg), flags=flags, copy=copy, **kwargs)

    # ------------------------------------------------------------------ receiving
    def _restore(self, frames: list[bytes], props: Mapping[str, bytes]) -> None:
        """Put frames taken by an abandoned recv back in front of everything else."""
        self._rx.extendleft(reversed(frames))
        self._rx_props = props

    def _take_multipart(self, copy: bool) -> Any:
        rx = self._rx
        parts: list[Any] | None
        props: Mapping[str, bytes]
        if rx:
            parts = list(rx)
            rx.clear()
            props = self._rx_props
        else:
            parts, props = self._core.try_recv_with_properties()
            if parts is None:
                return _NOTHING
        value = parts if copy else frames_of(parts, props)
        return value, lambda: self._restore(parts, props)

    def _take_frame(self, copy: bool, convert: Callable[[Any], Any] | None = None) -> Any:
        rx = self._rx
        if not rx:
            msg, new_props = self._core.try_recv_with_properties()
            if msg is None:
                return _NOTHING
            self._rx_props = new_props
            rx.extend(msg)
        props = self._rx_props
        frame = rx.popleft()
        undo = lambda: self._restore([frame], props)
        if convert is not None:
            # like pyzmq, a frame that does not decode is consumed (the error propagates)
            return convert(frame), undo
        return (frame if copy else Frame._received(frame, bool(rx), props)), undo

    def recv_multipart(
        self, flags: int = 0, copy: bool = True, track: bool = False
    ) -> asyncio.Future[list[Any]]:
        """Receive a whole multipart message."""
        return self._future(lambda: self._take_multipart(copy), flags, O.RCVTIMEO)  # type: ignore[no-any-return]

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> asyncio.Future[Any]:
        """Receive one frame (RCVMORE tells whether more frames follow)."""
        return self._future(lambda: self._take_frame(copy), flags, O.RCVTIMEO)  # type: ignore[no-any-return]

    def _recv_then(self, flags: int, convert: Callable[[Any], Any]) -> asyncio.Future[Any]:
        return self._future(lambda: self._take_frame(True, convert), flags, O.RCVTIMEO)  # type: ignore[no-any-return]

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> asyncio.Future[str]:
        """Receive one frame as text."""
        return self._recv_then(flags, lambda b: bytes(b).decode(encoding))

    recv_unicode = recv_string

    def recv_json(self, flags: int = 0, **kwargs: Any) -> asyncio.Future[Any]:
        """Receive one frame decoded as JSON."""
        return self._recv_then(flags, lambda b: json.loads(b, **kwargs))

    def recv_pyobj(self, flags: int = 0) -> asyncio.Future[Any]:
        """Receive one frame and unpickle it (only from peers you trust)."""
        return self._recv_then(flags, pickle.loads)

    def recv_serialized(
        self, deserialize: Callable[[list[Any]], Any], flags: int = 0, copy: bool = True
    ) -> asyncio.Future[Any]:
        """Receive a multipart message and return ``deserialize(frames)``."""

        def attempt() -> Any:
            got = self._take_multipart(copy)
            return got if got is _NOTHING else (deserialize(got[0]), got[1])

        return self._future(attempt, flags, O.RCVTIMEO)  # type: ignore[no-any-return]

    def poll(self, timeout: float | None = None, flags: int = POLLIN) -> asyncio.Future[int]:
        """Wait up to ``timeout`` ms for ``flags``; the future gives the events."""
        self._core.check_open()
        poller = Poller()
        poller.register(self, flags)
        fut = poller.poll(timeout)
        loop = asyncio.get_running_loop()
        out: asyncio.Future[int] = loop.create_future()

        def done(f: asyncio.Future[list[tuple[Any, int]]]) -> None:
            if out.done():
                return
            if f.cancelled():
                out.cancel()
            elif f.exception() is not None:
                out.set_exception(f.exception())  # type: ignore[arg-type]
            else:
                out.set_result(int(dict(f.result()).get(self, 0)))

        fut.add_done_callback(done)
        out.add_done_callback(lambda o: fut.cancel() if o.cancelled() else None)
        return out


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
