"""The blocking Socket, pyzmq-compatible.

Every send and recv of a whole message is atomic, so a socket may be shared between
threads: two threads calling ``send_multipart`` never interleave frames, and two threads
calling ``recv_multipart`` each get whole messages. (Frame-by-frame ``send(SNDMORE)`` /
``recv`` + RCVMORE sequences are per socket, as in libzmq; use the multipart calls when
threads share a socket.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from purezmq.constants import Errno, Flag
from purezmq.constants import SocketOption as O
from purezmq.engine.waiters import ThreadWaiter
from purezmq.error import Again, ZMQError
from purezmq.socket_base import SocketBase, to_frame_bytes

__all__ = ["Socket"]

_NOBLOCK = int(Flag.NOBLOCK)
_SNDMORE = int(Flag.SNDMORE)


def _timeout_s(ms: int) -> float | None:
    return None if ms < 0 else ms / 1000.0


class Socket(SocketBase):
    """A ZeroMQ socket with pyzmq's blocking API.

    Args:
        context: the owning :class:`~purezmq.Context` (default: ``Context.instance()``).
        socket_type: ``purezmq.PUSH`` and friends.
    """

    @classmethod
    def _default_context(cls) -> Any:
        from purezmq.sync.context import Context

        return Context.instance()

    def poll(self, timeout: float | None = None, flags: int = 1) -> int:
        """Wait up to ``timeout`` ms for ``flags`` (POLLIN by default); returns the events."""
        from purezmq.sync.poll import Poller

        self._core.check_open()
        poller = Poller()
        poller.register(self, flags)
        return int(dict(poller.poll(timeout)).get(self, 0))

    # ------------------------------------------------------------------ sending
    def _wait_send(self, msg: list[bytes], flags: int) -> None:
        core = self._core
        if core.try_send(msg):
            return
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

    def send(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: Any = None,
        group: Any = None,
    ) -> Any:
        """Send one frame; with SNDMORE, more frames of the same message follow."""
        if routing_id is not None or group is not None:
            raise ZMQError(Errno.ENOTSUP, "routing_id/group are for draft sockets")
        frame = to_frame_bytes(data)
        if flags & _SNDMORE:
            self._core.check_open()
            self._tx.append(frame)
            return None
        tx = self._tx
        if tx:
            msg = [*tx, frame]
            tx.clear()
        else:
            msg = [frame]
        try:
            self._wait_send(msg, flags)
        except ZMQError as e:
            if e.errno == Errno.EAGAIN and len(msg) > 1:
                # keep the earlier frames so a retry of the last one completes the message
                self._tx.extend(msg[:-1])
            raise
        return None

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send a whole multipart message atomically."""
        parts = [to_frame_bytes(p) for p in msg_parts]
        if not parts:
            raise ValueError("cannot send an empty multipart message")
        if self._tx:
            parts = [*self._tx, *parts]
            self._tx.clear()
        self._wait_send(parts, flags & ~_SNDMORE)
        return None

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> Any:
        """Send text, encoded."""
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    send_unicode = send_string

    # ------------------------------------------------------------------ receiving
    def _wait_recv(self, flags: int) -> list[bytes]:
        core = self._core
        msg = core.try_recv()
        if msg is not None:
            return msg
        if flags & _NOBLOCK:
            raise Again()
        timeout = _timeout_s(core.opt(O.RCVTIMEO))
        deadline = None if timeout is None else time.monotonic() + timeout
        waiter = ThreadWaiter()
        core.add_waiter(waiter)
        try:
            while True:
                msg = core.try_recv()
                if msg is not None:
                    return msg
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise Again()
                waiter.wait(remaining)
        finally:
            core.remove_waiter(waiter)

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one frame (RCVMORE tells whether more frames of it follow)."""
        rx = self._rx
        if rx:
            return rx.popleft()
        msg = self._wait_recv(flags)
        if len(msg) > 1:
            rx.extend(msg[1:])
        return msg[0]

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> list[Any]:
        """Receive a whole multipart message."""
        rx = self._rx
        if rx:
            parts = list(rx)
            rx.clear()
            return parts
        return self._wait_recv(flags)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receive one frame as text."""
        data = self.recv(flags)
        return bytes(data).decode(encoding)

    recv_unicode = recv_string
