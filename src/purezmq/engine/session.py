"""Listeners (bind side) and connect sessions (connect side, with reconnect).

Bind side: every accepted connection gets a fresh pipe when its handshake completes,
and loses it when the connection ends (RFC 28-31; libzmq session_base).

Connect side: the session creates its pipe at ``connect()`` time, before any connection
exists, so messages queue (up to SNDHWM) while the peer is away, and keeps it across
reconnects (libzmq behaviour, observed in the digest 3.7) unless IMMEDIATE is set or
the socket is a ROUTER/STREAM. Reconnects back off from RECONNECT_IVL, doubling up to
RECONNECT_IVL_MAX when that is larger.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import TYPE_CHECKING

from purezmq.constants import Event
from purezmq.constants import SocketOption as O
from purezmq.engine.core import NO_PERSISTENT_PIPE
from purezmq.engine.stream import StreamEngine, open_stream
from purezmq.routing.pipe import PeerInfo, Pipe
from purezmq.transport.endpoint import Endpoint
from purezmq.transport.ipc import ipc_address
from purezmq.transport.selector import connect_tcp, connect_unix
from purezmq.transport.tcp import resolve_family

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = ["LINGER_POLL", "ConnectSession", "Listener"]

#: Connections accepted per readiness event before yielding to the loop (libzmq accepts
#: one at a time; asyncio's server uses the backlog): bounds the work of one turn.
ACCEPT_BATCH = 64
#: How often a lingering close re-checks that a connect-side queue has drained (s).
LINGER_POLL = 0.01
#: After failed handshakes (wrong CURVE key, bad password), reconnect attempts back off
#: exponentially up to this many seconds, so a misconfigured client does not hammer its
#: server every RECONNECT_IVL (libzmq retries at RECONNECT_IVL forever).
HANDSHAKE_FAILURE_BACKOFF_MAX = 30.0


def _source_address(source: str) -> tuple[str, int] | None:
    """``tcp://SRC;HOST:PORT``: the local address to connect from (port 0/* = any)."""
    if not source:
        return None
    host, sep, port = source.rpartition(":")
    if not sep:
        host, port = source, "0"
    host = host.strip("[]")
    return host, 0 if port in ("", "*") else int(port)


