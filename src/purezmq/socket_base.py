"""What the blocking and the asyncio sockets share: options, endpoints, close.

Neither facade subclasses the other (ARCHITECTURE.md habit 9); both derive from
:class:`SocketBase`, which holds a :class:`~purezmq.engine.core.SocketCore`.
"""

from __future__ import annotations

import json
import sys
import weakref
from collections import deque
from collections.abc import Mapping
from typing import Any

from purezmq.constants import Errno, SocketOption, SocketType, _OptType
from purezmq.constants import SocketOption as O
from purezmq.engine import endpoints
from purezmq.engine.core import SocketCore
from purezmq.error import ZMQError
from purezmq.message import (
    COPY_THRESHOLD,
    FINISHED_TRACKER,
    Frame,
    MessageTracker,
    track_part,
)
from purezmq.options import OPTIONS

__all__ = [
    "IPC_PATH_MAX_LEN",
    "EndpointContext",
    "ReadOnlyBufferError",
    "SocketBase",
    "frames_of",
    "json_bytes",
    "multipart_bytes",
    "recv_into_view",
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


def zero_copy_part(
    data: Any, track: bool, copy_threshold: int
) -> tuple[bytes, MessageTracker | None]:
    """The part to hand the engine for a Frame or a ``copy=False`` send, and the tracker
    send returns, by pyzmq's rules.

    A Frame returns its own tracker (ValueError if ``track`` asks for one it lacks);
    data under ``copy_threshold`` is copied (a done tracker); larger data is tracked
    until purezmq releases it when ``track`` is set.
    """
    if isinstance(data, Frame):
        if track and data.tracker is None:
            raise ValueError("Not a tracked message")
        return data._send_part(), data.tracker
    part = to_frame_bytes(data)
    if copy_threshold and len(part) < copy_threshold:
        return part, FINISHED_TRACKER
    if not track:
        return part, None
    return track_part(part)


class ReadOnlyBufferError(BufferError, TypeError):
    """``recv_into`` got a read-only buffer: a BufferError as in pyzmq (and a TypeError,
    what purezmq raised before)."""


def recv_into_view(buffer: Any, nbytes: int) -> tuple[memoryview, int]:
    """Check a ``recv_into`` target like pyzmq: a writable, contiguous buffer.

    Returns:
        The byte view of ``buffer`` and how many bytes to fill at most.

    Raises:
        TypeError: ``buffer`` has no buffer interface.
        BufferError: it is read-only (:class:`ReadOnlyBufferError`) or not contiguous.
        ValueError: ``nbytes`` is negative or larger than the buffer.
    """
    view = memoryview(buffer)
    if view.readonly:
        raise ReadOnlyBufferError("recv_into needs a writable buffer")
    if not view.c_contiguous:
        raise BufferError("recv_into needs a contiguous buffer")
    view = view.cast("B")
    if nbytes < 0:
        raise ValueError(f"nbytes={nbytes} must be non-negative")
    if nbytes > len(view):
        raise ValueError(f"nbytes={nbytes} is larger than the buffer ({len(view)} bytes)")
    return view, nbytes or len(view)


#: The longest ipc:// path the OS accepts (``sizeof(sockaddr_un.sun_path) - 1``).
IPC_PATH_MAX_LEN = 103 if sys.platform == "darwin" or "bsd" in sys.platform else 107

#: ``underlying`` -> the first facade of a socket core, for ``Socket.shadow(address)``
_FACADES: weakref.WeakValueDictionary[int, SocketBase] = weakref.WeakValueDictionary()


def _declared(cls: type, key: str) -> bool:
    """Whether ``key`` is an attribute (or annotation) of ``cls`` or a base class."""
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in getattr(klass, "__annotations__", {}):
            return True
    return False


def _with_addr(e: ZMQError, addr: str | bytes) -> ZMQError:
    """Name the address in a bind/connect error, like pyzmq (`` (addr='...')``)."""
    text = addr.decode("utf-8", "replace") if isinstance(addr, bytes) else addr
    if text.startswith("ipc://") and len(text) - 6 > IPC_PATH_MAX_LEN:
        e.strerror += (
            f" (ipc path {text[6:]!r} is longer than {IPC_PATH_MAX_LEN} characters"
            " (sizeof(sockaddr_un.sun_path)))"
        )
    else:
        e.strerror += f" (addr={text!r})"
    e.args = (e.strerror,)
    return e


def json_bytes(obj: Any, **kwargs: Any) -> bytes:
    """``json.dumps`` as UTF-8 bytes, compact like pyzmq's jsonapi."""
    kwargs.setdefault("separators", (",", ":"))
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(obj, **kwargs).encode("utf-8")


class SocketBase:
    """What the blocking and asyncio sockets share: options, endpoints, close.

    Args:
        context: the owning :class:`~purezmq.Context`; or a socket to shadow (as in
            ``zmq.Socket(async_socket)``).
        socket_type: ``purezmq.PUSH`` and friends.
        shadow: a socket (or its ``underlying`` number) this facade shares: both send
            and receive on the same socket, and closing either closes it.
        copy_threshold: zero-copy sends of at least this many bytes are tracked
            (``track=True``); smaller ones are copied and their tracker is done at once.
    """

    _core: SocketCore
    #: frames of the current message not handed out yet (recv + RCVMORE)
    _rx: deque[Any]
    #: ``[metadata]`` of the connection the current message came from (a one-item list,
    #: shared with shadows and cheap to update on the receive path)
    _rx_meta: list[Mapping[str, bytes]]
    #: frames collected with SNDMORE until the last one
    _tx: list[bytes]
    #: True for a facade sharing another facade's socket
    _shadow: bool
    #: what was shadowed, kept alive while this facade lives
    _shadow_obj: Any
    #: the PAIR socket handed out by :meth:`get_monitor_socket` (reused while open)
    _monitor_socket: Any
    #: shown in repr (pyzmq's spelling); subclasses without their own show their own name
    _repr_cls: str = "zmq.Socket"
    #: zero-copy sends at least this large are tracked (pyzmq's ``copy_threshold``)
    copy_threshold: int
    context: Any

    def __init__(
        self,
        context: Any = None,
        socket_type: int = -1,
        *,
        shadow: Any = 0,
        copy_threshold: int | None = None,
    ) -> None:
        if isinstance(context, SocketBase):
            shadow, context = context, None
        d = self.__dict__
        d["copy_threshold"] = COPY_THRESHOLD if copy_threshold is None else copy_threshold
        d["_monitor_socket"] = None
        if shadow:
            base = shadow if isinstance(shadow, SocketBase) else _FACADES.get(int(shadow))
            if base is None:
                raise ZMQError(Errno.ENOTSOCK, f"no purezmq socket at address {shadow!r}")
            d["_shadow"] = True
            d["_shadow_obj"] = shadow
            d["_core"] = base._core
            d["context"] = base.context
            d["_rx"] = base._rx
            d["_rx_meta"] = base._rx_meta
            d["_tx"] = base._tx
            return
        if context is None:
            context = self._default_context()
        core = SocketCore(context._core, int(socket_type), self._io_for(context))
        d["_shadow"] = False
        d["_shadow_obj"] = None
        d["_core"] = core
        d["context"] = context
        d["_rx"] = deque()
        d["_rx_meta"] = [{}]
        d["_tx"] = []
        for k, v in context.sockopts.items():
            try:
                core.setsockopt(k, v)
            except (ZMQError, TypeError):
                pass
        context._core.add_socket(core)
        _FACADES[id(core)] = self

    @classmethod
    def _default_context(cls) -> Any:
        raise TypeError("a context is required")

    def _io_for(self, context: Any) -> Any:
        """The loop this socket's connections run on (a facade decides)."""
        return context._core.io_thread()

    @classmethod
    def shadow(cls, address: Any) -> Any:
        """A new facade (of this class) on the socket ``address`` (a socket or its
        ``underlying``): how pyzmq wraps one socket in both the blocking and the
        asyncio API."""
        return cls(shadow=address)

    def __copy__(self, memo: Any = None) -> Any:
        """Copying a socket gives a shadow of it (as in pyzmq)."""
        return type(self).shadow(self)

    __deepcopy__ = __copy__

    # ------------------------------------------------------------------ basics
    def __repr__(self) -> str:
        cls = type(self)
        repr_cls = cls.__dict__.get("_repr_cls") or f"{cls.__module__}.{cls.__name__}"
        try:
            name = SocketType(self._core.socket_type).name
        except ValueError:
            name = str(self._core.socket_type)
        closed = " closed" if self.closed else ""
        return f"<{repr_cls}(zmq.{name}) at {id(self):#x}{closed}>"

    def __dir__(self) -> list[str]:
        """The class's names plus the option names (``IDENTITY``...), for completion."""
        return [*dir(type(self)), *SocketOption.__members__]

    def __setattr__(self, key: str, value: Any) -> None:
        """Options by attribute (``sock.linger = 0``, ``sock.subscribe = "topic"``).

        Names the class does not declare and that are not options raise
        AttributeError (a typo must not pass silently).
        """
        lower = key.lower()
        if lower in ("subscribe", "unsubscribe") and key not in self.__dict__:
            if isinstance(value, str):
                value = value.encode("utf-8")
            self.setsockopt(O.SUBSCRIBE if lower == "subscribe" else O.UNSUBSCRIBE, value)
            return
        if key.startswith("_") or key in self.__dict__ or _declared(type(self), key):
            object.__setattr__(self, key, value)
            return
        name = key.upper()
        if name in SocketOption.__members__:
            self.setsockopt(SocketOption[name], value)
            return
        raise AttributeError(f"{type(self).__name__} has no such option: {name}")

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (through any facade of this socket)."""
        return self._core.closed

    @property
    def socket_type(self) -> int:
        """The socket type number."""
        return self._core.socket_type

    @property
    def type(self) -> int:
        """The socket type, as a :class:`~purezmq.SocketType` member (pyzmq's ``s.type``)."""
        try:
            return SocketType(self._core.socket_type)
        except ValueError:
            return self._core.socket_type

    @property
    def underlying(self) -> int:
        """A number standing for this socket (pyzmq: the libzmq pointer); pass it to
        :meth:`shadow`."""
        return id(self._core)

    def fileno(self) -> int:
        """The FD option: a descriptor readable when the socket's events may have
        changed (edge-triggered: check EVENTS until nothing is left)."""
        return int(self._core.get_fd())

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        d = self.__dict__
        core = d.get("_core")
        if core is not None and not d.get("_shadow") and not core.closed:
            try:
                core.close(0)
            except Exception:  # interpreter shutdown: best effort
                pass

    def close(self, linger: int | None = None) -> None:
        """Close the socket; queued messages are flushed for up to LINGER ms.

        Args:
            linger: overrides the LINGER option for this close (ms; -1 = forever).
        """
        context = self.context
        if context is not None:
            context._rm_socket(self)
        self._core.close(linger)

    # ------------------------------------------------------------------ endpoints
    def bind(self, addr: str | bytes) -> EndpointContext:
        """Bind to ``addr`` (``tcp://*:5555``, ``ipc:///tmp/x``, ``inproc://name``).

        Returns:
            A context manager that unbinds the resolved endpoint (LAST_ENDPOINT) on exit.
        """
        try:
            endpoints.bind(self._core, addr)
        except ZMQError as e:
            if e.errno == Errno.ENOTSOCK:
                raise
            raise _with_addr(e, addr) from None
        return EndpointContext(self, self._core.last_endpoint.decode(), "bind")

    def connect(self, addr: str | bytes) -> EndpointContext:
        """Connect to ``addr``; the connection is made (and remade) in the background.

        Returns:
            A context manager that disconnects on exit.
        """
        try:
            endpoints.connect(self._core, addr)
        except ZMQError as e:
            if e.errno == Errno.ENOTSOCK:
                raise
            raise _with_addr(e, addr) from None
        return EndpointContext(self, addr if isinstance(addr, str) else addr.decode(), "connect")

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
        """Set a socket option (libzmq numbers).

        Raises:
            ZMQError: EINVAL for an unknown option or a bad value.
            TypeError: a value of the wrong type (str for a bytes option: use
                :meth:`setsockopt_string`; bytes for an unknown option).
        """
        if option == SocketOption.HWM:
            self.set_hwm(value)
            return
        if option not in OPTIONS and not isinstance(value, int):
            # pyzmq passes unknown options to libzmq as ints only
            raise TypeError(f"unknown option {option}: only int values can be passed through")
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
                signal.drain()  # before the look: a change from now on signals again
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
            raise TypeError(f"strings only, not {type(value).__name__}: {value!r}")
        self.setsockopt(option, value.encode(encoding))

    def getsockopt_string(self, option: int, encoding: str = "utf-8") -> str:
        """Read a bytes option as text (TypeError for options that are not bytes)."""
        try:
            opt_type = getattr(SocketOption(option), "_opt_type", None)
            bytes_option = opt_type == _OptType.bytes
        except ValueError:
            bytes_option = False
        if not bytes_option:
            raise TypeError(f"option {option} will not return a string to be decoded")
        value = self.getsockopt(option)
        if not isinstance(value, bytes):
            raise TypeError(f"option {option} is not a bytes option")
        return value.decode(encoding)

    set_string = setsockopt_unicode = setsockopt_string
    get_string = getsockopt_unicode = getsockopt_string

    def set_hwm(self, value: int) -> None:
        """Set SNDHWM and RCVHWM together."""
        self._core.setsockopt(O.SNDHWM, value)
        self._core.setsockopt(O.RCVHWM, value)

    def get_hwm(self) -> int:
        """SNDHWM (pyzmq reports it for the combined HWM)."""
        return int(self._core.getsockopt(O.SNDHWM))

    hwm = property(get_hwm, set_hwm, doc="SNDHWM and RCVHWM together (reads SNDHWM).")

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

    def _outgoing_parts(
        self, msg_parts: Any, copy: bool, track: bool
    ) -> tuple[list[bytes], MessageTracker | None]:
        """The frames a send_multipart hands the engine, after any pending SNDMORE
        frames, and the tracker of its last part (both facades send through this)."""
        tracker = None
        if copy:
            parts = multipart_bytes(msg_parts)
        else:
            parts = []
            for p in msg_parts:
                part, tracker = zero_copy_part(p, track, self.copy_threshold)
                parts.append(part)
            if not parts:
                raise ValueError("cannot send an empty multipart message")
        if self._tx:
            parts = [*self._tx, *parts]
            self._tx.clear()
        return parts, tracker

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

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> Any:
        """Start monitoring and return a connected PAIR socket that receives the events.

        While that socket is open, later calls return it again (as in pyzmq).
        """
        mon = self._monitor_socket
        if mon is not None:
            if not mon.closed:
                return mon
            self._monitor_socket = None
        if addr is None:
            addr = f"inproc://monitor.s-{id(self._core):x}"
        self.monitor(addr, 0xFFFF if events is None else events)
        sock = self.context.socket(SocketType.PAIR)
        sock.connect(addr)
        self._monitor_socket = sock
        return sock

    def disable_monitor(self) -> None:
        """Stop monitoring (the monitor socket receives MONITOR_STOPPED)."""
        self._monitor_socket = None
        self._core.stop_monitor()

    @property
    def last_endpoint(self) -> bytes:
        """LAST_ENDPOINT."""
        return bytes(self._core.last_endpoint)


class EndpointContext:
    """What bind()/connect() return: usable as a context manager that undoes them.

    Args:
        socket: the socket that bound or connected.
        addr: the endpoint (for a bind, the resolved LAST_ENDPOINT).
        kind: ``"bind"`` or ``"connect"``.
    """

    __slots__ = ("addr", "kind", "socket")

    def __init__(self, socket: SocketBase, addr: str, kind: str) -> None:
        self.socket = socket
        self.addr = addr
        self.kind = kind

    def __enter__(self) -> Any:
        return self.socket

    def __exit__(self, *exc: object) -> None:
        if self.socket.closed:
            return
        if self.kind == "bind":
            self.socket.unbind(self.addr)
        else:
            self.socket.disconnect(self.addr)

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"


def _option_property(option: int) -> property:
    def fget(self: SocketBase) -> Any:
        try:
            return self.getsockopt(option)
        except ZMQError as e:
            # write-only options (SUBSCRIBE...) read as missing attributes, like pyzmq:
            # that is what lets unittest.mock and hasattr() inspect a socket
            if e.errno in (Errno.EINVAL, Errno.EFAULT):
                raise AttributeError(f"{SocketOption(option).name.lower()} is write-only") from e
            raise

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
