"""ZMQStream: run callbacks for a socket's messages on tornado's IOLoop.

A stream wraps a blocking :class:`purezmq.Socket`. Register ``on_recv(callback)`` and
every message that arrives is received for you and passed to ``callback(frames)``;
``send_multipart`` queues a message that is sent as soon as the socket can take it,
then ``on_send`` callbacks run. Callbacks run on the IOLoop's thread, one message per
loop turn, and may be coroutine functions (their errors are logged, as are the errors
of plain callbacks: a failing callback never stops the stream)::

    stream = ZMQStream(ctx.socket(zmq.PULL))
    stream.connect("tcp://127.0.0.1:5555")
    stream.on_recv(lambda frames: print(frames))
    IOLoop.current().start()

How it is driven: libzmq sockets expose an edge-triggered file descriptor that pyzmq
registers with the IOLoop. purezmq sockets have none; instead the stream registers a
waiter with the socket's engine (the same mechanism blocked calls and pollers use),
which the engine wakes on every change of the socket's state, from whatever thread the
change happens on. A wake-up schedules one handling pass on the IOLoop (several
wake-ups before it runs are coalesced), and the pass looks at the socket's EVENTS, so
nothing depends on how many wake-ups there were. This needs tornado >= 6, whose IOLoop
runs on asyncio: install the ``tornado`` extra.
"""

from __future__ import annotations

import asyncio
import inspect
import pickle
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

try:
    from tornado.ioloop import IOLoop
    from tornado.log import gen_log
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "purezmq.eventloop.zmqstream needs tornado >= 6: pip install 'purezmq[tornado]'"
    ) from exc

from purezmq.constants import Errno, Flag, PollEvent
from purezmq.error import ContextTerminated, ZMQError
from purezmq.poll_base import socket_events
from purezmq.socket_base import SocketBase
from purezmq.sync.socket import Socket
from purezmq.utils import jsonapi

if TYPE_CHECKING:
    from purezmq.socket_base import EndpointContext

__all__ = ["ZMQStream", "gen_log"]

_POLLIN = int(PollEvent.POLLIN)
_POLLOUT = int(PollEvent.POLLOUT)
_NOBLOCK = int(Flag.NOBLOCK)
_EAGAIN = int(Errno.EAGAIN)

#: what callbacks get: ``on_recv``'s the frames, ``on_send``'s the frames and a status
RecvCallback = Callable[[list[Any]], object]
SendCallback = Callable[[Sequence[Any], Any], object]


class _StreamWaiter:
    """Wakes a stream from any thread; at most one handling pass is pending at a time."""

    __slots__ = ("_stream", "scheduled")

    def __init__(self, stream: ZMQStream) -> None:
        # a strong reference, like the handler pyzmq registers with the IOLoop: a stream
        # with callbacks keeps working even if the caller drops it, until close()
        self._stream = stream
        self.scheduled = False

    def wake(self) -> None:
        """Schedule a handling pass if the stream waits for anything (thread-safe)."""
        stream = self._stream
        if stream._state and not self.scheduled:
            self.scheduled = True
            stream.io_loop.add_callback(self._run)

    def kick(self) -> None:
        """Schedule a handling pass regardless of the wanted events."""
        if not self.scheduled:
            self.scheduled = True
            self._stream.io_loop.add_callback(self._run)

    def _run(self) -> None:
        # clear before looking at the socket: a wake-up after this point schedules a
        # new pass, one before it is covered by this pass
        self.scheduled = False
        self._stream._handle_events()


def _blocking_view(sock: SocketBase) -> Socket:
    """A blocking :class:`~purezmq.Socket` on the same engine socket as ``sock``."""
    shadow = getattr(Socket, "shadow", None)
    if shadow is not None:  # pyzmq's API, once purezmq sockets can shadow each other
        view: Socket = shadow(sock)
        return view
    view = Socket.__new__(Socket)
    # share the engine socket and the per-socket frame state (partial multipart
    # messages), as two pyzmq objects shadowing one libzmq socket do
    for attr, value in vars(sock).items():
        object.__setattr__(view, attr, value)
    # the view must not close the shared socket when it is garbage collected before
    # the original: the original keeps it alive
    object.__setattr__(sock, "_zmqstream_blocking_view", view)
    return view


