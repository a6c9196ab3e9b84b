"""Errors with libzmq's error numbers, in pyzmq's class hierarchy.

Every error raised by purezmq's API is a :class:`ZMQError` carrying the errno libzmq
would report for the same misuse, so code that checks ``e.errno == zmq.EAGAIN`` works.
"""

from __future__ import annotations

import os

from purezmq.constants import Errno

__all__ = [
    "Again",
    "ContextTerminated",
    "InterruptedSystemCall",
    "NotDone",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "ZMQVersionError",
    "strerror",
]

#: Messages for the errors libzmq defines itself; system errors use os.strerror.
_ZMQ_MESSAGES: dict[int, str] = {
    Errno.EFSM: "Operation cannot be accomplished in current state",
    Errno.ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
    Errno.ETERM: "Context was terminated",
    Errno.EMTHREAD: "No thread available",
}


def strerror(errno: int) -> str:
    """Return the message libzmq gives for ``errno``."""
    msg = _ZMQ_MESSAGES.get(errno)
    if msg is not None:
        return msg
    if errno == Errno.ENOTSUP:
        return "Operation not supported"
    return os.strerror(errno)


class ZMQBaseError(Exception):
    """Base class for every purezmq exception."""


class ZMQError(ZMQBaseError):
    """An error with a libzmq errno.

    Args:
        errno: the error number (libzmq's value). ``None`` means EINVAL-like generic error.
        msg: an explicit message; defaults to :func:`strerror` of ``errno``.
    """

    errno: int | None
    strerror: str

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        if isinstance(errno, ZMQError):  # pragma: no cover - pyzmq accepts this too
            errno = errno.errno
        self.errno = errno
        if msg is None:
            msg = strerror(errno) if errno is not None else "Unknown error"
        self.strerror = msg
        super().__init__(msg)

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        if self.errno is not None:
            try:
                name = Errno(self.errno).name
            except ValueError:
                name = str(self.errno)
            return f"{type(self).__name__}('{self.strerror}') [{name}]"
        return f"{type(self).__name__}('{self.strerror}')"


def _subclass_init(self: ZMQError, errno: int | str | None, msg: str | None) -> None:
    # pyzmq's subclasses accept being called as Again() or Again(errno) or Again(msg)
    if isinstance(errno, str) and msg is None:
        msg, errno = errno, None
    ZMQError.__init__(self, errno if isinstance(errno, int) else None, msg)


class Again(ZMQError):
    """EAGAIN: the operation would block (NOBLOCK, or a timeout expired)."""

    def __init__(self, errno: int | str | None = Errno.EAGAIN, msg: str | None = None) -> None:
        _subclass_init(self, Errno.EAGAIN if errno is None else errno, msg)


class ContextTerminated(ZMQError):
    """ETERM: the context was terminated while the call was in progress."""

    def __init__(self, errno: int | str | None = Errno.ETERM, msg: str | None = None) -> None:
        _subclass_init(self, Errno.ETERM if errno is None else errno, msg)


class NotDone(ZMQError):
    """ETIMEDOUT-like: a MessageTracker wait timed out."""

    def __init__(self, errno: int | str | None = Errno.ETIMEDOUT, msg: str | None = None) -> None:
        _subclass_init(self, Errno.ETIMEDOUT if errno is None else errno, msg)


class InterruptedSystemCall(ZMQError, InterruptedError):  # type: ignore[misc]
    """EINTR: a blocking call was interrupted by a signal."""

    def __init__(self, errno: int | str | None = Errno.EINTR, msg: str | None = None) -> None:
        _subclass_init(self, Errno.EINTR if errno is None else errno, msg)


class ZMQBindError(ZMQBaseError):
    """bind_to_random_port found no free port."""


class ZMQVersionError(NotImplementedError):
    """A feature needs a newer libzmq than the one emulated."""

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        self.min_version = min_version
        self.msg = msg
        super().__init__(f"{msg} requires libzmq >= {min_version}, have 4.3.5")


def _raise_for(errno: int, msg: str | None = None) -> ZMQError:
    """Build the most specific ZMQError subclass for ``errno``."""
    if errno == Errno.EAGAIN:
        return Again(errno, msg)
    if errno == Errno.ETERM:
        return ContextTerminated(errno, msg)
    if errno == Errno.EINTR:
        return InterruptedSystemCall(errno, msg)
    return ZMQError(errno, msg)
