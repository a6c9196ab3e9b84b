"""STREAM sockets: raw TCP/IPC bytes, no ZMTP (libzmq's ZMQ_STREAM).

Each chunk read from a connection becomes a one-frame message ``[data]`` in the pipe;
each ``[data]`` the routing object writes is sent verbatim. The pipe exists from the
moment the connection is made (there is no handshake), and the routing object's
``[routing_id, b""]`` close request flushes and closes the connection.
"""

from __future__ import annotations

import asyncio

from purezmq.engine.session import ConnectSession, Listener
from purezmq.engine.stream import FLUSH_BUDGET, StreamEngine
from purezmq.routing.pipe import PeerInfo

__all__ = ["RawConnectSession", "RawEngine", "RawListener"]


class RawEngine(StreamEngine):
    """A connection of a STREAM socket."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._adopt_transport(transport)
        self.owner.engine_started(self)
        if self._closed:
            return
        info = PeerInfo("", b"", {}, 1)
        if self.peer_address:
            info.properties["Peer-Address"] = self.peer_address.encode()
        pipe = self.owner.handshake_done(self, info)
        if pipe is None:
            self._reconnect = False
            self.close()
            return
        self.pipe = pipe
        pipe.on_write = self._schedule_flush_threadsafe
        pipe.on_read = self._on_pipe_read
        pipe.on_close = self._close_requested_threadsafe
        self._raw_connected = True
        self._flush()

    _raw_connected = False

    def buffer_updated(self, nbytes: int) -> None:
        pipe = self.pipe
        if pipe is None or self._closed:
            return
        q = pipe.in_q
        q.append([bytes(self._view[:nbytes])])
        hwm = pipe.in_hwm
        if hwm and len(q) >= hwm and not self._read_paused:
            self._pause_reading()
        self.core.notify()

    def _close_requested_threadsafe(self) -> None:
        self.core.io.call_soon(self._close_after_flush)

    def _close_after_flush(self) -> None:
        self._lingering = True
        self._flush()
        pipe = self.pipe
        if pipe is None or not pipe.out_q:
            self.close()

    def _flush(self) -> None:
        self._flush_pending = False
        self._mark_flush_scheduled(False)
        pipe, transport = self.pipe, self.transport
        if pipe is None or transport is None or self._closed or self._write_paused:
            return
        q = pipe.out_q
        hwm = pipe.out_hwm
        was_full = bool(hwm) and len(q) >= hwm
        budget = FLUSH_BUDGET
        chunks: list[bytes] = []
        while q and budget > 0:
            msg = q.popleft()
            if type(msg) is list:
                chunks.extend(msg)
                budget -= sum(len(f) for f in msg)
        if chunks:
            transport.writelines(chunks)
        if was_full or self.core.waiters:
            self.core.notify()
        else:
            self.core.notified += 1  # the state changed all the same (SocketCore.notified)
        if q and not self._write_paused:
            self._schedule_flush()
        elif self._lingering and not q:
            self.close()

    async def linger_close(self, timeout: float | None) -> None:
        """Flush queued data for up to ``timeout`` seconds, then close."""
        if self._closed:
            return
        if timeout == 0:
            self.abort()
            return
        if not self._pending_out():
            self.close()
            return
        self._lingering = True
        self._linger_done = self.loop.create_future()
        self._schedule_flush()
        try:
            await asyncio.wait_for(asyncio.shield(self._linger_done), timeout)
        except asyncio.TimeoutError:
            self.abort()


class RawListener(Listener):
    """A bound STREAM endpoint."""

    engine_class = RawEngine


class RawConnectSession(ConnectSession):
    """A STREAM socket's outgoing connection."""

    engine_class = RawEngine
