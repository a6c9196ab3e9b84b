"""Reading socket monitor events (see :meth:`purezmq.Socket.get_monitor_socket`).

Every monitor event is libzmq's two-frame message: the first frame packs the event
number (16 bits) and its value (32 bits, native byte order, no padding), the second is
the endpoint the event is about::

    struct.pack("=HI", event, value), b"tcp://127.0.0.1:5555"

The value depends on the event: a file descriptor for CONNECTED/ACCEPTED/LISTENING,
an errno for the *_FAILED events, the retry interval for CONNECT_RETRIED, a protocol
error code for HANDSHAKE_FAILED_PROTOCOL/AUTH.
"""

from __future__ import annotations

import asyncio
import inspect
import struct
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, overload

from purezmq.constants import Event

if TYPE_CHECKING:
    import purezmq.asyncio
    from purezmq.socket_base import SocketBase
    from purezmq.sync.socket import Socket

__all__ = ["MonitorMessage", "parse_monitor_message", "recv_monitor_message"]

_EVENT_FRAME = struct.Struct("=HI")


class MonitorMessage(TypedDict):
    """A decoded monitor event."""

    #: what happened (``Event.CONNECTED``, ...)
    event: Event
    #: the event's value (an fd, errno, interval or protocol error; see the module doc),
    #: as an :class:`Event` like pyzmq gives it (it is an int)
    value: int
    #: the endpoint the event is about (``b""`` for MONITOR_STOPPED)
    endpoint: bytes


def _as_event(number: int) -> Event | int:
    try:
        return Event(number)
    except ValueError:  # cannot happen with IntFlag's KEEP boundary; be safe anyway
        return number


def parse_monitor_message(msg: Sequence[Any]) -> MonitorMessage:
    """Decode one monitor event message.

    Args:
        msg: the two frames received from a monitor socket (bytes, or buffers such as
            Frames).

    Returns:
        ``{"event": Event, "value": int, "endpoint": bytes}``.

    Raises:
        RuntimeError: ``msg`` is not a monitor event (pyzmq raises the same).
    """
    frames = [_frame_bytes(f) for f in msg]
    if len(frames) != 2 or len(frames[0]) != _EVENT_FRAME.size:
        raise RuntimeError(f"Invalid event message format: {list(msg)!r}")
    event, value = _EVENT_FRAME.unpack(frames[0])
    return {
        "event": Event(event),
        "value": _as_event(value),
        "endpoint": frames[1],
    }


def _frame_bytes(frame: Any) -> bytes:
    if isinstance(frame, bytes):
        return frame
    data = getattr(frame, "bytes", None)  # a Frame
    if isinstance(data, bytes):
        return data
    return bytes(memoryview(frame))


def _parse_when_done(
    fut: asyncio.Future[list[Any]],
) -> asyncio.Future[MonitorMessage]:
    """A future for the parsed event of the message ``fut`` will receive."""
    out: asyncio.Future[MonitorMessage] = fut.get_loop().create_future()

    def on_message(f: asyncio.Future[list[Any]]) -> None:
        if out.done():
            return
        if f.cancelled():
            out.cancel()
            return
        exc = f.exception()
        if exc is not None:
            out.set_exception(exc)
            return
        try:
            out.set_result(parse_monitor_message(f.result()))
        except RuntimeError as e:
            out.set_exception(e)

    def on_out_done(o: asyncio.Future[MonitorMessage]) -> None:
        # cancelling the result cancels the receive (which then takes nothing)
        if o.cancelled():
            fut.cancel()

    fut.add_done_callback(on_message)
    out.add_done_callback(on_out_done)
    return out


async def _parse_awaited(awaitable: Awaitable[list[Any]]) -> MonitorMessage:
    return parse_monitor_message(await awaitable)


@overload
def recv_monitor_message(
    socket: purezmq.asyncio.Socket, flags: int = 0
) -> Awaitable[MonitorMessage]: ...
@overload
def recv_monitor_message(socket: Socket, flags: int = 0) -> MonitorMessage: ...
@overload
def recv_monitor_message(
    socket: SocketBase, flags: int = 0
) -> MonitorMessage | Awaitable[MonitorMessage]: ...
def recv_monitor_message(socket: Any, flags: int = 0) -> MonitorMessage | Awaitable[MonitorMessage]:
    """Receive one event from a monitor socket and decode it.

    With a blocking socket this blocks (honouring ``flags`` and RCVTIMEO) and returns
    the event. With a :mod:`purezmq.asyncio` socket it returns an awaitable (an
    :class:`asyncio.Future`) for the event instead, as pyzmq does since 23.1.

    Args:
        socket: the PAIR socket returned by ``get_monitor_socket()`` (or connected to
            the address given to ``monitor()``).
        flags: recv flags (``purezmq.NOBLOCK``).

    Returns:
        ``{"event": Event, "value": int, "endpoint": bytes}``, or an awaitable for it.
    """
    msg = socket.recv_multipart(flags)
    if isinstance(msg, asyncio.Future):
        return _parse_when_done(msg)
    if inspect.isawaitable(msg):
        return _parse_awaited(msg)
    return parse_monitor_message(msg)
