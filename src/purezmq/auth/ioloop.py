"""Deprecated: the tornado flavour of :mod:`purezmq.auth.asyncio` (pyzmq's ``zmq.auth.ioloop``).

tornado runs on asyncio, so :class:`~purezmq.auth.asyncio.AsyncioAuthenticator` serves
tornado applications too; this module only keeps old imports working.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from purezmq.auth.asyncio import AsyncioAuthenticator

__all__ = ["IOLoopAuthenticator"]

warnings.warn(
    "purezmq.auth.ioloop.IOLoopAuthenticator is deprecated. "
    "Use purezmq.auth.asyncio.AsyncioAuthenticator",
    DeprecationWarning,
    stacklevel=2,
)


class IOLoopAuthenticator(AsyncioAuthenticator):
    """ZAP authentication for the tornado IOLoop (deprecated alias of the asyncio one).

    Args:
        context: the context whose sockets are authenticated.
        encoding: text encoding of domains, addresses and credentials.
        log: a logger; default ``logging.getLogger("zmq.auth")``.
        io_loop: deprecated and ignored: the running asyncio loop is used.
    """

    def __init__(
        self,
        context: Any = None,
        encoding: str = "utf-8",
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
        io_loop: Any = None,
    ) -> None:
        if io_loop is not None:
            warnings.warn(
                f"{type(self).__name__}(io_loop) is deprecated and ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(context=context, encoding=encoding, log=log)
