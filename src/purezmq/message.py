"""Frame (alias Message) and MessageTracker, as pyzmq has them.

A :class:`Frame` is a ``bytearray`` subclass: like pyzmq's frames it exposes a
*writable* buffer (``memoryview(frame)``, ``numpy.frombuffer(frame)``) in pure Python on
every supported version, compares equal to the bytes it holds, and carries what pyzmq
frames carry: ``more``, a ``tracker``, and the message properties of the connection it
came from (``frame.get("User-Id")``, ``frame["Socket-Type"]``).

Tracking: a zero-copy (``copy=False``) send of ``track=True`` data hands the engine
:class:`TrackedBytes` parts; each one holds its message's :class:`_Hold` until purezmq
drops it (written to the wire, or received and released by an inproc peer). A tracked
``Frame`` is one more holder, released when the frame is garbage collected, so
``frame.tracker.done`` turns True only once the frame is gone and every send of it has
completed, exactly as with libzmq's zero-copy messages.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from purezmq.constants import Errno, MessageOption
from purezmq.error import NotDone, ZMQError

__all__ = [
    "COPY_THRESHOLD",
    "FINISHED_TRACKER",
    "Frame",
    "Message",
    "MessageTracker",
    "TrackedBytes",
    "track_part",
]

#: ``bytes`` itself: inside Frame the name is shadowed by the ``Frame.bytes`` property
_Bytes = bytes

#: Zero-copy sends smaller than this are copied (pyzmq's default): their trackers are
#: done at once. Larger ones are tracked until purezmq releases them.
COPY_THRESHOLD = 65536


class MessageTracker:
    """Tells when purezmq no longer needs the memory of a message sent with copy=False.

    Args:
        *towatch: :class:`threading.Event` objects, other trackers, or tracked Frames.
    """

    def __init__(self, *towatch: Any) -> None:
        self.events: set[threading.Event] = set()
        self.peers: set[MessageTracker] = set()
        for obj in towatch:
            if isinstance(obj, threading.Event):
                self.events.add(obj)
            elif isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif isinstance(obj, Frame):
                if obj.tracker is None:
                    raise ValueError("Not a tracked message")
                self.peers.add(obj.tracker)
            else:
                raise TypeError(f"Require Events or Message Frames, not {type(obj)}")

    @property
    def done(self) -> bool:
        """True once every tracked message is done."""
        return all(e.is_set() for e in self.events) and all(p.done for p in self.peers)

    def wait(self, timeout: float | int = -1) -> None:
        """Wait up to ``timeout`` seconds (-1: forever); raises NotDone on timeout."""
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        for e in self.events:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not e.wait(remaining):
                raise NotDone()
        for p in self.peers:
            remaining = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            p.wait(remaining)


def _finished() -> MessageTracker:
    e = threading.Event()
    e.set()
    return MessageTracker(e)


#: A tracker that is already done (copied sends, pyzmq's ``zmq._FINISHED_TRACKER``).
FINISHED_TRACKER = _finished()


class _Hold:
    """A count of the holders of one tracked message; sets ``event`` when it drops to 0."""

    __slots__ = ("_lock", "count", "event", "frame_ref")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.event = threading.Event()
        self.frame_ref: weakref.ref[Frame] | None = None

    def acquire(self) -> None:
        with self._lock:
            self.count += 1

    def release(self, _: object = None) -> None:
        with self._lock:
            self.count -= 1
            if self.count <= 0:
                self.event.set()


class TrackedBytes(bytes):
    """A frame given to the engine by a tracked zero-copy send: releases its
    message's hold when purezmq drops it."""

    _hold: _Hold

    def __del__(self) -> None:
        hold = self.__dict__.get("_hold")
        if hold is not None:
            hold.release()

    def __reduce__(self) -> Any:
        # copies and pickles are plain bytes: only the object purezmq was given holds
        return (_Bytes, (_Bytes(self),))


def _tracked_part(data: _Bytes, hold: _Hold) -> TrackedBytes:
    part = TrackedBytes(data)
    hold.acquire()
    part._hold = hold
    return part


def track_part(data: _Bytes) -> tuple[TrackedBytes, MessageTracker]:
    """``data`` as a tracked part of a zero-copy send, and its (not yet done) tracker."""
    hold = _Hold()
    return _tracked_part(data, hold), MessageTracker(hold.event)


