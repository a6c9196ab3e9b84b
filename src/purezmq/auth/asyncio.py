"""ZAP authentication as a task on the running asyncio loop (pyzmq's ``zmq.auth.asyncio``).

The ZAP socket stays a blocking purezmq socket, as in pyzmq: an asyncio
:class:`purezmq.asyncio.Poller` waits for requests without blocking the loop, each
request is read with NOBLOCK and answered at once (a REP reply never blocks), and a
coroutine credentials callback is awaited on the same loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import warnings
from typing import Any

from purezmq.asyncio import Poller
from purezmq.auth.base import Authenticator
from purezmq.constants import Flag, PollEvent
from purezmq.error import Again, ZMQError

__all__ = ["AsyncioAuthenticator"]


class AsyncioAuthenticator(Authenticator):
    """ZAP authentication served by a task on the running event loop.

    Call :meth:`start` from a coroutine (it needs the running loop) and :meth:`stop`
    before terminating the context.

    Args:
        context: the context whose sockets are authenticated; default
            ``Context.instance()``.
        loop: deprecated and ignored (pyzmq compatibility): the running loop is used.
        encoding: text encoding of domains, addresses and credentials.
        log: a logger; default ``logging.getLogger("zmq.auth")``.
    """

    def __init__(
        self,
        context: Any = None,
        loop: Any = None,
        encoding: str = "utf-8",
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        super().__init__(context, encoding, log)
        if loop is not None:
            warnings.warn(
                f"{type(self).__name__}(loop) is deprecated and ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        self._poller: Poller | None = None
        self._task: asyncio.Task[None] | None = None

    async def _handle_zap(self) -> None:
        while True:
            poller = self._poller
            zap = self.zap_socket
            if poller is None or zap is None:
                return
            try:
                events = dict(await poller.poll())
                if zap not in events:
                    continue
                msg = zap.recv_multipart(Flag.NOBLOCK)
            except Again:
                continue
            except ZMQError as exc:
                # closed or terminated under us: nothing more to answer
                self.log.debug("ZAP task stopping: %s", exc)
                return
            result = self.handle_zap_message(msg)
            if inspect.isawaitable(result):  # a synchronous override is fine too
                await result

    def start(self) -> None:
        """Bind the ZAP socket and start serving it on the running loop.

        Raises:
            RuntimeError: no event loop is running in this thread.
            ZMQError: EADDRINUSE if another handler is bound in this context.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "AsyncioAuthenticator.start() needs a running event loop: call it from a coroutine"
            ) from None
        super().start()
        poller = Poller()
        poller.register(self.zap_socket, PollEvent.POLLIN)
        self._poller = poller
        self._task = loop.create_task(self._handle_zap(), name="purezmq-zap-authenticator")

    def stop(self) -> None:
        """Stop serving and close the ZAP socket. Idempotent."""
        task, self._task = self._task, None
        if task is not None:
            try:
                task.cancel()
            except RuntimeError:
                pass  # its loop is already closed: the task can never run again
        if self._poller is not None and self.zap_socket is not None:
            self._poller.unregister(self.zap_socket)
        self._poller = None
        super().stop()
