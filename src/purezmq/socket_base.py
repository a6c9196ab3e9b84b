"""What the blocking and the asyncio sockets share: options, endpoints, close.

Neither facade subclasses the other (ARCHITECTURE.md habit 9); both derive from
:class:`SocketBase`, which holds a :class:`~purezmq.engine.core.SocketCore`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.constants import SocketOption as O
from purezmq.engine import endpoints
from purezmq.engine.core import SocketCore
from purezmq.error import ZMQError
from purezmq.message import FINISHED_TRACKER, Frame, MessageTracker
from purezmq.options import OPTIONS

__all__ = [
    "EndpointContext",
    "SocketBase",
    "frames_of",
    "json_bytes",
    "multipart_bytes",
    "to_frame_bytes",
    "tracker_for",
]


def to_frame_bytes(data: Any) -> bytes:
    """Turn a frame given to send() into bytes (copying mutable buffers, like pyzmq)."""
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        raise TypeError("unicode not allowed, use send_string")
    frame_bytes = getattr(data, "bytes", None)
    if isinstance(frame_bytes, bytes):  # a Frame
        return frame_bytes
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError(f"expected bytes or a buffer, not {type(data).__name__}") from None


def multipart_bytes(msg_parts: Any) -> list[bytes]:
    """The frames of a multipart message, as bytes (pyzmq accepts any sequence)."""
    parts = [to_frame_bytes(p) for p in msg_parts]
    if not parts:
        raise ValueError("cannot send an empty multipart message")
    return parts


def frames_of(parts: list[bytes], props: Mapping[str, bytes]) -> list[Frame]:
    """Wrap received parts as Frames (``copy=False``), ``more`` set on all but the last."""
    last = len(parts) - 1
    return [Frame._received(p, i < last, props) for i, p in enumerate(parts)]


def tracker_for(copy: bool, track: bool) -> MessageTracker | None:
    """What send returns: a (done) tracker when tracking a zero-copy send, like pyzmq."""
    return FINISHED_TRACKER if track and not copy else None


def json_bytes(obj: Any, **kwargs: Any) -> bytes:
    """``json.dumps`` as UTF-8 bytes, compact like pyzmq's jsonapi."""
    kwargs.setdefault("separators", (",", ":"))
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(obj, **kwargs).encode("utf-8")


