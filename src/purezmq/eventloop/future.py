"""Future-returning sockets for tornado coroutines (pyzmq's ``zmq.eventloop.future``).

Tornado >= 5 runs on asyncio and its ``tornado.concurrent.Future`` *is*
:class:`asyncio.Future`, so these are the :mod:`purezmq.asyncio` classes under the
names pyzmq gives them: ``await sock.recv()`` works in tornado coroutines
(``IOLoop.run_sync``, ``gen.with_timeout``...), and :class:`CancelledError` is asyncio's.

The only tornado-specific part is :meth:`Socket._get_loop`: it registers the socket's
FD with the current tornado IOLoop, so ``IOLoop.close(all_fds=True)`` closes the
socket, as in pyzmq. Importing this module imports tornado (an optional dependency).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from tornado.ioloop import IOLoop

from purezmq.asyncio import Context as _AsyncContext
from purezmq.asyncio import Poller as _AsyncPoller
from purezmq.asyncio import Socket as _AsyncSocket
from purezmq.constants import SocketOption
from purezmq.context_base import ContextBase
from purezmq.socket_base import SocketBase

__all__ = ["CancelledError", "Context", "Poller", "Socket"]

#: What awaiting a cancelled future raises (tornado futures are asyncio futures).
CancelledError = asyncio.CancelledError


class Socket(_AsyncSocket):
    """A socket whose send/recv/poll return futures usable from tornado coroutines."""

    _repr_cls = "zmq.eventloop.future.Socket"
    #: the tornado IOLoop this socket's FD is registered with (see :meth:`_get_loop`)
    _tornado_loop: Any = None

    @classmethod
    def _default_context(cls) -> Any:
        return Context.instance()

    def _get_loop(self) -> IOLoop:
        """The current tornado IOLoop, with this socket registered on it (its FD), so
        that ``loop.close(all_fds=True)`` closes the socket as pyzmq's does."""
        loop = IOLoop.current()
        if self._tornado_loop is not loop:
            self._forget_loop()
            loop.add_handler(self, self._on_fd, IOLoop.READ)
            self._tornado_loop = loop
        return loop

    def _on_fd(self, fd: Any, events: int) -> None:
        # the FD only says "events may have changed": reading EVENTS re-arms it;
        # futures are woken by the socket's own waiters
        if not self.closed:
            self.getsockopt(SocketOption.EVENTS)

    def _forget_loop(self) -> None:
        loop = self._tornado_loop
        if loop is not None:
            self._tornado_loop = None
            try:
                loop.remove_handler(self)
            except (KeyError, ValueError, RuntimeError):
                pass  # already gone with a closed loop

    def close(self, linger: int | None = None) -> None:
        """Close the socket (and stop watching it on the tornado IOLoop)."""
        if not self.closed:
            self._forget_loop()
        super().close(linger)


class Poller(_AsyncPoller):
    """Poll sockets and descriptors; ``poll`` returns a future."""


class Context(_AsyncContext):
    """A context whose sockets are :class:`Socket`."""

    _socket_class: ClassVar[type[SocketBase]] = Socket
    _instance: ClassVar[ContextBase | None] = None
    _repr_cls: ClassVar[str] = "zmq.eventloop.future.Context"
