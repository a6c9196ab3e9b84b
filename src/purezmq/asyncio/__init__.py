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
import select
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from purezmq.constants import Errno, Flag
from purezmq.constants import SocketOption as O
from purezmq.context_base import ContextBase
from purezmq.engine.core import SocketCore, pipe_properties
from purezmq.engine.ioloop import IOLoop
from purezmq.engine.waiters import FutureWaiter
from purezmq.error import Again, ZMQError
from purezmq.message import Frame
from purezmq.poll_base import POLLIN, PollerBase, fileno_of, poll_now, raw_masks, raw_ready
from purezmq.socket_base import (
    SocketBase,
    frames_of,
    json_bytes,
    recv_into_view,
    to_frame_bytes,
    zero_copy_part,
)

__all__ = ["Context", "Poller", "Socket"]

#: what an attempt returns when nothing is ready (None and b"" are real results)
_NOTHING: Any = object()
_NOBLOCK = int(Flag.NOBLOCK)
_SNDMORE = int(Flag.SNDMORE)
_RCVTIMEO = int(O.RCVTIMEO)
_Future = asyncio.Future


def _done(loop: asyncio.AbstractEventLoop, result: Any) -> asyncio.Future[Any]:
    fut: asyncio.Future[Any] = loop.create_future()
    fut.set_result(result)
    return fut


def _failed(loop: asyncio.AbstractEventLoop, exc: BaseException) -> asyncio.Future[Any]:
    fut: asyncio.Future[Any] = loop.create_future()
    fut.set_exception(exc)
    return fut


class _SocketFuture(asyncio.Future[Any]):
    """The future of a send/recv: can give a received message back (see ``cancel``).

    Its two attributes are slots, set only where they are needed (read with a default
    in :meth:`cancel`): a future created per recv then allocates no ``__dict__``.

    ``_pz_undo`` gives a taken message back: a callable, or (a one-frame recv's, made
    without creating a bound method and a partial per message) a ``(socket, frames,
    pipe)`` tuple for ``socket._restore_from(frames, pipe)``. ``_pz_waiter`` is the
    waiter while the future waits: it unregisters when the future completes (set by
    it) or is cancelled (here); no done-callback, so no extra loop callback.
    """

    __slots__ = ("_pz_undo", "_pz_waiter")

    _pz_undo: Callable[[], None] | tuple[Socket, list[bytes], Any] | None
    _pz_waiter: _Wake | None

    def _pz_finish(self, got: tuple[Any, Any]) -> None:
        result, undo = got
        self._pz_undo = undo
        self.set_result(result)

    def cancel(self, msg: Any = None) -> bool:
        """Cancel; on a recv future that is already done, return its message to the
        socket instead (its awaiter is being cancelled and will never see it)."""
        undo = getattr(self, "_pz_undo", None)
        if undo is not None and self.done() and not self.cancelled():
            self._pz_undo = None
            if type(undo) is tuple:
                sock, frames, pipe = undo
                sock._restore_from(frames, pipe)
            else:
                undo()
            return False
        if not super().cancel(msg):
            return False
        waiter = getattr(self, "_pz_waiter", None)
        if waiter is not None:
            waiter.done()
        return True


