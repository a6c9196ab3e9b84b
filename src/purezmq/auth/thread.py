"""ZAP authentication in a background thread (pyzmq's ``zmq.auth.thread``).

The thread polls two sockets: the authenticator's ZAP socket and one end of an inproc
PAIR pipe that :meth:`ThreadAuthenticator.stop` uses to tell it to finish (a socket
rather than a flag, so the thread sleeps in ``poll`` instead of waking up to check).
It keeps one asyncio event loop of its own for the whole run, so a CURVE credentials
callback may be a coroutine function, and a provider that holds loop-bound resources
sees the same loop on every call.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any

from purezmq.auth.base import Authenticator
from purezmq.constants import Flag, PollEvent, SocketOption, SocketType
from purezmq.error import Again, ZMQError
from purezmq.sync.poll import Poller
from purezmq.sync.socket import Socket

__all__ = ["AuthenticationThread", "ThreadAuthenticator"]

#: The stop command sent over the pipe (pyzmq's word for it).
TERMINATE = b"TERMINATE"
#: How long start() waits for the thread to come up (seconds), as in pyzmq.
START_TIMEOUT = 10.0
#: How long the pipe lingers (ms): only a TERMINATE is ever in flight on it.
_PIPE_LINGER = 1


class AuthenticationThread(threading.Thread):
    """The thread that runs an :class:`Authenticator`'s ZAP handler.

    Args:
        authenticator: whose ZAP socket to serve (already started).
        pipe: this thread's end of the command pipe; the thread closes it on exit.

    Attributes:
        started: set once the thread is polling.
    """

    def __init__(self, authenticator: Authenticator, pipe: Socket) -> None:
        super().__init__(daemon=True, name="purezmq-zap-authenticator")
        self.authenticator = authenticator
        self.log = authenticator.log
        self.pipe: Socket | None = pipe
        self.started = threading.Event()

    def run(self) -> None:
        """Serve ZAP requests until TERMINATE arrives on the pipe."""
        loop = asyncio.new_event_loop()
        try:
            self._serve(loop)
        except ZMQError as exc:
            # the context was terminated under us: nothing more to answer
            self.log.debug("ZAP thread stopping: %s", exc)
        finally:
            self.started.set()  # never leave start() waiting
            if self.pipe is not None:
                self.pipe.close()
                self.pipe = None
            loop.close()

    def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        pipe = self.pipe
        zap = self.authenticator.zap_socket
        if pipe is None or zap is None:
            return
        poller = Poller()
        poller.register(pipe, PollEvent.POLLIN)
        poller.register(zap, PollEvent.POLLIN)
        self.started.set()
        while True:
            events = dict(poller.poll())
            if pipe in events and self._handle_pipe_message(pipe):
                return
            if zap in events:
                try:
                    msg = zap.recv_multipart(Flag.NOBLOCK)
                except Again:
                    continue
                # a subclass may still override handle_zap_message synchronously (the
                # pyzmq < 25 signature)
                result = self.authenticator.handle_zap_message(msg)
                if inspect.isawaitable(result):
                    loop.run_until_complete(result)

    def _handle_pipe_message(self, pipe: Socket) -> bool:
        """Run one API command; True to stop."""
        try:
            msg = pipe.recv_multipart(Flag.NOBLOCK)
        except Again:
            return False
        command = msg[0] if msg else b""
        self.log.debug("auth received API command %r", command)
        if command == TERMINATE:
            return True
        self.log.error("Invalid auth command from API: %r", command)
        pipe.send(b"ERROR")
        return False


class ThreadAuthenticator(Authenticator):
    """Run ZAP authentication in a background thread.

    Configure the policy (``allow``, ``configure_plain``, ``configure_curve``, ...)
    before or after :meth:`start`; call :meth:`stop` before terminating the context.

    Args:
        context: the context whose sockets are authenticated; default
            ``Context.instance()``. An asyncio context works too.
        encoding: text encoding of domains, addresses and credentials.
        log: a logger; default ``logging.getLogger("zmq.auth")``.

    Attributes:
        pipe: the API end of the command pipe (None when stopped).
        pipe_endpoint: the pipe's inproc endpoint.
        thread: the :class:`AuthenticationThread` (None when stopped).
    """

    pipe: Socket | None
    pipe_endpoint: str
    thread: AuthenticationThread | None

    def __init__(
        self,
        context: Any = None,
        encoding: str = "utf-8",
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        super().__init__(context=context, encoding=encoding, log=log)
        self.pipe = None
        self.pipe_endpoint = f"inproc://{id(self)}.inproc"
        self.thread = None

    def start(self) -> None:
        """Bind the ZAP socket and start the thread.

        Raises:
            ZMQError: EADDRINUSE if another handler is bound in this context.
            RuntimeError: the thread did not start within 10 seconds.
        """
        super().start()
        made: list[Socket] = []
        try:
            pipe: Socket = self.context.socket(SocketType.PAIR, socket_class=Socket)
            made.append(pipe)
            pipe.setsockopt(SocketOption.LINGER, _PIPE_LINGER)
            pipe.bind(self.pipe_endpoint)
            thread_pipe: Socket = self.context.socket(SocketType.PAIR, socket_class=Socket)
            made.append(thread_pipe)
            thread_pipe.setsockopt(SocketOption.LINGER, _PIPE_LINGER)
            thread_pipe.connect(self.pipe_endpoint)
        except BaseException:
            for sock in made:
                sock.close(0)
            super().stop()
            raise
        self.pipe = pipe
        self.thread = AuthenticationThread(self, thread_pipe)
        self.thread.start()
        if not self.thread.started.wait(timeout=START_TIMEOUT):
            raise RuntimeError("Authenticator thread failed to start")

    def stop(self) -> None:
        """Stop the thread (waiting for it) and close the ZAP socket. Idempotent."""
        pipe = self.pipe
        if pipe is not None:
            thread = self.thread
            if thread is not None and thread.is_alive():
                pipe.send(TERMINATE)
                thread.join()
            self.thread = None
            pipe.close()
            self.pipe = None
        super().stop()

    def is_alive(self) -> bool:
        """True while the ZAP thread runs."""
        return bool(self.thread is not None and self.thread.is_alive())

    def __del__(self) -> None:
        # A forgotten authenticator must not keep its thread serving a dead object.
        try:
            self.stop()
        except Exception:
            pass
