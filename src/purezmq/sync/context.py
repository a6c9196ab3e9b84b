"""The blocking Context, pyzmq-compatible."""

from __future__ import annotations

from typing import ClassVar

from purezmq.context_base import ContextBase
from purezmq.socket_base import SocketBase
from purezmq.sync.socket import Socket

__all__ = ["Context"]


class Context(ContextBase):
    """A ZeroMQ context whose sockets block (pyzmq's ``zmq.Context``).

    Args:
        io_threads: accepted for compatibility (purezmq runs one I/O loop per context);
            a context passed here is shadowed (``zmq.Context(async_ctx)``).
        shadow: a context (or its ``underlying``) to share.
    """

    _socket_class: ClassVar[type[SocketBase]] = Socket
    _instance: ClassVar[ContextBase | None] = None
    _repr_cls: ClassVar[str] = "zmq.Context"
