"""The blocking Socket, pyzmq-compatible.

Every send and recv of a whole message is atomic, so a socket may be shared between
threads: two threads calling ``send_multipart`` never interleave frames, and two threads
calling ``recv_multipart`` each get whole messages. (Frame-by-frame ``send(SNDMORE)`` /
``recv`` + RCVMORE sequences are per socket, as in libzmq; use the multipart calls when
threads share a socket.)
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Callable, Sequence
from pickle import DEFAULT_PROTOCOL
from typing import Any

from purezmq.constants import Errno, Flag
from purezmq.constants import SocketOption as O
from purezmq.engine.core import pipe_properties
from purezmq.engine.reading import wait_reading
from purezmq.engine.waiters import (
    HAND_OFF_SCOPE,
    HANDING_OFF,
    ThreadWaiter,
    poll_waiter,
    send_handing_off,
)
from purezmq.error import Again, ZMQError
from purezmq.message import Frame, MessageTracker
from purezmq.routing.pipe import Pipe
from purezmq.socket_base import (
    SocketBase,
    frames_of,
    json_bytes,
    recv_into_view,
    to_frame_bytes,
    zero_copy_part,
)

__all__ = ["Socket"]

_NOBLOCK = int(Flag.NOBLOCK)
_SNDMORE = int(Flag.SNDMORE)


def _timeout_s(ms: int) -> float | None:
    return None if ms < 0 else ms / 1000.0


class Socket(SocketBase):
    """A ZeroMQ socket with pyzmq's blocking API.

    Args:
        context: the owning :class:`~purezmq.Context` (default: ``Context.instance()``),
            or a socket to shadow (``zmq.Socket(async_socket)``).
        socket_type: ``purezmq.PUSH`` and friends.
        shadow: a socket (or its ``underlying``) to share, as in pyzmq.
        copy_threshold: see :class:`~purezmq.socket_base.SocketBase`.
    """

    _repr_cls = "zmq.Socket"

    @classmethod
    def _default_context(cls) -> Any:
        from purezmq.sync.context import Context

        return Context.instance()

    def poll(self, timeout: float | None = None, flags: int = 1) -> int:
        """Wait up to ``timeout`` ms for ``flags`` (POLLIN by default); returns the events."""
        from purezmq.sync.poll import Poller

        if self.closed:
            raise ZMQError(Errno.ENOTSUP)
        poller = Poller()
        poller.register(self, flags)
        return int(dict(poller.poll(timeout)).get(self, 0))

    # ------------------------------------------------------------------ sending
    def _wait_send(self, msg: list[bytes], flags: int, tried: bool = False) -> None:
        # tried: as in _wait_recv
        core = self._core
        if not tried and core.try_send(msg):
            return
        if core.relieve() and core.try_send(msg):
            return  # the queue was written out from this thread: no wait for the loop
        if flags & _NOBLOCK:
            raise Again()
        timeout = _timeout_s(core.opt(O.SNDTIMEO))
        deadline = None if timeout is None else time.monotonic() + timeout
        waiter = ThreadWaiter()
        core.add_waiter(waiter)
        try:
            while True:
                if core.try_send(msg):
                    return
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise Again()
                waiter.wait(remaining)
        finally:
            core.remove_waiter(waiter)

    def _send_msg(self, msg: list[bytes], flags: int) -> None:
        # a whole message; a proxy of this process may then do its relaying here
        if HANDING_OFF and HAND_OFF_SCOPE.wanted:
            send_handing_off(self._wait_send, msg, flags)
        else:
            self._wait_send(msg, flags)

    def send(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: Any = None,
        group: Any = None,
    ) -> MessageTracker | None:
        """Send one frame; with SNDMORE, more frames of the same message follow.

        Returns:
            None for a copied send; for a Frame or ``copy=False``, a
            :class:`MessageTracker` (or None when not tracking), by pyzmq's rules.
        """
        if routing_id is not None or group is not None:
            raise ZMQError(Errno.ENOTSUP, "routing_id/group are for draft sockets")
        if type(data) is bytes and copy and not flags and not self._tx:
            # the per-message fast path: a whole one-frame message, taken at once
            msg = [data]
            if HANDING_OFF and HAND_OFF_SCOPE.wanted:  # a proxy may relay in this thread
                send_handing_off(self._wait_send, msg, 0)
            elif not self._core.try_send(msg):
                self._wait_send(msg, 0, tried=True)
            return None
        if copy and type(data) is bytes:
            frame, tracker = data, None
        elif copy and not isinstance(data, Frame):
            frame, tracker = to_frame_bytes(data), None
        else:
            frame, tracker = zero_copy_part(data, track, self.copy_threshold)
        if flags & _SNDMORE:
            self._core.check_open()
            self._tx.append(frame)
            return tracker
        tx = self._tx
        if tx:
            msg = [*tx, frame]
            tx.clear()
        else:
            msg = [frame]
        try:
            self._send_msg(msg, flags)
        except ZMQError as e:
            if e.errno == Errno.EAGAIN and len(msg) > 1:
                # keep the earlier frames so a retry of the last one completes the message
                self._tx.extend(msg[:-1])
            raise
        return tracker

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> MessageTracker | None:
        """Send a whole multipart message atomically (safe from several threads).

        Returns:
            As :meth:`send` for the last part.
        """
        parts, tracker = self._outgoing_parts(msg_parts, copy, track)
        self._send_msg(parts, flags & ~_SNDMORE)
        return tracker

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> MessageTracker | None:
        """Send text, encoded."""
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> MessageTracker | None:
        """Send a Python object as JSON (extra keyword arguments go to ``json.dumps``)."""
        send_kwargs = {
            k: kwargs.pop(k) for k in ("copy", "track", "routing_id", "group") if k in kwargs
        }
        return self.send(json_bytes(obj, **kwargs), flags, **send_kwargs)

    def send_pyobj(
        self, obj: Any, flags: int = 0, protocol: int = DEFAULT_PROTOCOL, **kwargs: Any
    ) -> MessageTracker | None:
        """Send a Python object pickled (only receive pickles from peers you trust)."""
        return self.send(pickle.dumps(obj, protocol), flags, **kwargs)

    def send_serialized(
        self,
        msg: Any,
        serialize: Callable[[Any], Sequence[Any]],
        flags: int = 0,
        copy: bool = True,
        **kwargs: Any,
    ) -> MessageTracker | None:
        """Send ``serialize(msg)`` (a list of frames) as one multipart message."""
        return self.send_multipart(serialize(msg), flags=flags, copy=copy, **kwargs)

    # ------------------------------------------------------------------ receiving
    def _wait_recv(self, flags: int, tried: bool = False) -> tuple[list[bytes], Pipe | None]:
        # returns the pipe, not its metadata: most receives never look at it.
        # tried: the caller's own attempt just found nothing (the next attempt comes
        # after the waiter is registered, as it must)
        core = self._core
        if not tried:
            msg, pipe = core.try_recv_pipe()
            if msg is not None:
                return msg, pipe
        if flags & _NOBLOCK:
            if core.caller_reading and core.read_nowait():
                msg, pipe = core.try_recv_pipe()
                if msg is not None:
                    return msg, pipe
            raise Again()
        timeout = _timeout_s(core.opt(O.RCVTIMEO))
        deadline = None if timeout is None else time.monotonic() + timeout
        # Wait, reading the socket's connections in this thread (engine/reading.py): no
        # hand-off to the I/O thread and back for each message. Other pipes (inproc)
        # still wake it, and so does everything on a socket whose connections are not
        # ours to read (a shadow of an asyncio socket: caller_watch is always -1 there).
        waiter = poll_waiter()
        core.add_reading_waiter(waiter, room=False)  # a recv: room for sends is no news
        cores = (core,)
        try:
            while True:
                msg, pipe = core.try_recv_pipe()
                if msg is not None:
                    return msg, pipe
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise Again()
                wait_reading(waiter, cores, remaining)
        finally:
            core.remove_waiter(waiter)
            waiter.busy = False

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one frame (RCVMORE tells whether more frames of it follow).

        Returns:
            bytes, or a :class:`Frame` with ``copy=False``.
        """
        rx = self._rx
        if not rx:
            msg, pipe = self._core.try_recv_pipe()  # the per-message fast path
            if msg is None:
                msg, pipe = self._wait_recv(flags, tried=True)
            if copy and len(msg) == 1:
                return msg[0]
            self._rx_meta[0] = pipe_properties(pipe)
            rx.extend(msg)
        frame = rx.popleft()
        if copy:
            return frame
        return Frame._received(frame, bool(rx), self._rx_meta[0])

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> list[Any]:
        """Receive a whole multipart message (the rest of it, if recv() took a part)."""
        rx = self._rx
        if rx:
            parts = list(rx)
            rx.clear()
            props = self._rx_meta[0]
        else:
            parts, pipe = self._wait_recv(flags)
            props = pipe_properties(pipe)
        if copy:
            return parts
        return frames_of(parts, props)

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """Receive one frame into ``buffer`` (writable, contiguous); returns the frame's
        full size, which may be larger than what fitted (as with zmq_recv).

        Args:
            buffer: where to write the frame.
            nbytes: at most this many bytes (0: the buffer's size).
            flags: NOBLOCK...

        Raises:
            BufferError: ``buffer`` is read-only or not contiguous.
            ValueError: ``nbytes`` is negative or larger than ``buffer``.
        """
        view, limit = recv_into_view(buffer, nbytes)
        frame = self.recv(flags)
        n = min(limit, len(frame))
        view[:n] = frame[:n]
        return len(frame)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receive one frame as text."""
        return bytes(self.recv(flags)).decode(encoding)

    recv_unicode = recv_string

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        """Receive one frame and decode it as JSON."""
        return json.loads(self.recv(flags), **kwargs)

    def recv_pyobj(self, flags: int = 0) -> Any:
        """Receive one frame and unpickle it (only from peers you trust)."""
        return pickle.loads(self.recv(flags))

    def recv_serialized(
        self, deserialize: Callable[[list[Any]], Any], flags: int = 0, copy: bool = True
    ) -> Any:
        """Receive a multipart message and return ``deserialize(frames)``."""
        return deserialize(self.recv_multipart(flags, copy=copy))