class ZMQStream:
    """Callbacks for a socket's messages, on tornado's IOLoop.

    Args:
        socket: a blocking :class:`purezmq.Socket`. Other sockets (asyncio ones) work
            through a blocking view of the same socket, with a :class:`RuntimeWarning`
            as in pyzmq.
        io_loop: the IOLoop to run callbacks on (default: ``IOLoop.current()``).

    Attributes:
        socket: the socket (None once the stream is closed).
        io_loop: the IOLoop callbacks run on.

    The socket's ``bind``, ``bind_to_random_port``, ``connect``, ``setsockopt``,
    ``getsockopt``, ``setsockopt_string`` and ``getsockopt_string`` are available on
    the stream itself.
    """

    socket: Socket
    io_loop: IOLoop

    bind: Callable[..., EndpointContext]
    bind_to_random_port: Callable[..., int]
    connect: Callable[..., EndpointContext]
    setsockopt: Callable[..., None]
    getsockopt: Callable[..., Any]
    setsockopt_string: Callable[..., None]
    getsockopt_string: Callable[..., str]
    setsockopt_unicode: Callable[..., None]
    getsockopt_unicode: Callable[..., str]

    def __init__(self, socket: SocketBase, io_loop: IOLoop | None = None) -> None:
        if not isinstance(socket, Socket):
            warnings.warn(
                "ZMQStream only supports blocking purezmq.Socket objects; got "
                f"{type(socket).__module__}.{type(socket).__name__}. The stream uses a "
                "blocking view of the same socket (create it with "
                "ctx.socket(type, socket_class=purezmq.Socket) to avoid this warning).",
                RuntimeWarning,
                stacklevel=2,
            )
            socket = _blocking_view(socket)
        self.socket = socket
        self.io_loop = io_loop if io_loop is not None else IOLoop.current()
        self._send_queue: deque[tuple[Sequence[Any], dict[str, Any]]] = deque()
        self._recv_callback: RecvCallback | None = None
        self._send_callback: SendCallback | None = None
        self._close_callback: Callable[[], object] | None = None
        self._recv_copy = True
        self._flushed = False
        self._state = 0
        self._tasks: set[asyncio.Future[Any]] = set()
        self._waiter = _StreamWaiter(self)
        socket._core.add_waiter(self._waiter)

        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_string
        self.getsockopt_unicode = socket.getsockopt_string

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.socket!r}>"

    # ------------------------------------------------------------------ callbacks
    def on_recv(self, callback: RecvCallback | None, copy: bool = True) -> None:
        """Receive every message and pass its frames to ``callback(frames)``.

        One callback at a time: this replaces the previous one. ``None`` stops
        receiving (messages then wait in the socket).

        Args:
            callback: a callable taking the list of frames (a coroutine function is
                fine), or None.
            copy: passed to ``recv_multipart``: False gives Frame objects where the
                socket supports them.

        Raises:
            OSError: the stream is closed.
            AssertionError: ``callback`` is not callable (as in pyzmq).
        """
        self._check_closed()
        _check_callable(callback)
        self._recv_callback = callback
        self._recv_copy = copy
        if callback is None:
            self._drop_io_state(_POLLIN)
        else:
            self._add_io_state(_POLLIN)

    def on_recv_stream(
        self, callback: Callable[[ZMQStream, list[Any]], object] | None, copy: bool = True
    ) -> None:
        """Like :meth:`on_recv`, but ``callback(stream, frames)`` also gets this stream."""
        if callback is None:
            self.stop_on_recv()
            return
        _check_callable(callback)

        def with_stream(msg: list[Any]) -> object:
            return callback(self, msg)

        self.on_recv(with_stream, copy=copy)

    def on_send(self, callback: SendCallback | None) -> None:
        """Call ``callback(frames, status)`` after each message the stream sends.

        ``status`` is what ``send_multipart`` returned (None, or a MessageTracker with
        ``track=True``), or the :class:`~purezmq.ZMQError` if sending failed.

        Args:
            callback: the callable, or None to stop.

        Raises:
            OSError: the stream is closed.
            AssertionError: ``callback`` is not callable (as in pyzmq).
        """
        self._check_closed()
        _check_callable(callback)
        self._send_callback = callback

    def on_send_stream(
        self, callback: Callable[[ZMQStream, Sequence[Any], Any], object] | None
    ) -> None:
        """Like :meth:`on_send`, but ``callback(stream, frames, status)`` gets this stream."""
        if callback is None:
            self.stop_on_send()
            return
        _check_callable(callback)

        def with_stream(msg: Sequence[Any], status: Any) -> object:
            return callback(self, msg, status)

        self.on_send(with_stream)

    def stop_on_recv(self) -> None:
        """Stop receiving (same as ``on_recv(None)``)."""
        self.on_recv(None)

    def stop_on_send(self) -> None:
        """Stop calling the send callback (same as ``on_send(None)``)."""
        self.on_send(None)

    def on_err(self, callback: Callable[..., object]) -> None:
        """Deprecated in pyzmq and does nothing; logs a warning."""
        gen_log.warning("on_err does nothing, and will be removed")

    def stop_on_err(self) -> None:
        """Deprecated in pyzmq and does nothing; logs a warning."""
        gen_log.warning("on_err does nothing, and will be removed")

    def set_close_callback(self, callback: Callable[[], object] | None) -> None:
        """Call ``callback()`` when the stream is closed."""
        self._close_callback = callback

    # ------------------------------------------------------------------ sending
    def send_multipart(
        self,
        msg: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue a multipart message; it is sent as soon as the socket can take it.

        Args:
            msg: the frames.
            flags: send flags (NOBLOCK is always added: the stream never blocks).
            copy: passed to ``send_multipart``.
            track: passed to ``send_multipart``.
            callback: if given, replaces the :meth:`on_send` callback.
            **kwargs: passed to ``send_multipart``.
        """
        self._check_closed()
        kwargs.update(flags=flags, copy=copy, track=track)
        self._send_queue.append((msg, kwargs))
        callback = callback or self._send_callback
        self.on_send(callback if callback is not None else _ignore_send)
        self._add_io_state(_POLLOUT)

    def send(
        self,
        msg: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue a single-frame message (see :meth:`send_multipart`)."""
        self.send_multipart([msg], flags, copy, track, callback, **kwargs)

    def send_string(
        self,
        u: str,
        flags: int = 0,
        encoding: str = "utf-8",
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue text, encoded with ``encoding``."""
        if not isinstance(u, str):
            raise TypeError("unicode/str objects only")
        self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(
        self, obj: Any, flags: int = 0, callback: SendCallback | None = None, **kwargs: Any
    ) -> None:
        """Queue ``obj`` serialized as JSON."""
        self.send(jsonapi.dumps(obj), flags=flags, callback=callback, **kwargs)

    def send_pyobj(
        self,
        obj: Any,
        flags: int = 0,
        protocol: int = pickle.DEFAULT_PROTOCOL,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue ``obj`` pickled with ``protocol``."""
        self.send(pickle.dumps(obj, protocol), flags=flags, callback=callback, **kwargs)

    # ------------------------------------------------------------------ state
    def receiving(self) -> bool:
        """True while an :meth:`on_recv` callback is registered."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """True while queued messages wait to be sent."""
        return bool(self._send_queue)

    def closed(self) -> bool:
        """True once the stream (or its socket) is closed.

        A socket closed directly, not through :meth:`close`, closes the stream here.
        """
        if self.socket is None:
            return True
        if self.socket.closed:
            self.close()
            return True
        return False

    def close(self, linger: int | None = None) -> None:
        """Close the stream and its socket, then run the close callback.

        Args:
            linger: passed to the socket's ``close`` (ms; None: the LINGER option).
        """
        sock = self.socket
        if sock is None:
            return
        sock._core.remove_waiter(self._waiter)
        if sock.closed:
            warnings.warn(
                "ZMQStream closed after closing socket directly: call stream.close() "
                "instead of closing the stream's socket.",
                stacklevel=2,
            )
        else:
            sock.close(linger)
        self.socket = None  # type: ignore[assignment]
        self._state = 0
        if self._close_callback is not None:
            self._run_callback(self._close_callback)

    def flush(self, flag: int = _POLLIN | _POLLOUT, limit: int | None = None) -> int:
        """Handle pending messages now instead of on later loop turns.

        Received messages go to the :meth:`on_recv` callback (and are dropped if there
        is none: flush can be used to discard incoming messages); queued messages are
        sent. It stops when nothing matching ``flag`` is pending or after ``limit``
        messages in all.

        Args:
            flag: POLLIN to receive, POLLOUT to send, or both (the default).
            limit: the most messages to handle (None: no limit).

        Returns:
            How many messages were received and sent.
        """
        self._check_closed()
        already_flushed = self._flushed
        self._flushed = False
        count = 0
        while not limit or count < limit:
            want = flag & _POLLIN
            if self.sending():
                want |= flag & _POLLOUT
            if not want:
                break
            events = self._events() & want
            if not events:
                break
            if events & _POLLIN:
                self._handle_recv()
                count += 1
                if self.socket is None:
                    break
            if events & _POLLOUT and self.sending():
                self._handle_send()
                count += 1
                if self.socket is None:
                    break
        if count:
            # callbacks ran early: skip the handling pass already due this loop turn
            self._flushed = True
            if not already_flushed:
                self.io_loop.add_callback(self._finish_flush)
        elif already_flushed:
            self._flushed = True
        self._rebuild_io_state()
        return count

    # ------------------------------------------------------------------ internals
    def _finish_flush(self) -> None:
        self._flushed = False
        self._rebuild_io_state()

    def _check_closed(self) -> None:
        if self.socket is None:
            raise OSError("Stream is closed")

    def _events(self) -> int:
        """POLLIN/POLLOUT readiness of the socket (0 once closed).

        Read without the EVENTS option, which would also reset the edge of the FD
        option for code that watches the socket's FD itself.
        """
        return socket_events(self.socket)

    def _run_callback(self, callback: Callable[..., object], *args: Any) -> None:
        """Run a user callback; log (never raise) its errors, also a coroutine's."""
        try:
            result = callback(*args)
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            return
        if inspect.isawaitable(result):
            fut = asyncio.ensure_future(result)
            self._tasks.add(fut)
            fut.add_done_callback(self._async_callback_done)

    def _async_callback_done(self, fut: asyncio.Future[Any]) -> None:
        self._tasks.discard(fut)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            gen_log.error(
                "Uncaught exception in ZMQStream callback",
                exc_info=(type(exc), exc, exc.__traceback__),
            )

    def _handle_events(self) -> None:
        """One handling pass: receive and/or send one message, as the socket allows."""
        sock = self.socket
        if sock is None:
            return  # a pass scheduled before close()
        if sock.closed:
            # closed directly, not through the stream: the engine woke us to say so
            gen_log.warning("Got events for stream %s attached to closed socket", self)
            self.closed()
            return
        events = self._events()
        try:
            if events & _POLLIN and self.receiving():
                self._handle_recv()
                if self.socket is None:
                    return
            if events & _POLLOUT and self.sending():
                self._handle_send()
                if self.socket is None:
                    return
        except ContextTerminated:
            gen_log.warning("Got events for stream %s after terminating context", self)
            return
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream event handler", exc_info=True)
        self._rebuild_io_state()

    def _handle_recv(self) -> None:
        if self._flushed:
            return
        try:
            msg = self.socket.recv_multipart(_NOBLOCK, copy=self._recv_copy)
        except ZMQError as e:
            if e.errno == _EAGAIN:
                return  # taken by someone else since EVENTS was read
            raise
        callback = self._recv_callback
        if callback is not None:
            self._run_callback(callback, msg)

    def _handle_send(self) -> None:
        if self._flushed:
            return
        if not self._send_queue:
            gen_log.error("Shouldn't have handled a send event")
            return
        msg, kwargs = self._send_queue.popleft()
        send_kwargs = dict(kwargs)
        send_kwargs["flags"] = int(send_kwargs.get("flags", 0)) | _NOBLOCK
        status: Any
        try:
            status = self.socket.send_multipart(msg, **send_kwargs)
        except ZMQError as e:
            if e.errno == _EAGAIN:
                # room went away since EVENTS was read: keep the message's place
                self._send_queue.appendleft((msg, kwargs))
                return
            gen_log.error("SEND Error: %s", e)
            status = e
        callback = self._send_callback
        if callback is not None:
            self._run_callback(callback, msg, status)

    def _rebuild_io_state(self) -> None:
        if self.socket is None:
            return
        state = 0
        if self.receiving():
            state |= _POLLIN
        if self.sending():
            state |= _POLLOUT
        self._state = state
        self._update_handler(state)

    def _add_io_state(self, state: int) -> None:
        self._state |= state
        self._update_handler(self._state)

    def _drop_io_state(self, state: int) -> None:
        self._state &= ~state
        self._update_handler(self._state)

    def _update_handler(self, state: int) -> None:
        """Schedule a pass if something wanted is already possible.

        The waiter only hears about changes; what is pending right now (a message that
        arrived before on_recv, room to send) has to be looked at here.
        """
        if self.socket is None or not state:
            return
        if state & self._events():
            self._waiter.kick()


def _check_callable(callback: object) -> None:
    # pyzmq asserts; raise explicitly so the check survives python -O
    if callback is not None and not callable(callback):
        raise AssertionError(f"callback must be callable, not {callback!r}")


def _ignore_send(msg: Sequence[Any], status: Any) -> None:
    return None