class Frame(bytearray):
    """One message frame, for ``copy=False`` sends and receives.

    Args:
        data: any C-contiguous bytes-like object (str is refused, as in pyzmq).
        track: give the frame a :class:`MessageTracker`. A frame made with
            ``copy=False`` (or ``copy=None`` and at least ``copy_threshold`` bytes) is
            tracked until it is garbage collected and every send of it has completed;
            otherwise its tracker is done at once.
        copy: whether the data counts as copied (see ``track``); the content is always
            held by the frame itself.
        copy_threshold: the size from which ``copy=None`` means zero-copy.

    Frames compare equal to their content; they hash by identity, like pyzmq's.
    """

    __slots__ = ("__weakref__", "_buffer", "_bytes", "_hold", "_properties", "more", "tracker")

    more: bool
    tracker: MessageTracker | None
    _properties: Mapping[str, _Bytes]
    _bytes: _Bytes | None
    _buffer: weakref.ref[memoryview] | None
    _hold: _Hold | None

    __hash__ = object.__hash__  # type: ignore[assignment]

    def __init__(
        self,
        data: Any = None,
        track: bool = False,
        copy: bool | None = None,
        copy_threshold: int | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        if data is None:
            super().__init__()
        elif isinstance(data, (_Bytes, bytearray)):
            super().__init__(data)
        else:
            try:
                view = memoryview(data)
            except TypeError:
                raise TypeError(
                    f"Frame data must support the buffer interface, not {type(data).__name__}"
                ) from None
            if not view.contiguous:
                raise BufferError("Frame data must be a contiguous buffer")
            super().__init__(view.cast("B") if view.ndim != 1 or view.itemsize != 1 else view)
        self.more = False
        self._properties = {}
        self._bytes = None
        self._buffer = None
        self._hold = None
        self.tracker = None
        if track:
            if copy is None:
                threshold = COPY_THRESHOLD if copy_threshold is None else copy_threshold
                copy = len(self) < threshold
            if copy:
                self.tracker = FINISHED_TRACKER
            else:
                hold = _Hold()
                hold.acquire()  # the frame itself, until it is collected
                hold.frame_ref = weakref.ref(self, hold.release)
                self._hold = hold
                self.tracker = MessageTracker(hold.event)

    @classmethod
    def _received(cls, data: _Bytes, more: bool, properties: Mapping[str, _Bytes]) -> Frame:
        f = cls(data)
        f.more = more
        f._properties = properties
        if type(data) is _Bytes:
            f._bytes = data  # immutable and already a copy: serve .bytes without another
        return f

    def _send_part(self) -> _Bytes:
        """This frame as a part of a zero-copy send (held if the frame is tracked)."""
        hold = self._hold
        if hold is not None:
            return _tracked_part(self.bytes, hold)
        return self.bytes

    @property
    def bytes(self) -> _Bytes:
        """The content as ``bytes`` (copied once, then the same object each time)."""
        b = self._bytes
        if b is None:
            b = self._bytes = _Bytes(self)
        return b

    @property
    def buffer(self) -> memoryview:
        """A (writable) memoryview of the content; the same one while it is alive."""
        ref = self._buffer
        view = ref() if ref is not None else None
        if view is None:
            view = memoryview(self)
            self._buffer = weakref.ref(view)
        return view

    def __copy__(self) -> Frame:
        return self.fast_copy()

    def fast_copy(self) -> Frame:
        """A new Frame with this one's content, ``more``, tracker and properties."""
        f = Frame(self)
        f.more = self.more
        f.tracker = self.tracker
        f._properties = self._properties
        f._bytes = self._bytes
        hold = self._hold
        if hold is not None:
            hold.acquire()  # the copy holds the message too, until it is collected
            f._hold = hold
            weakref.finalize(f, hold.release)
        return f

    def get(self, option: int | str | _Bytes) -> int | str:
        """A frame option (``MORE``) or a message property (``"User-Id"``...)."""
        if isinstance(option, int):
            if option == MessageOption.MORE:
                return 1 if self.more else 0
            if option == MessageOption.SHARED:
                return 0
            raise ZMQError(Errno.EINVAL)
        if isinstance(option, _Bytes):
            option = option.decode("utf-8")
        if not isinstance(option, str):
            raise TypeError(f"expected str, got: {option!r}")
        if option in ("routing_id", "group"):
            raise ZMQError(Errno.ENOTSUP, f"{option} is for draft socket types")
        for name, value in self._properties.items():
            if name.lower() == option.lower():
                return value.decode("utf-8", "replace")
        raise ZMQError(Errno.EINVAL, f"no such message property: {option}")

    def __getitem__(self, key: Any) -> Any:
        """``frame["User-Id"]`` reads a property; integers and slices index the content."""
        if isinstance(key, (str, _Bytes)):
            return self.get(key)
        return super().__getitem__(key)

    def set(self, option: int | str, value: Any) -> None:
        """Set a frame option (only MORE is meaningful)."""
        if option == MessageOption.MORE:
            self.more = bool(value)
            return
        raise ZMQError(Errno.EINVAL)

    def __repr__(self) -> str:
        n = len(self)
        if n <= 16:
            return f"<zmq.Frame({_Bytes(self)!r})>"
        head = _Bytes(self[:12])
        # pyzmq's thresholds (MB from 2**20, then decimal units)
        if n >= 1e9:
            size = f"{n // 1e9:.0f}GB"
        elif n >= 2**20:
            size = f"{n // 1e6:.0f}MB"
        elif n >= 1e3:
            size = f"{n // 1e3:.0f}kB"
        else:
            size = f"{n}B"
        return f"<zmq.Frame({head!r}...{size})>"

    __str__ = __repr__  # pyzmq: str(frame) is its repr, not the decoded content

    def __reduce__(self) -> Any:
        return (Frame, (_Bytes(self),))


#: pyzmq's old name for Frame.
Message = Frame