class Listener:
    """A bound tcp/ipc endpoint accepting connections."""

    engine_class: type[StreamEngine] = StreamEngine

    def __init__(
        self, core: SocketCore, sock: socket.socket, endpoint: str, unlink: str | None
    ) -> None:
        self.core = core
        self.sock = sock
        self.endpoint = endpoint
        self.unlink = unlink
        self.engines: set[StreamEngine] = set()
        self._closed = False
        #: accepted sockets not yet wrapped in a transport, and the tasks wrapping them
        self._unadopted: set[socket.socket] = set()
        self._accepting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start accepting on the core's loop.

        We run our own accept loop (add_reader + connect_accepted_socket) rather than
        asyncio's Server: a Server closed between an accept and the task that wraps the
        accepted socket fails an assertion in the transport and leaks that socket.
        """
        if self._closed:
            return
        loop = self.core.io.loop
        loop.add_reader(self.sock.fileno(), self._accept_ready)
        self._reading = True
        self.core.emit(Event.LISTENING, self.sock.fileno(), self.endpoint)

    _reading = False

    def _accept_ready(self) -> None:
        loop = self.core.io.loop
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # EMFILE and friends: libzmq reports ACCEPT_FAILED and keeps listening
                self.core.emit(Event.ACCEPT_FAILED, exc.errno or 0, self.endpoint)
                return
            if self._closed:
                conn.close()
                continue
            conn.setblocking(False)
            if self.core.io.own_streams:
                open_stream(self.core, conn, self.engine_class(self.core, self))
                continue
            self._unadopted.add(conn)
            task = loop.create_task(self._adopt(conn))
            self._accepting.add(task)
            task.add_done_callback(self._accepting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        loop = self.core.io.loop
        factory = lambda: self.engine_class(self.core, self)
        # From here on this task owns conn: once connect_accepted_socket has made a
        # transport, a cancel closes it through the transport. Closing it underneath
        # would free the fd while the transport is still registered with the loop.
        # (A task cancelled before it started leaves conn in _unadopted, closed there.)
        self._unadopted.discard(conn)
        try:
            await loop.connect_accepted_socket(factory, sock=conn)
        except OSError:
            conn.close()  # the peer left before we could wrap the connection

    # EngineOwner
    def engine_started(self, engine: StreamEngine) -> None:
        if self._closed:
            engine.abort()
            return
        self.engines.add(engine)
        self.core.emit(Event.ACCEPTED, engine.fd, self.endpoint)

    def handshake_done(self, engine: StreamEngine, peer: PeerInfo) -> Pipe | None:
        pipe = self.core.make_pipe(peer)
        if not self.core.attach_pipe(pipe):
            return None
        return pipe

    def engine_stopped(self, engine: StreamEngine, pipe: Pipe | None, reconnect: bool) -> None:
        self.engines.discard(engine)
        if pipe is not None:
            self.core.pipe_terminated(pipe)

    async def close(self, linger: float | None) -> None:
        """Stop accepting; flush and close the accepted connections (unbind, close)."""
        if self._closed:
            return
        self._closed = True
        self._stop_accepting()
        if self.unlink:
            try:
                os.unlink(self.unlink)
            except OSError:
                pass
        self.core.emit(Event.CLOSED, -1, self.endpoint)
        engines = list(self.engines)
        if engines:
            await asyncio.gather(*(e.linger_close(linger) for e in engines))

    def _stop_accepting(self) -> None:
        if self._reading:
            self._reading = False
            try:
                self.core.io.loop.remove_reader(self.sock.fileno())
            except (ValueError, RuntimeError, OSError):
                pass  # socket already closed or loop closed
        for task in list(self._accepting):
            task.cancel()
        for conn in list(self._unadopted):
            conn.close()  # a task cancelled before it started would leak it
        self._unadopted.clear()
        self.sock.close()

    def abort(self) -> None:
        """Close everything at once."""
        self._closed = True
        self._stop_accepting()


class ConnectSession:
    """An endpoint we connect to, reconnecting until closed."""

    engine_class: type[StreamEngine] = StreamEngine

    def __init__(self, core: SocketCore, ep: Endpoint, endpoint: str) -> None:
        self.core = core
        self.ep = ep
        self.endpoint = endpoint
        self.engine: StreamEngine | None = None
        self.pipe: Pipe | None = None
        self.persistent = not core.opt(O.IMMEDIATE) and core.socket_type not in NO_PERSISTENT_PIPE
        self.connections = 0
        self._closed = False
        self._terminal = False
        self._retry: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._ivl = self._base_ivl()
        self._failed_handshakes = 0
        if self.persistent:
            # libzmq creates the connect-side pipe at connect() time (digest 3.7)
            pipe = core.make_pipe(None)
            if core.attach_pipe(pipe):
                self.pipe = pipe

    def _base_ivl(self) -> float:
        ivl = self.core.opt(O.RECONNECT_IVL)
        return ivl / 1000.0 if ivl > 0 else -1.0

    def start(self) -> None:
        """Begin connecting (on the core's loop); after close only to deliver a linger."""
        if self._closed and not self._lingering_with_data():
            return
        self._task = self.core.io.loop.create_task(self._connect())

    async def _connect(self) -> None:
        loop = self.core.io.loop
        factory = lambda: self.engine_class(self.core, self)
        try:
            if self.core.io.own_streams:
                if self.ep.transport == "tcp":
                    sock = await connect_tcp(
                        loop,
                        self.ep.host,
                        self.ep.port,
                        resolve_family(self.ep.host, bool(self.core.opt(O.IPV6))),
                        _source_address(self.ep.source),
                    )
                else:
                    sock = await connect_unix(loop, ipc_address(self.ep.address))
                open_stream(self.core, sock, self.engine_class(self.core, self))
            elif self.ep.transport == "tcp":
                await loop.create_connection(
                    factory,
                    self.ep.host,
                    self.ep.port,
                    family=resolve_family(self.ep.host, bool(self.core.opt(O.IPV6))),
                    local_addr=_source_address(self.ep.source),
                )
            else:
                await loop.create_unix_connection(factory, ipc_address(self.ep.address))
        except asyncio.CancelledError:
            raise
        except OSError:
            self.core.emit(Event.CONNECT_DELAYED, 0, self.endpoint)
            self._schedule_reconnect()
        finally:
            self._task = None

    def _schedule_reconnect(self) -> None:
        if self._terminal or self._ivl < 0:
            return
        if self._closed and not self._lingering_with_data():
            return
        loop = self.core.io.loop
        delay = self._ivl
        if self._failed_handshakes:
            cap = max(HANDSHAKE_FAILURE_BACKOFF_MAX, self.core.opt(O.RECONNECT_IVL_MAX) / 1000.0)
            delay = min(delay * 2 ** min(self._failed_handshakes, 16), cap)
        ivl_max = self.core.opt(O.RECONNECT_IVL_MAX)
        if ivl_max > 0 and ivl_max / 1000.0 > self._ivl:
            self._ivl = min(self._ivl * 2, ivl_max / 1000.0)
        self._retry = loop.call_later(delay, self._retry_now)
        self.core.emit(Event.CONNECT_RETRIED, int(delay * 1000), self.endpoint)

    def _retry_now(self) -> None:
        self._retry = None
        if self.engine is None and (not self._closed or self._lingering_with_data()):
            self.start()

    # EngineOwner
    def engine_started(self, engine: StreamEngine) -> None:
        if self._closed and not self._lingering_with_data():
            engine.abort()
            return
        self.engine = engine
        self.core.emit(Event.CONNECTED, engine.fd, self.endpoint)

    def handshake_done(self, engine: StreamEngine, peer: PeerInfo) -> Pipe | None:
        self._ivl = self._base_ivl()
        self._failed_handshakes = 0
        self.connections += 1
        if self.pipe is not None:
            self.pipe.peer = peer
            if self.connections > 1:
                self.core.hiccup(self.pipe)
            return self.pipe
        pipe = self.core.make_pipe(peer)
        if not self.core.attach_pipe(pipe):
            return None
        if self.persistent:
            self.pipe = pipe
        else:
            self._transient = pipe
        return pipe

    def engine_stopped(self, engine: StreamEngine, pipe: Pipe | None, reconnect: bool) -> None:
        if engine is self.engine:
            self.engine = None
        if engine.handshake_failed:
            self._failed_handshakes += 1
        if pipe is not None and pipe is not self.pipe:
            self.core.pipe_terminated(pipe)
        if not reconnect:
            # the peer sent ERROR or refused us: RFC 37 says do not retry blindly
            self._terminal = True
        if not self._closed or self._lingering_with_data():
            self._schedule_reconnect()

    def _lingering_with_data(self) -> bool:
        pipe = self.pipe
        return self._closed and self._linger_active and pipe is not None and bool(pipe.out_q)

    _linger_active = False
    _transient: Pipe | None = None

    async def close(self, linger: float | None) -> None:
        """Stop reconnecting; flush queued messages for up to ``linger`` seconds."""
        if self._closed:
            return
        self._closed = True
        loop = self.core.io.loop
        deadline = None if linger is None else loop.time() + linger
        pipe = self.pipe
        if linger != 0 and pipe is not None and pipe.out_q and not self._terminal:
            # keep (re)connecting until the queue is delivered or linger expires
            self._linger_active = True
            if self.engine is None and self._task is None and self._retry is None:
                self.start()
            while pipe.out_q and not self._terminal:
                if deadline is not None and loop.time() >= deadline:
                    break
                await asyncio.sleep(LINGER_POLL)
            self._linger_active = False
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._task is not None:
            self._task.cancel()
        engine = self.engine
        if engine is not None:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            await engine.linger_close(remaining if linger != 0 else 0)
        if self.pipe is not None:
            self.core.pipe_terminated(self.pipe)

    def abort(self) -> None:
        """Drop everything at once (the loop is gone)."""
        self._closed = True
        if self.engine is not None:
            self.engine.abort()