class SocketBase:
    """What the blocking and asyncio sockets share: options, endpoints, close.

    Args:
        context: the owning :class:`~purezmq.Context`.
        socket_type: ``purezmq.PUSH`` and friends.
    """

    _core: SocketCore
    #: frames of the current message not handed out yet (recv + RCVMORE)
    _rx: deque[Any]
    #: metadata of the connection the current message came from
    _rx_props: Mapping[str, bytes]
    #: frames collected with SNDMORE until the last one
    _tx: list[bytes]
    context: Any

    def __init__(self, context: Any = None, socket_type: int = -1, **kwargs: Any) -> None:
        if context is None:
            context = self._default_context()
        shadow = kwargs.pop("shadow", None)
        if shadow is not None:
            raise ZMQError(Errno.ENOTSUP, "purezmq sockets cannot shadow libzmq sockets")
        if kwargs:
            raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
        core = SocketCore(context._core, int(socket_type), self._io_for(context))
        object.__setattr__(self, "_core", core)
        object.__setattr__(self, "context", context)
        object.__setattr__(self, "_rx", deque())
        object.__setattr__(self, "_rx_props", {})
        object.__setattr__(self, "_tx", [])
        object.__setattr__(self, "_closed", False)
        for k, v in context._sockopts.items():
            try:
                core.setsockopt(k, v)
            except (ZMQError, TypeError):
                pass
        context._core.add_socket(core)

    @classmethod
    def _default_context(cls) -> Any:
        raise TypeError("a context is required")

    def _io_for(self, context: Any) -> Any:
        """The loop this socket's connections run on (a facade decides)."""
        return context._core.io_thread()

    # ------------------------------------------------------------------ basics
    def __repr__(self) -> str:
        try:
            name = SocketType(self._core.socket_type).name
        except ValueError:
            name = str(self._core.socket_type)
        closed = " closed" if self.closed else ""
        return (
            f"<{type(self).__module__}.{type(self).__name__}(zmq.{name}) at {id(self):#x}{closed}>"
        )

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._core.closed

    @property
    def socket_type(self) -> int:
        """The socket type number."""
        return self._core.socket_type

    @property
    def underlying(self) -> int:
        """pyzmq exposes the libzmq pointer; purezmq has none (returns the id)."""
        return id(self._core)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        core = self.__dict__.get("_core")
        if core is not None and not core.closed:
            try:
                core.close(0)
            except Exception:  # interpreter shutdown: best effort
                pass

    def close(self, linger: int | None = None) -> None:
        """Close the socket; queued messages are flushed for up to LINGER ms.

        Args:
            linger: overrides the LINGER option for this close (ms; -1 = forever).
        """
        self._core.close(linger)

    # ------------------------------------------------------------------ endpoints
    def bind(self, addr: str | bytes) -> EndpointContext:
        """Bind to ``addr`` (``tcp://*:5555``, ``ipc:///tmp/x``, ``inproc://name``)."""
        endpoints.bind(self._core, addr)
        return EndpointContext(self, self._core.last_endpoint.decode(), "unbind")

    def connect(self, addr: str | bytes) -> EndpointContext:
        """Connect to ``addr``; the connection is made (and remade) in the background."""
        endpoints.connect(self._core, addr)
        return EndpointContext(self, addr if isinstance(addr, str) else addr.decode(), "disconnect")

    def unbind(self, addr: str | bytes) -> None:
        """Stop listening on ``addr`` (use the resolved LAST_ENDPOINT for wildcards)."""
        endpoints.unbind(self._core, addr)

    def disconnect(self, addr: str | bytes) -> None:
        """Stop connecting to ``addr``."""
        endpoints.disconnect(self._core, addr)

    def bind_to_random_port(
        self, addr: str, min_port: int = 49152, max_port: int = 65536, max_tries: int = 100
    ) -> int:
        """Bind to a free port of ``addr`` (``tcp://127.0.0.1``) and return it."""
        from purezmq.error import ZMQBindError

        if min_port == 49152 and max_port == 65536:
            self.bind(f"{addr}:*")
            return int(self._core.last_endpoint.decode().rsplit(":", 1)[-1])
        import random

        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                self.bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno not in (Errno.EADDRINUSE, Errno.EACCES):
                    raise
            else:
                return port
        raise ZMQBindError("Could not bind socket to random port.")

    # ------------------------------------------------------------------ options
    def setsockopt(self, option: int, value: Any) -> None:
        """Set a socket option (libzmq numbers)."""
        if option == SocketOption.HWM:
            self.set_hwm(value)
            return
        self._core.setsockopt(option, value)

    def getsockopt(self, option: int) -> Any:
        """Read a socket option (bytes options return bytes, like pyzmq)."""
        if option == O.RCVMORE:
            self._core.check_open()
            return 1 if self._rx else 0
        if option == O.EVENTS:
            self._core.check_open()
            signal = self._core.fd_signal
            if signal is not None:
                signal.drain()  # re-arm first: a change from now on signals again
            ev = self._core.events()
            return ev | 1 if self._rx else ev
        if option == O.FD:
            return self._core.get_fd()
        if option == SocketOption.HWM:
            return self.get_hwm()
        return self._core.getsockopt(option)

    set = setsockopt
    get = getsockopt

    def setsockopt_string(self, option: int, value: str, encoding: str = "utf-8") -> None:
        """Set a bytes option from text."""
        if not isinstance(value, str):
            raise TypeError(f"expected str, got {type(value).__name__}")
        self.setsockopt(option, value.encode(encoding))

    def getsockopt_string(self, option: int, encoding: str = "utf-8") -> str:
        """Read a bytes option as text."""
        value = self.getsockopt(option)
        if not isinstance(value, bytes):
            raise TypeError(f"option {option} is not a bytes option")
        return value.decode(encoding)

    set_string = setsockopt_string
    get_string = getsockopt_string

    def set_hwm(self, value: int) -> None:
        """Set SNDHWM and RCVHWM together."""
        self._core.setsockopt(O.SNDHWM, value)
        self._core.setsockopt(O.RCVHWM, value)

    def get_hwm(self) -> int:
        """SNDHWM (pyzmq reports it for the combined HWM)."""
        return int(self._core.getsockopt(O.SNDHWM))

    hwm = property(get_hwm, set_hwm)

    def subscribe(self, topic: str | bytes) -> None:
        """SUBSCRIBE to ``topic`` (str is UTF-8 encoded)."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.setsockopt(O.SUBSCRIBE, topic)

    def unsubscribe(self, topic: str | bytes) -> None:
        """UNSUBSCRIBE from ``topic``."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.setsockopt(O.UNSUBSCRIBE, topic)

    # ------------------------------------------------------------------ monitor
    def monitor(self, addr: str | bytes | None, events: int = 0xFFFF) -> None:
        """Publish this socket's events on a PAIR bound at ``addr`` (inproc).

        Each event is libzmq's two-frame message: ``struct.pack("=HI", event, value)``
        and the endpoint. ``addr=None`` stops monitoring.
        """
        core = self._core
        core.check_open()
        if addr is None:
            core.stop_monitor()
            return
        text = addr.decode() if isinstance(addr, bytes) else addr
        if not text.startswith("inproc://"):
            raise ZMQError(Errno.EPROTONOSUPPORT, "monitor endpoints must be inproc://")
        core.stop_monitor()
        mon = SocketCore(core.ctx, SocketType.PAIR, core.io)
        core.ctx.add_socket(mon)
        mon.options[O.LINGER] = 0
        try:
            endpoints.bind(mon, text)
        except ZMQError:
            mon.close(0)
            raise
        core.monitor_core = mon
        core.monitor_events = events

    def get_monitor_socket(self, events: int = 0xFFFF, addr: str | None = None) -> Any:
        """Start monitoring and return a connected PAIR socket that receives the events."""
        if addr is None:
            addr = f"inproc://monitor.s-{id(self):x}"
        self.monitor(addr, events)
        sock = self.context.socket(SocketType.PAIR)
        sock.connect(addr)
        object.__setattr__(self, "_monitor_socket", sock)
        return sock

    def disable_monitor(self) -> None:
        """Stop monitoring (the monitor socket receives MONITOR_STOPPED)."""
        self._core.stop_monitor()

    @property
    def last_endpoint(self) -> bytes:
        """LAST_ENDPOINT."""
        return bytes(self._core.last_endpoint)