class _Wake:
    """The waiter of one pending future: on a wake-up (from any thread) it schedules
    one attempt on the future's loop, made only while it is first in its queue."""

    __slots__ = (
        "_attempt",
        "_core",
        "_fut",
        "_loop",
        "_pending",
        "_queue",
        "_scheduled",
        "_thread_id",
        "timer",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        fut: _SocketFuture,
        attempt: Callable[[], Any],
        queue: deque[_Wake],
        core: SocketCore,
        pending: set[asyncio.Future[Any]],
    ) -> None:
        self._loop = loop
        self._fut = fut
        self._attempt = attempt
        self._queue = queue
        self._core = core
        self._pending = pending
        self._scheduled = False
        self._thread_id = threading.get_ident()
        self.timer: asyncio.TimerHandle | None = None

    def wake_now(self) -> None:
        """Attempt at once if on the future's loop thread, else as :meth:`wake`.

        Only for callers outside any socket operation (the engine's read callback): an
        attempt from inside one (an inproc peer's send) could re-enter its routing.
        """
        if threading.get_ident() == self._thread_id and not self._scheduled:
            self.check()
        else:
            self.wake()

    def wake(self) -> None:
        """Schedule :meth:`check` on the future's loop, at most once per turn."""
        if self._scheduled or self._fut.done():
            return
        self._scheduled = True
        if threading.get_ident() == self._thread_id:
            self._loop.call_soon(self.check)
        else:
            try:
                self._loop.call_soon_threadsafe(self.check)
            except RuntimeError:
                pass  # loop closed

    def check(self) -> None:
        """Attempt, if still waiting and first in line."""
        self._scheduled = False
        fut = self._fut
        queue = self._queue
        if fut.done() or not queue or queue[0] is not self:
            return
        try:
            got = self._attempt()
        except Exception as exc:
            fut.set_exception(exc)
            self.done()
            return
        if got is not _NOTHING:
            fut._pz_undo = got[1]  # fut._pz_finish(got), inlined: once per wait
            fut.set_result(got[0])
            self.done()

    def done(self) -> None:
        """The future is done (result, error, timeout or cancel): unregister, and let
        the next in line try. Called once, by whatever completed the future."""
        fut = self._fut
        fut._pz_waiter = None
        self._pending.discard(fut)
        self._core.remove_waiter(self)
        timer = self.timer
        if timer is not None:
            timer.cancel()
        queue = self._queue
        if queue and queue[0] is self:
            queue.popleft()
            if queue:
                queue[0].wake()  # the next in line may be able to go now
        else:
            try:
                queue.remove(self)
            except ValueError:
                pass

    def timed_out(self) -> None:
        """RCVTIMEO/SNDTIMEO passed."""
        fut = self._fut
        if not fut.done():
            fut.set_exception(Again())
            self.done()


