"""What the blocking and asyncio contexts share (sockets are made by ``_socket_class``).

A context object is a facade over one :class:`~purezmq.engine.context.ContextCore`.
Several facades may share a core (:meth:`ContextBase.shadow`, ``copy.copy(ctx)``,
``zmq.Context(async_ctx)``): that is how pyzmq's *shadow* contexts work, with the core's
``id`` standing in for libzmq's context pointer (``ctx.underlying``).
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any, ClassVar, TypeVar
from warnings import warn

from purezmq.constants import ContextOption, Errno, SocketOption
from purezmq.engine.context import DEFAULT_MAX_SOCKETS, ContextCore
from purezmq.error import ContextTerminated, ZMQError
from purezmq.socket_base import SocketBase

__all__ = ["ContextBase"]

T = TypeVar("T", bound="ContextBase")

_CONTEXT_DEFAULTS = {
    ContextOption.IO_THREADS: 1,
    ContextOption.MAX_SOCKETS: DEFAULT_MAX_SOCKETS,
    ContextOption.SOCKET_LIMIT: 65535,
    ContextOption.MAX_MSGSZ: 2**31 - 1,
    ContextOption.MSG_T_SIZE: 64,
}

#: ``ctx.underlying`` -> core, so ``Context.shadow(address)`` finds a live core by number
_CORES: weakref.WeakValueDictionary[int, ContextCore] = weakref.WeakValueDictionary()


def _core_at(address: int) -> ContextCore:
    """The live context core whose ``underlying`` is ``address`` (EFAULT if none)."""
    core = _CORES.get(address)
    if core is None:
        raise ZMQError(Errno.EFAULT, f"no purezmq context at address {address:#x}")
    return core


class ContextBase:
    """A ZeroMQ context: the home of sockets, their inproc names and their I/O thread.

    Args:
        io_threads: accepted for compatibility (purezmq runs one I/O loop per context);
            must be an int >= 0 (EINVAL otherwise). A context passed here is shadowed,
            as in ``zmq.Context(async_ctx)``.
        shadow: a context (or its ``underlying`` number) whose core this one shares.
    """

    _instance: ClassVar[ContextBase | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()
    _instance_pid: ClassVar[int] = 0
    _socket_class: ClassVar[type[SocketBase]] = SocketBase
    #: shown in repr (pyzmq's spelling); subclasses without their own show their own name
    _repr_cls: ClassVar[str] = "zmq.Context"

    _core: ContextCore
    #: default options for new sockets (``ctx.linger = 0``, :meth:`setsockopt`)
    sockopts: dict[int, Any]
    #: True for a facade sharing another context's core
    _shadow: bool
    #: what was shadowed, kept alive while this facade lives
    _shadow_obj: Any
    #: term() was called through this facade
    _closed: bool
    #: warn about sockets left open when destroy() closes them (``with ctx:``)
    _warn_destroy_close: bool
    _sockets: weakref.WeakSet[SocketBase]

    def __init__(self, io_threads: Any = 1, shadow: Any = 0) -> None:
        if isinstance(io_threads, ContextBase):
            shadow, io_threads = io_threads, 1
        if shadow:
            core = shadow._core if isinstance(shadow, ContextBase) else _core_at(int(shadow))
            self._shadow = True
            self._shadow_obj = shadow
        else:
            if isinstance(io_threads, bool) or not isinstance(io_threads, int) or io_threads < 0:
                raise ZMQError(Errno.EINVAL, f"invalid io_threads: {io_threads!r}")
            core = ContextCore()
            core.options[ContextOption.IO_THREADS] = io_threads
            _CORES[id(core)] = core
            self._shadow = False
            self._shadow_obj = None
        self._core = core
        self.sockopts = {}
        self._closed = False
        self._warn_destroy_close = False
        self._sockets = weakref.WeakSet()

    def __repr__(self) -> str:
        cls = type(self)
        repr_cls = cls.__dict__.get("_repr_cls") or f"{cls.__module__}.{cls.__name__}"
        closed = " closed" if self.closed else ""
        n = len(self._sockets)
        sockets = f"{n} socket{'s' if n > 1 else ''}" if n else ""
        return f"<{repr_cls}({sockets}) at {id(self):#x}{closed}>"

    def __dir__(self) -> list[str]:
        """The class's names plus the context option names (``IO_THREADS``...)."""
        return [*dir(type(self)), *ContextOption.__members__]

    @property
    def underlying(self) -> int:
        """The number standing for the shared core (pyzmq: the libzmq context pointer).

        Pass it to :meth:`shadow` to get another facade on the same context.
        """
        return id(self._core)

    @classmethod
    def shadow(cls: type[T], address: Any) -> T:
        """A new facade sharing the context ``address`` (a context or its ``underlying``).

        Sockets made by either share one inproc namespace and I/O thread; dropping the
        shadow leaves the original open.
        """
        return cls(shadow=address)

    def __copy__(self: T, memo: Any = None) -> T:
        """Copying a context gives a shadow of it (as in pyzmq)."""
        return type(self).shadow(self.underlying)

    __deepcopy__ = __copy__

    @classmethod
    def instance(cls: type[T], io_threads: int = 1) -> T:
        """The process-wide shared context (a fresh one in a forked child).

        As in pyzmq, a subclass without its own ``_instance = None`` shares its parent's
        instance.
        """
        inst = cls._instance
        if inst is None or cls._instance_pid != os.getpid() or inst.closed:
            with cls._instance_lock:
                inst = cls._instance
                if inst is None or cls._instance_pid != os.getpid() or inst.closed:
                    inst = cls(io_threads=io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst  # type: ignore[return-value]

    @property
    def closed(self) -> bool:
        """True once terminated (through this facade, or any if it is not a shadow)."""
        return self._closed or (not self._shadow and self._core.terminated)

    def socket(
        self, socket_type: int, socket_class: type[SocketBase] | None = None, **kwargs: Any
    ) -> Any:
        """Create a socket of ``socket_type``.

        Args:
            socket_type: ``purezmq.PUSH`` and friends.
            socket_class: the class to make (e.g. an asyncio socket on a blocking
                context); default: this context's flavour.
            **kwargs: passed to the socket class.

        Raises:
            ContextTerminated: this context was terminated (libzmq's ETERM; pyzmq's own
                check says ENOTSUP, but code written for purezmq and libzmq expects ETERM).
            ZMQError: EFAULT when it shadows a context that was terminated.
        """
        if self.closed:
            raise ContextTerminated()
        if self._core.terminated:
            raise ZMQError(Errno.EFAULT)
        cls = socket_class or self._socket_class
        sock = cls(self, socket_type, **kwargs)
        self._sockets.add(sock)
        return sock

    def _rm_socket(self, socket: SocketBase) -> None:
        """Forget a closed socket (it no longer counts in repr or destroy)."""
        sockets = getattr(self, "_sockets", None)
        if sockets is not None:
            sockets.discard(socket)

    def term(self) -> None:
        """Terminate: blocked calls raise ETERM; waits until every socket is closed."""
        self._closed = True
        self._core.term()

    def destroy(self, linger: int | None = None) -> None:
        """Close every socket (with ``linger`` if given), then terminate.

        Inside ``with ctx:`` a socket still open at exit is reported with a
        ResourceWarning, as pyzmq does.
        """
        if self.closed:
            return
        for sock in list(self._sockets):
            if not sock.closed:
                if self._warn_destroy_close:
                    warn(
                        f"Destroying context with unclosed socket {sock}",
                        ResourceWarning,
                        stacklevel=3,
                        source=sock,
                    )
                sock.close(linger)
        for core in self._core.sockets_snapshot():
            core.close(linger)
        self.term()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self._warn_destroy_close = True
        self.destroy()

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
        self.sockopts[option] = value

    def getsockopt(self, option: int) -> Any:
        """A default socket option set with :meth:`setsockopt`."""
        try:
            return self.sockopts[option]
        except KeyError:
            raise ZMQError(Errno.EINVAL) from None

    def __setattr__(self, key: str, value: Any) -> None:
        """``ctx.io_threads = 2`` sets a context option, ``ctx.linger = 0`` a default
        socket option; other names must be declared by the class (AttributeError)."""
        if key.startswith("_") or key in self.__dict__ or _declared(type(self), key):
            object.__setattr__(self, key, value)
            return
        name = key.upper()
        if name in ContextOption.__members__:
            self.set(ContextOption[name], value)
        elif name in SocketOption.__members__:
            self.sockopts[SocketOption[name]] = value
        else:
            raise AttributeError(f"No such context or socket option: {name}")

    def __getattr__(self, key: str) -> Any:
        """Context options and default socket options by name (``ctx.linger``)."""
        name = key.upper()
        if not key.startswith("_"):
            if name in ContextOption.__members__:
                return self.get(ContextOption[name])
            if name in SocketOption.__members__:
                opt = SocketOption[name]
                if opt in self.sockopts:
                    return self.sockopts[opt]
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    def __delattr__(self, key: str) -> None:
        """``del ctx.linger`` forgets a default socket option."""
        if key in self.__dict__:
            object.__delattr__(self, key)
            return
        name = key.upper()
        if name in SocketOption.__members__ and SocketOption[name] in self.sockopts:
            del self.sockopts[SocketOption[name]]
            return
        raise AttributeError(key)


def _declared(cls: type, key: str) -> bool:
    """Whether ``key`` is an attribute (or annotation) of ``cls`` or a base class."""
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in getattr(klass, "__annotations__", {}):
            return True
    return False