class EndpointContext:
    """What bind()/connect() return: usable as a context manager that undoes them."""

    __slots__ = ("_socket", "_undo", "addr")

    def __init__(self, socket: SocketBase, addr: str, undo: str) -> None:
        self._socket = socket
        self.addr = addr
        self._undo = undo

    def __enter__(self) -> SocketBase:
        return self._socket

    def __exit__(self, *exc: object) -> None:
        if self._socket.closed:
            return
        try:
            getattr(self._socket, self._undo)(self.addr)
        except ZMQError:
            pass

    def __repr__(self) -> str:
        return f"<{self._undo[2:] if self._undo.startswith('un') else 'connect'} {self.addr}>"


def _option_property(option: int) -> property:
    def fget(self: SocketBase) -> Any:
        return self.getsockopt(option)

    def fset(self: SocketBase, value: Any) -> None:
        self.setsockopt(option, value)

    return property(fget, fset, doc=f"The {SocketOption(option).name} socket option.")


def _install_option_attributes() -> None:
    """Give sockets one attribute per option (``sock.linger``, ``sock.LINGER``), from options.py."""
    for name, member in SocketOption.__members__.items():
        if int(member) not in OPTIONS and member not in (O.HWM,):
            continue
        for attr in (name.lower(), name):
            if attr in SocketBase.__dict__ or attr in ("subscribe", "unsubscribe", "hwm"):
                continue
            setattr(SocketBase, attr, _option_property(int(member)))


_install_option_attributes()