class Socket(SocketBase):
    """A ZeroMQ socket whose send/recv return futures (pyzmq's ``zmq.asyncio.Socket``).

    Its connections run on the event loop that is running when it is created (the
    caller's loop); created outside a running loop, it falls back to the context's
    background I/O thread and still resolves futures on the caller's loop.

    Args:
        context: the owning context (default: ``purezmq.asyncio.Context.instance()``),
            or a socket to shadow (see :meth:`from_socket`).
        socket_type: ``purezmq.PUSH`` and friends.
        shadow: a socket (or its ``underlying``) to share, as in pyzmq.
        copy_threshold: see :class:`~purezmq.socket_base.SocketBase`.
    """

    _repr_cls = "zmq.asyncio.Socket"
    #: futures of this facade still waiting (cancelled by :meth:`close`, like pyzmq)
    _pending: set[asyncio.Future[Any]]
    #: waiters of pending receives / sends, oldest first (pyzmq's names)
    _recv_futures: deque[_Wake]
    _send_futures: deque[_Wake]

    def __init__(
        self,
        context: Any = None,
        socket_type: int = -1,
        *,
        shadow: Any = 0,
        copy_threshold: int | None = None,
    ) -> None:
        super().__init__(context, socket_type, shadow=shadow, copy_threshold=copy_threshold)
        d = self.__dict__
        d["_pending"] = set()
        d["_recv_futures"] = deque()
        d["_send_futures"] = deque()

    @classmethod
    def from_socket(cls, socket: SocketBase, io_loop: Any = None) -> Socket:
        """An asyncio facade on an existing (e.g. blocking) socket: both share it."""
        return cls(shadow=socket)

    def close(self, linger: int | None = None) -> None:
        """Close the socket; futures still waiting on it are cancelled (as in pyzmq)."""
        if not self.closed:
            for fut in list(self._pending):
                if not fut.done():
                    try:
                        fut.cancel()
                    except RuntimeError:  # its loop is closed (teardown)
                        pass
        super().close(linger)

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
        seen: int | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Any:
        """A future for ``attempt()``: done at once if it succeeds now, else resolved
        by a waiter callback on this loop when the socket's state changes.

        ``attempt`` returns ``_NOTHING`` or ``(result, undo)`` (``undo`` as
        ``_SocketFuture._pz_undo`` takes it: a callable or a tuple); it takes a message and
        returns without suspending, so a future cancelled while pending has taken
        nothing. If the future is done but its awaiter is cancelled before it resumes,
        asyncio calls ``cancel()`` on it: then ``undo`` puts the message back.

        Waiting sends and receives complete in call order (FIFO per direction, like
        pyzmq): only the oldest waiting future of a direction attempts.

        ``seen``: the caller's own attempt just found nothing while ``core.notified``
        read this (and ``loop`` is the running loop it already looked up).
        """
        if loop is None:
            loop = asyncio.get_running_loop()
        fut = _SocketFuture(loop=loop)
        core = self._core
        queue = self._recv_futures if timeout_opt == _RCVTIMEO else self._send_futures
        if not queue and seen is None:
            seen = core.notified
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
        # core.opt(), inlined: RCVTIMEO and SNDTIMEO default to -1
        timeout_ms = core.options.get(timeout_opt, -1)
        pending = self._pending
        waiter = _Wake(loop, fut, attempt, queue, core, pending)
        queue.append(waiter)
        # a recv's waiter hears messages, not room (notify_room); no hand-back either
        core.register(waiter, room=timeout_opt != _RCVTIMEO)
        pending.add(fut)
        fut._pz_waiter = waiter
        if timeout_ms >= 0:
            waiter.timer = loop.call_later(timeout_ms / 1000.0, waiter.timed_out)
        # Another thread (the I/O thread, or an inproc peer's) may have changed the
        # state between the last attempt and registering, a wake-up this waiter did
        # not get: attempt once more now (on this, the waiter's own thread), unless
        # nothing was notified since that attempt (every change notifies:
        # SocketCore.notified)
        if seen is None or core.notified != seen:
            waiter.check()
        return fut

    # ------------------------------------------------------------------ sending
    def _send_parts(self, parts: list[bytes], flags: int, result: Any = None) -> Any:
        core = self._core
        seen: int | None = None
        loop: asyncio.AbstractEventLoop | None = None
        if not self._send_futures:
            # the per-message fast path: room in a pipe, nobody waits before us
            loop = asyncio.get_running_loop()
            fut: asyncio.Future[Any] = _Future(loop=loop)  # not loop.create_future(): a call less
            seen = core.notified
            try:
                sent = core.try_send(parts)
            except Exception as exc:
                fut.set_exception(exc)
                return fut
            if sent:
                fut.set_result(result)
                return fut
            if flags & _NOBLOCK:
                fut.set_exception(Again())
                return fut

        def attempt() -> Any:
            # a sent message cannot be taken back: no undo
            return (result, None) if core.try_send(parts) else _NOTHING

        return self._future(attempt, flags, O.SNDTIMEO, seen=seen, loop=loop)

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> asyncio.Future[Any]:
        """Send a whole multipart message; the future resolves when it is queued
        (to a tracker for a tracked zero-copy send, as :meth:`send`)."""
        try:
            parts, tracker = self._outgoing_parts(msg_parts, copy, track)
        except (TypeError, ValueError) as exc:
            return _failed(asyncio.get_running_loop(), exc)
        return self._send_parts(parts, flags & ~_SNDMORE, tracker)  # type: ignore[no-any-return]

    def send(
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> asyncio.Future[Any]:
        """Send one frame (SNDMORE: more frames of the same message follow)."""
        if not flags and type(data) is bytes and copy and not self._tx:
            # the per-message fast path: one whole bytes message, nothing to convert
            return self._send_parts([data], 0)  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        try:
            if copy and not isinstance(data, Frame):
                frame, tracker = to_frame_bytes(data), None
            else:
                frame, tracker = zero_copy_part(data, track, self.copy_threshold)
            if flags & _SNDMORE:
                self._core.check_open()
                self._tx.append(frame)
                return _done(loop, tracker)
        except (ZMQError, TypeError, ValueError) as exc:
            return _failed(loop, exc)
        if self._tx:
            parts = [*self._tx, frame]
            self._tx.clear()
        else:
            parts = [frame]
        return self._send_parts(parts, flags, tracker)  # type: ignore[no-any-return]

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
        self._rx_meta[0] = props

    def _take_multipart(self, copy: bool) -> Any:
        rx = self._rx
        parts: list[Any] | None
        props: Mapping[str, bytes]
        if rx:
            parts = list(rx)
            rx.clear()
            props = self._rx_meta[0]
        else:
            parts, props = self._core.try_recv_with_properties()
            if parts is None:
                return _NOTHING
        value = parts if copy else frames_of(parts, props)
        return value, lambda: self._restore(parts, props)

    def _take_frame(self, copy: bool = True, convert: Callable[[Any], Any] | None = None) -> Any:
        rx = self._rx
        if not rx:
            msg, pipe = self._core.try_recv_pipe()
            if msg is None:
                return _NOTHING
            if copy and convert is None and len(msg) == 1:
                # as recv's fast path: the metadata only if the message is given back
                return msg[0], (self, msg, pipe)  # _SocketFuture.cancel's undo
            self._rx_meta[0] = pipe_properties(pipe)
            rx.extend(msg)
        props = self._rx_meta[0]
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
        seen: int | None = None
        loop: asyncio.AbstractEventLoop | None = None
        if not self._recv_futures and not self._rx:
            # the per-message fast path: a message is queued, nobody waits before us
            loop = asyncio.get_running_loop()
            core = self._core
            seen = core.notified
            # nothing queued (a reply not back yet): straight to waiting, without an
            # attempt sure to fail; a message arriving since `seen` makes _future try
            if not core.recv_would_wait():
                try:
                    msg, pipe = core.try_recv_pipe()
                except Exception as exc:
                    return _failed(loop, exc)
                if msg is not None:
                    fut = _SocketFuture(loop=loop)
                    frame: Any = msg[0]
                    if len(msg) > 1 or not copy:
                        props = pipe_properties(pipe)
                        self._rx_meta[0] = props
                        if len(msg) > 1:
                            self._rx.extend(msg[1:])
                        if not copy:
                            frame = Frame._received(frame, len(msg) > 1, props)
                        fut._pz_undo = partial(self._restore, [msg[0]], props)
                    else:
                        fut._pz_undo = (self, msg, pipe)  # _restore_from's, if cancelled
                    fut.set_result(frame)
                    return fut
        # the bound method itself when it can be (one call less per wait than a lambda)
        attempt = self._take_frame if copy else partial(self._take_frame, False)
        return self._future(attempt, flags, O.RCVTIMEO, seen=seen, loop=loop)  # type: ignore[no-any-return]

    def _restore_from(self, frames: list[bytes], pipe: Any) -> None:
        self._restore(frames, pipe_properties(pipe))

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> asyncio.Future[int]:
        """Receive one frame into ``buffer``; the future gives the frame's full size
        (it may be larger than what fitted). Errors as the blocking ``recv_into``."""
        try:
            view, limit = recv_into_view(buffer, nbytes)
        except (TypeError, ValueError, BufferError) as exc:
            return _failed(asyncio.get_running_loop(), exc)

        def fill(frame: bytes) -> int:
            n = min(limit, len(frame))
            view[:n] = frame[:n]
            return len(frame)

        return self._recv_then(flags, fill)

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
        """Wait up to ``timeout`` ms for ``flags``; the future gives the events (done at
        once when they are already there or ``timeout`` is 0)."""
        if self.closed:
            raise ZMQError(Errno.ENOTSUP)
        poller = Poller()
        poller.register(self, flags)
        fut = poller.poll(timeout)
        loop = asyncio.get_running_loop()
        out: asyncio.Future[int] = loop.create_future()
        if fut.done():
            out.set_result(int(dict(fut.result()).get(self, 0)))
            return out

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
        pending = self._pending
        pending.add(out)

        def finished(o: asyncio.Future[int]) -> None:
            pending.discard(o)
            if o.cancelled():
                fut.cancel()

        out.add_done_callback(finished)
        return out


class Poller(PollerBase):
    """Poll purezmq sockets and descriptors; ``poll`` returns a future (``zmq.asyncio.Poller``)."""

    def poll(self, timeout: float | None = None) -> asyncio.Future[list[tuple[Any, int]]]:
        """Wait up to ``timeout`` ms (None or negative: forever) for readiness.

        Raw descriptors are reported as by the blocking poller (``zmq_poll``'s events,
        POLLERR included); the loop watches them for POLLIN and POLLOUT only, as
        zmq.asyncio's does, so a descriptor polled for POLLERR alone is reported when
        something else ends the wait.
        """
        loop = asyncio.get_running_loop()
        zsocks = [(s, f) for s, f in self.sockets if isinstance(s, SocketBase)]
        fds = [(s, fileno_of(s), f) for s, f in self.sockets if not isinstance(s, SocketBase)]
        if not fds:
            ready = self._check(zsocks)
            if ready or timeout == 0:
                return _done(loop, ready)
        elif timeout == 0:
            ready = self._check(zsocks) + raw_ready(fds, poll_now(raw_masks(fds)))
            return _done(loop, self._report(ready))
        return loop.create_task(self._poll(loop, zsocks, fds, timeout))

    async def _poll(
        self,
        loop: asyncio.AbstractEventLoop,
        zsocks: list[tuple[SocketBase, int]],
        fds: list[tuple[Any, int, int]],
        timeout: float | None,
    ) -> list[tuple[Any, int]]:
        deadline = None if timeout is None or timeout < 0 else loop.time() + timeout / 1000.0
        masks = raw_masks(fds)
        ready = self._check(zsocks) + raw_ready(fds, poll_now(masks))
        if ready:
            # nothing to watch (a descriptor that is not open cannot be: POLLERR)
            return self._report(ready)
        waiter = FutureWaiter(loop)
        readers: list[int] = []
        writers: list[int] = []
        for fd, mask in masks.items():
            # a wake-up only: what is ready is polled when the sockets are checked
            if mask & select.POLLIN:
                loop.add_reader(fd, waiter.wake)
                readers.append(fd)
            if mask & select.POLLOUT:
                loop.add_writer(fd, waiter.wake)
                writers.append(fd)
        for s, _ in zsocks:
            s._core.add_waiter(waiter)
        timer = None if deadline is None else loop.call_at(deadline, waiter.wake)
        try:
            while True:
                # registered first, then checked: no change can come in between unheard
                ready = self._check(zsocks) + raw_ready(fds, poll_now(masks))
                if ready or (deadline is not None and loop.time() >= deadline):
                    return self._report(ready)
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
    """A context whose sockets are :class:`purezmq.asyncio.Socket`.

    Args:
        io_threads: as :class:`purezmq.Context`; a context passed here is shadowed
            (``zmq.asyncio.Context(sync_ctx)``).
        shadow: a context (or its ``underlying``) to share.
    """

    _socket_class: ClassVar[type[SocketBase]] = Socket
    _instance: ClassVar[ContextBase | None] = None
    _repr_cls: ClassVar[str] = "zmq.asyncio.Context"
