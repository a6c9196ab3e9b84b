"""Frame (alias Message) and MessageTracker, as pyzmq has them.

A :class:`Frame` is an immutable ``bytes`` subclass: it supports the buffer protocol
(``memoryview(frame)``, ``numpy.frombuffer(frame)``) in pure Python, compares equal to
the bytes it holds, and carries what pyzmq frames carry: ``more``, a ``tracker``, and
the message properties of the connection it came from (``frame.get("User-Id")``,
``frame["Socket-Type"]``, ``frame.get("Peer-Address")``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from purezmq.constants import Errno, MessageOption
from purezmq.error import NotDone, ZMQError

__all__ = ["COPY_THRESHOLD", "FINISHED_TRACKER", "Frame", "Message", "MessageTracker"]

#: ``bytes`` itself: inside Frame the name is shadowed by the ``Frame.bytes`` property
_Bytes = bytes

#: pyzmq copies frames smaller than this on send; purezmq always hands the engine an
#: immutable bytes object, so the value only matters for API compatibility.
COPY_THRESHOLD = 65536


class MessageTracker:
    """Tells when purezmq no longer needs the memory of a message sent with copy=False.

    purezmq hands the engine an immutable copy (or the caller's own immutable ``bytes``)
    when ``send`` returns, so the caller's buffer is released at once: trackers are done
    as soon as the send has completed.
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


#: A tracker that is already done (what every purezmq send completes with).
FINISHED_TRACKER = _finished()


class Frame(bytes):
    """One message frame, for ``copy=False`` sends and receives.

    Args:
        data: any bytes-like object (str is refused, as in pyzmq).
        track: give the frame a :class:`MessageTracker`.
        copy: accepted for compatibility; the data is always held immutably.
        copy_threshold: accepted for compatibility.
    """

    more: bool
    tracker: MessageTracker | None
    _properties: Mapping[str, _Bytes]

    def __new__(
        cls,
        data: Any = None,
        track: bool = False,
        copy: bool | None = None,
        copy_threshold: int | None = None,
        **kwargs: Any,
    ) -> Frame:
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        if data is None:
            data = b""
        self = super().__new__(cls, data if isinstance(data, bytes) else memoryview(data))
        self.more = False
        self.tracker = FINISHED_TRACKER if track else None
        self._properties = {}
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    @classmethod
    def _received(cls, data: _Bytes, more: bool, properties: Mapping[str, _Bytes]) -> Frame:
        f = cls(data)
        f.more = more
        f._properties = properties
        return f

    @property
    def bytes(self) -> bytes:
        """The content as plain ``bytes``."""
        return bytes(self)

    @property
    def buffer(self) -> memoryview:
        """A memoryview of the content."""
        return memoryview(self)

    def __copy__(self) -> Frame:
        return self.fast_copy()

    def fast_copy(self) -> Frame:
        """A new Frame sharing this one's content, tracker and properties."""
        f = Frame(self)
        f.more = self.more
        f.tracker = self.tracker
        f._properties = self._properties
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
        if isinstance(key, (str, bytes)) and not isinstance(key, Frame):
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
        if n > 16:
            head = bytes(self[:12])
            for limit, unit in ((1e9, "GB"), (2**20, "MB"), (1e3, "kB")):
                if n >= limit:
                    return f"<purezmq.Frame({head!r}...{n // limit:.0f}{unit})>"
            return f"<purezmq.Frame({head!r}...{n}B)>"
        return f"<purezmq.Frame({bytes(self)!r})>"

    __str__ = __repr__  # pyzmq: str(frame) is its repr, not the decoded content


#: pyzmq's old name for Frame.
Message = Frame
