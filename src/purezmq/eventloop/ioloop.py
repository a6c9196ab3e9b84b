"""Deprecated: use :mod:`tornado.ioloop` directly.

pyzmq 17 made its own IOLoop unnecessary (tornado runs on asyncio and ZeroMQ sockets
need no special loop); ``zmq.eventloop.ioloop`` survives as an alias of tornado's,
and so does this module. Importing it warns with :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings

from tornado.ioloop import IOLoop, PeriodicCallback

__all__ = ["IOLoop", "PeriodicCallback", "ZMQIOLoop", "install"]

_MESSAGE = (
    "purezmq.eventloop.ioloop is deprecated (as zmq.eventloop.ioloop is since pyzmq 17):"
    " use tornado.ioloop directly; no special event loop is needed."
)


def _warn(stacklevel: int) -> None:
    warnings.warn(_MESSAGE, DeprecationWarning, stacklevel=stacklevel + 1)


_warn(2)

#: The same class as :class:`tornado.ioloop.IOLoop`.
ZMQIOLoop = IOLoop


def install() -> None:
    """Deprecated no-op: tornado's default IOLoop already works with purezmq."""
    _warn(2)
