"""What the blocking and asyncio contexts share (sockets are made by ``_socket_class``)."""

from __future__ import annotations

import os
import threading
from typing import Any, ClassVar, TypeVar

from purezmq.constants import ContextOption, Errno, SocketOption
from purezmq.engine.context import ContextCore
from purezmq.error import ContextTerminated, ZMQError
from purezmq.socket_base import SocketBase

__all__ = ["ContextBase"]

T = TypeVar("T", bound="ContextBase")

_CONTEXT_DEFAULTS = {
    ContextOption.IO_THREADS: 1,
    ContextOption.MAX_SOCKETS: 1023,
    ContextOption.SOCKET_LIMIT: 65535,
    ContextOption.MAX_MSGSZ: 2**31 - 1,
    ContextOption.MSG_T_SIZE: 64,
}


class ContextBase:
    """A ZeroMQ context: the home of sockets, their inproc names and their I/O thread.

    Args:
        io_threads: accepted for compatibility (purezmq runs one I/O loop per context).
    """

    _instance: ClassVar[ContextBase | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()
    _instance_pid: ClassVar[int] = 0
    _socket_class: ClassVar[type[SocketBase]] = SocketBase

    def __init__(self, io_threads: int = 1, **kwargs: Any) -> None:
        if kwargs.get("shadow") is not None:
            raise ZMQError(Errno.ENOTSUP, "purezmq contexts cannot shadow libzmq contexts")
        self._core = ContextCore()
        self._core.options[ContextOption.IO_THREADS] = io_threads
        self._sockopts: dict[int, Any] = {}
        self._closed = False

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        n = len(self._core.sockets)
        return (
            f"<{type(self).__module__}.{type(self).__name__}({n} sockets) at {id(self):#x}{closed}>"
        )

    @classmethod
    def instance(cls: type[T], io_threads: int = 1) -> T:
        """The process-wide shared context (a fresh one in a forked child)."""
        with cls._instance_lock:
            inst = cls._instance
            if (
                inst is None
                or inst.closed
                or cls._instance_pid != os.getpid()
                or not isinstance(inst, cls)
            ):
                inst = cls(io_threads)
                cls._instance = inst
                cls._instance_pid = os.getpid()
            return inst

    @property
    def closed(self) -> bool:
        """True once terminated."""
        return self._core.terminated

    def socket(
        self, socket_type: int, socket_class: type[SocketBase] | None = None, **kwargs: Any
    ) -> Any:
        """Create a socket of ``socket_type``."""
        if self.closed:
            raise ContextTerminated()
        cls = socket_class or self._socket_class
        return cls(self, socket_type, **kwargs)

    def term(self) -> None:
        """Terminate: blocked calls raise ETERM; waits until every socket is closed."""
        self._core.term()

    def destroy(self, linger: int | None = None) -> None:
        """Close every socket (with ``linger`` if given), then terminate."""
        for core in self._core.sockets_snapshot():
            core.close(linger)
        self.term()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.term()

    # ------------------------------------------------------------------ options
    def set(self, option: int, value: int) -> None:
        """Set a context option."""
        try:
            ContextOption(option)
        except ValueError:
            raise ZMQError(Errno.EINVAL) from None
        if not isinstance(value, int):
            raise TypeError("context options are ints")
        self._core.options[option] = value

    def get(self, option: int) -> int:
        """Read a context option."""
        try:
            ContextOption(option)
        except ValueError:
            raise ZMQError(Errno.EINVAL) from None
        value = self._core.options.get(option)
        if value is None:
            value = _CONTEXT_DEFAULTS.get(ContextOption(option), 0)
        return int(value)

    def setsockopt(self, option: int, value: Any) -> None:
        """Default socket option for sockets created after this call."""
        self._sockopts[option] = value

    def getsockopt(self, option: int) -> Any:
        """A default socket option set with :meth:`setsockopt`."""
        try:
            return self._sockopts[option]
        except KeyError:
            raise ZMQError(Errno.EINVAL) from None

    def __setattr__(self, key: str, value: Any) -> None:
        if not key.startswith("_"):
            name = key.upper()
            if name in ContextOption.__members__:
                self.set(ContextOption[name], value)
                return
            if name in SocketOption.__members__:
                self._sockopts[SocketOption[name]] = value
                return
        object.__setattr__(self, key, value)

    def __getattr__(self, key: str) -> Any:
        name = key.upper()
        if not key.startswith("_"):
            if name in ContextOption.__members__:
                return self.get(ContextOption[name])
            if name in SocketOption.__members__:
                opt = SocketOption[name]
                if opt in self._sockopts:
                    return self._sockopts[opt]
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")
