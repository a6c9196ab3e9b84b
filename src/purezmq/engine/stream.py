"""StreamEngine: one tcp/ipc connection, driving the sans-I/O ZMTP core on a loop.

Reading: every chunk the transport delivers goes to :class:`ZMTPConnection`, and every
complete message it yields is appended to the pipe's ``in_q``; at RCVHWM the engine
stops reading (TCP back-pressure, like libzmq) until the socket drains the queue.

Writing: the socket appends to the pipe's ``out_q`` and calls ``pipe.on_write``; the
engine schedules one flush per loop turn, encodes every queued message and writes them
with one call. The transport's own buffer limit pauses the flush, so SNDHWM holds.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, cast

from purezmq.constants import Event
from purezmq.constants import SocketOption as O
from purezmq.engine.security import make_mechanism, zap_handler_bound
from purezmq.error import ZMQError
from purezmq.routing.pipe import PeerInfo, Pipe, append_conflated
from purezmq.transport.selector import SelectorStream
from purezmq.zmtp.connection import ZMTPConnection
from purezmq.zmtp.events import (
    ConnectionFailed,
    ErrorReceived,
    HandshakeComplete,
    MessageReceived,
    ZapRequest,
)
from purezmq.zmtp.frames import ZERO_COPY_MIN_SIZE
from purezmq.zmtp.zap import ZapError, ZapReply

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = [
    "DIRECT_WRITE_GAP",
    "FIRST_READ_CHUNK",
    "FLUSH_BUDGET",
    "READ_CHUNK",
    "EngineOwner",
    "StreamEngine",
    "open_stream",
]

#: Bytes asked of the transport per read: 64 KiB reads measured fastest for large
#: payloads (ARCHITECTURE.md), and small enough to stay cache-friendly.
READ_CHUNK = 65536
#: Payload bytes encoded per flush before yielding to the loop, so one busy pipe cannot
#: starve other connections and the transport's pause_writing can take effect. Also the
#: most a flush drains while a sending thread that never waits (a PUB) holds the GIL:
#: the loop's thread then gets it back about once per switch interval (5 ms), so the
#: budget caps such a sender at ~budget / 5 ms (measured, PUB/SUB 256 B: 486 k msg/s
#: at 1 MiB, 521 k at 2 MiB; 4 MiB was no faster there and 6% slower at 64 KiB).
FLUSH_BUDGET = 1 << 21
#: A new connection's first read buffer (libzmq's ZMQ_IN_BATCH_SIZE default is 8 KiB).
FIRST_READ_CHUNK = 8192
#: A send arriving this long (seconds) after the connection's last write is written at
#: once by the calling thread; closer ones are left to the loop, which batches them
#: into one write per turn (a stream of messages costs one syscall per batch).
DIRECT_WRITE_GAP = 50e-6


class EngineOwner(Protocol):
    """What a StreamEngine reports to: a Listener (bind side) or a ConnectSession."""

    endpoint: str

    def engine_started(self, engine: StreamEngine) -> None: ...

    def handshake_done(self, engine: StreamEngine, peer: PeerInfo) -> Pipe | None: ...

    def engine_stopped(self, engine: StreamEngine, pipe: Pipe | None, reconnect: bool) -> None: ...


def _seconds(ms: Any) -> float:
    return float(ms) / 1000.0 if isinstance(ms, int) and ms > 0 else 0.0


def make_connection(core: SocketCore, now: float) -> ZMTPConnection:
    """A ZMTPConnection configured from the socket's options."""
    timeout = core.opt(O.HEARTBEAT_TIMEOUT)
    return ZMTPConnection(
        socket_type=core.type_name,
        mechanism=make_mechanism(core),
        routing_id=core.routing_id if core.sends_identity else b"",
        metadata={},
        heartbeat_ivl=_seconds(core.opt(O.HEARTBEAT_IVL)),
        heartbeat_ttl=_seconds(core.opt(O.HEARTBEAT_TTL)),
        heartbeat_timeout=None if timeout < 0 else timeout / 1000.0,
        handshake_ivl=_seconds(core.opt(O.HANDSHAKE_IVL)),
        max_msg_size=core.opt(O.MAXMSGSIZE),
        now=now,
    )


_P = ParamSpec("_P")


def _in_callback(
    fn: Callable[Concatenate[StreamEngine, _P], None],
) -> Callable[Concatenate[StreamEngine, _P], None]:
    """Run one of the engine's loop callbacks under its ``_wlock``, marked busy: a
    calling thread may be writing directly (``_on_write``), and a send made from inside
    the callback must leave the writing to it."""

    def callback(self: StreamEngine, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        with self._wlock:
            self._busy += 1
            try:
                fn(self, *args, **kwargs)
            finally:
                self._busy -= 1

    callback.__name__ = fn.__name__
    callback.__qualname__ = fn.__qualname__
    callback.__doc__ = fn.__doc__
    return callback


def _loop_clock(loop: asyncio.AbstractEventLoop) -> Callable[[], float]:
    """``loop.time`` or, where it is asyncio's own (``time.monotonic()`` in a Python
    method), ``time.monotonic`` itself: the clock read on every read, one call less."""
    if getattr(type(loop), "time", None) is asyncio.BaseEventLoop.time:
        return time.monotonic
    return loop.time


class StreamEngine(asyncio.BufferedProtocol):
    """One ZMTP connection over a stream transport."""

    def __init__(self, core: SocketCore, owner: EngineOwner) -> None:
        self.core = core
        self.owner = owner
        self.loop = core.io.loop
        self._clock = _loop_clock(self.loop)
        self.transport: asyncio.Transport | None = None
        self.conn: ZMTPConnection | None = None
        self.pipe: Pipe | None = None
        self.peer_address = ""
        # small at first, grown to READ_CHUNK once a read fills it: 1,000 idle
        # connections should not hold 64 MiB of read buffers
        self._view = memoryview(bytearray(FIRST_READ_CHUNK))
        self._flush_pending = False
        #: the last get_buffer() gave out a large frame's body (conn.read_target)
        self._body_read = False
        #: held by whoever encodes or writes: the loop's callbacks, or a calling thread
        #: writing directly (_on_write); re-entrant for the callbacks' nested calls
        self._wlock = threading.RLock()
        #: >0 while a loop callback of this engine runs (holding _wlock)
        self._busy = 0
        #: time.monotonic() of the last write to the transport
        self._last_write = 0.0
        #: what a direct write left unwritten, for the loop to write before anything else
        self._leftover: deque[memoryview] = deque()
        #: the last chunks written to the transport, at least what it still buffers
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self._write_paused = False
        self._read_paused = False
        self._resume_pending = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._closed = False
        self._reconnect = True
        self._linger_deadline: float | None = None
        self._lingering = False
        self._handshaken = False
        #: the handshake failed (bad credentials, wrong key, protocol error): the
        #: session backs off harder than after a plain disconnect
        self.handshake_failed = False
        #: closed by us on purpose (unbind, close): not a failed handshake
        self._closed_by_us = False
        #: a HANDSHAKE_FAILED_* event was emitted: DISCONNECTED follows at the end
        self._failure_reported = False
        self._linger_done: asyncio.Future[None] | None = None
        self.fd = -1

    # ------------------------------------------------------------ transport events
    def _adopt_transport(self, transport: asyncio.BaseTransport) -> None:
        """Common connection setup: socket options, fd and peer address for events."""
        # uvloop's transports do not subclass asyncio.Transport: type-only cast
        self.transport = cast(asyncio.Transport, transport)
        self.core.engines.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            from purezmq.transport.tcp import configure_stream_socket

            configure_stream_socket(sock, self.core.options)
            try:
                self.fd = sock.fileno()
            except OSError:
                self.fd = -1
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.peer_address = str(peer[0])

    @_in_callback
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._adopt_transport(transport)
        self.conn = make_connection(self.core, self.loop.time())
        self.owner.engine_started(self)
        self._write_out()
        self._arm_timer()

    def get_buffer(self, sizehint: int) -> memoryview:
        conn = self.conn
        if conn is not None:
            # a large frame's body arriving: read it straight into its own buffer,
            # unless little of it is left (then one ordinary read takes that rest and
            # what follows it, instead of a read of a few bytes)
            target = conn.read_target()
            if target is not None and len(target) >= len(self._view):
                self._body_read = True
                return target
        self._body_read = False
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        # what @_in_callback does, written out: this is the per-read path
        lock = self._wlock
        lock.acquire()
        self._busy += 1
        try:
            self._received(nbytes)
        finally:
            self._busy -= 1
            lock.release()

    def _received(self, nbytes: int) -> None:
        conn = self.conn
        if conn is None or self._closed:
            return
        if self._body_read:
            msgs: list[list[bytes]] = []
            conn.receive_body(nbytes, self._clock(), msgs)
            if msgs:
                self._deliver(msgs)
            self._arm_timer()
            return
        # the core never keeps the view, so the read buffer is handed over without a copy
        view = self._view
        msgs = []
        events = conn.receive_into(view[:nbytes], self._clock(), msgs)
        if nbytes == len(view) and nbytes < READ_CHUNK:
            self._view = memoryview(bytearray(READ_CHUNK))
        if events:
            if threading.get_ident() != self.core.io.thread_id and not _only_messages(events):
                # a calling thread read this (SelectorStream.caller_unwatch) and the
                # connection is ending or failing: that is the loop's to handle, in
                # the order it would have (events, then messages)
                self.core.io.call_soon(self._handle_for_caller, events, msgs)
                return
            self._handle(events)  # a handshake completes before its first message
        if msgs:
            self._deliver(msgs)
        # what _write_out and _arm_timer check first, here: most reads need neither
        if self._leftover or conn.has_output:
            self._write_out()
        if self._timer_at is not None or conn.next_deadline() is not None:
            self._arm_timer()

    @_in_callback
    def _handle_for_caller(self, events: list[Any], msgs: list[list[bytes]]) -> None:
        if self._closed:
            return
        self._handle(events)
        if msgs:
            self._deliver(msgs)
        self._write_out()
        self._arm_timer()

    def eof_received(self) -> bool:
        return False  # close the transport

    @_in_callback
    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._zap_cancel is not None:
            self._zap_cancel()
            self._zap_cancel = None
        self.core.engines.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pipe = self.pipe
        if pipe is not None:
            pipe.on_write = _noop
            pipe.on_read = _noop
        if not self._handshaken and self.conn is not None and not self._closed_by_us:
            # the peer hung up in the middle of the handshake: how libzmq refuses a
            # wrong CURVE key or an unknown mechanism. libzmq reports it with the errno
            # (ECONNRESET for a reset, EPIPE for an orderly close).
            self.handshake_failed = True
            self._failure_reported = True
            code = getattr(exc, "errno", None) or errno.EPIPE
            self.core.emit(Event.HANDSHAKE_FAILED_NO_DETAIL, code, self.owner.endpoint)
        if self._handshaken or self._failure_reported:
            # like libzmq, every connection that ends in error (a failed handshake
            # included) is reported as DISCONNECTED; a close of our own is not
            self.core.emit(Event.DISCONNECTED, self.fd, self.owner.endpoint)
        self.owner.engine_stopped(self, pipe, self._reconnect)
        self.pipe = None
        if self._linger_done is not None and not self._linger_done.done():
            self._linger_done.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._schedule_flush()

    # ------------------------------------------------------------ protocol events
    def _handle(self, events: list[Any]) -> None:
        # messages of timer and ZAP events take the read path's way into the pipe;
        # a terminal event only ever follows them, so queuing them last changes nothing
        msgs: list[list[bytes]] = []
        for ev in events:
            if type(ev) is MessageReceived:
                msgs.append(ev.frames)
            elif type(ev) is HandshakeComplete:
                self._handshake_complete(ev)
            elif type(ev) is ZapRequest:
                self._ask_zap(ev)
            elif type(ev) is ErrorReceived:
                # libzmq reports a ZAP status reason ("400") as an auth failure with it
                reason = ev.reason.strip()
                if reason in ("300", "400", "500"):
                    self._fail(Event.HANDSHAKE_FAILED_AUTH, int(reason), reconnect=False)
                else:
                    self._fail(Event.HANDSHAKE_FAILED_NO_DETAIL, 0, reconnect=False)
                break
            elif type(ev) is ConnectionFailed:
                if ev.handshake:
                    kind = (
                        Event.HANDSHAKE_FAILED_AUTH
                        if ev.auth
                        else (
                            Event.HANDSHAKE_FAILED_PROTOCOL
                            if ev.code
                            else Event.HANDSHAKE_FAILED_NO_DETAIL
                        )
                    )
                    self._fail(kind, ev.code, reconnect=True)
                else:
                    self._fail(0, 0, reconnect=True)
                break
        if msgs:
            self._deliver(msgs)

    def _deliver(self, msgs: list[list[bytes]]) -> None:
        """Queue the messages of one read for the socket (one extend, one wake-up)."""
        pipe = self.pipe
        if pipe is None:
            return
        q = pipe.in_q
        if pipe.conflate:
            for m in msgs:
                append_conflated(q, m)  # type: ignore[arg-type]
        else:
            q.extend(msgs)
        hwm = pipe.in_hwm
        # RCVHWM: stop reading (TCP back-pressure); like the per-message check before,
        # what one read already brought is queued rather than lost
        on_loop = threading.get_ident() == self.core.io.thread_id
        if hwm and len(q) >= hwm and not self._read_paused and (on_loop or len(q) > len(msgs)):
            # (a calling thread that read into an empty queue found nothing to take:
            # it reads again only once the queue is empty again, so its reads are
            # bounded as the loop's are, and the stream stays in that thread)
            self._pause_reading()
        if on_loop:
            self.core.notify_from_io()
        else:
            self.core.notify()  # read by a calling thread (SelectorStream)

    def _handshake_complete(self, ev: HandshakeComplete) -> None:
        peer = PeerInfo(ev.socket_type, ev.identity, dict(ev.properties), ev.minor_version)
        if self.peer_address:
            peer.properties.setdefault("Peer-Address", self.peer_address.encode())
        pipe = self.owner.handshake_done(self, peer)
        if pipe is None:
            # refused by the pattern (PAIR's second peer, duplicate ROUTER id)
            self._reconnect = False
            self.close()
            return
        self.pipe = pipe
        self._handshaken = True
        pipe.on_write = self._on_write
        pipe.on_read = self._on_pipe_read
        pipe.on_close = self.close_threadsafe
        pipe.on_backlog = self._relieve
        pipe.bare_frames = True  # conn.send_messages takes a one-frame message's bytes
        self.core.emit(Event.HANDSHAKE_SUCCEEDED, 0, self.owner.endpoint)
        if type(self.transport) is SelectorStream:
            # a caller blocked since before the handshake may now ask for the reading
            # (caller_watch refused until here; the pipe's attach notified before)
            self.core.notify()
        # also clears a Pipe.flush_scheduled left by an earlier connection of this
        # (connect-side) pipe, so writers call on_write again
        self._flush()

    def _ask_zap(self, ev: ZapRequest) -> None:
        """Send the mechanism's ZAP request; the reply resumes the handshake later."""
        if not zap_handler_bound(self.core):
            # PLAIN with nobody to check passwords: refuse, as libzmq does (it closes
            # after HELLO without ERROR). NULL/CURVE only ask when a handler is bound.
            self._fail(Event.HANDSHAKE_FAILED_NO_DETAIL, 0, reconnect=True)
            return
        try:
            self._zap_cancel = self.core.zap_client().request(
                ev.mechanism, list(ev.credentials), self.peer_address, self._zap_replied
            )
        except ZMQError:
            self._fail(Event.HANDSHAKE_FAILED_NO_DETAIL, 0, reconnect=True)

    _zap_cancel: Any = None

    @_in_callback
    def _zap_replied(self, reply: ZapReply | ZapError) -> None:
        self._zap_cancel = None
        conn = self.conn
        if conn is None or self._closed:
            return
        if isinstance(reply, ZapError):
            # a malformed reply is a protocol error of the handshake (libzmq)
            self.handshake_failed = True
            self._fail(Event.HANDSHAKE_FAILED_PROTOCOL, reply.code, reconnect=True)
            return
        events = conn.zap_reply(
            reply.status_code, reply.user_id, reply.raw_metadata, self.loop.time()
        )
        if events:
            self._handle(events)
        self._write_out()
        self._arm_timer()

    def _fail(self, event: int, value: int, reconnect: bool) -> None:
        if event:
            self._failure_reported = True
            self.core.emit(event, value, self.owner.endpoint)
        self._reconnect = reconnect
        self._write_out()  # an ERROR command the core queued must still go out
        self.close()

    # ------------------------------------------------------------ reading
    def _pause_reading(self) -> None:
        if self.transport is not None and not self._closed:
            self._read_paused = True
            self.transport.pause_reading()

    def _on_pipe_read(self) -> None:
        # called by the socket (any thread) after it took a message from in_q
        if self._read_paused and not self._resume_pending:
            pipe = self.pipe
            # hysteresis, as libzmq's low-water mark: resuming at the first free slot
            # would pause again after one read, a syscall pair per read at full speed
            if pipe is not None and (not pipe.in_hwm or len(pipe.in_q) <= pipe.in_hwm // 2):
                self._resume_pending = True
                self.core.io.call_soon(self._resume_reading)

    # ------------------------------------------------------------ a caller reading
    # (SelectorStream only: the blocking API's connections; see transport/selector.py)
    def caller_watch(self) -> int:
        """The descriptor a thread blocked in recv may poll and read itself, or -1
        (then the hand-over is asked for, and the core notified once granted)."""
        t = self.transport
        if type(t) is not SelectorStream or not self._handshaken or self._closed:
            return -1
        return t.caller_watch()

    def caller_unwatch(self, readable: bool) -> None:
        """After :meth:`caller_watch` gave a descriptor: the poll ended; read if it
        was readable."""
        t = self.transport
        if type(t) is SelectorStream:
            t.caller_unwatch(readable)

    def caller_read_nowait(self) -> bool:
        """Read what the kernel holds if a caller watches this connection."""
        t = self.transport
        return type(t) is SelectorStream and t.caller_read_nowait()

    def sender_read_nowait(self) -> bool:
        """Read what the kernel holds for this connection, whoever watches it (see
        SocketCore.read_for_send), unless the loop has writes of it to make: then the
        loop is about to run for this connection anyway (and a read here, a system call
        that lets the loop's thread take the GIL, would only cut its flush short)."""
        t = self.transport
        if type(t) is not SelectorStream or not self._handshaken or self._flush_pending:
            return False
        pipe = self.pipe
        if pipe is None or pipe.out_q or self._leftover:
            return False
        return t.sender_read_nowait()

    def caller_release(self) -> None:
        """Let the loop watch this connection again."""
        t = self.transport
        if type(t) is SelectorStream:
            t.caller_release()

    def _watch_granted(self) -> None:
        # SelectorStream's wake: a caller may now watch (or must look again)
        self.core.caller_reading = True
        self.core.notify()

    def _resume_reading(self) -> None:
        self._resume_pending = False
        if self._read_paused and self.transport is not None and not self._closed:
            self._read_paused = False
            self.transport.resume_reading()

    # ------------------------------------------------------------ writing
    def _on_write(self) -> None:
        # pipe.on_write: called by the socket, from any thread, once per message
        if self._flush_pending:
            return
        now = time.monotonic()
        if now - self._last_write >= DIRECT_WRITE_GAP and self._direct_write(now):
            return
        self._schedule_flush_threadsafe()

    def _direct_write(self, now: float) -> bool:
        """Write what the socket queued right here, in the calling thread, when the
        connection is idle: no hand-off to the loop, so no thread wake-up on the way out
        (ARCHITECTURE.md: I/O in the calling thread when idle). False: the loop must
        flush (busy, paused, or the kernel did not take everything)."""
        if not self._wlock.acquire(False):
            return False  # the loop is reading or writing this connection right now
        try:
            if self._busy:
                return False  # called back from inside our own callback: let it finish
            pipe, conn, transport = self.pipe, self.conn, self.transport
            if (
                pipe is None
                or conn is None
                or transport is None
                or self._closed
                or self._write_paused
                or self._leftover
                or self._lingering
                or self.fd < 0
                or not conn.handshake_complete
                or transport.get_write_buffer_size()
            ):
                return False
            conn.send_messages(pipe.out_q, FLUSH_BUDGET)
            data = conn.data_to_send()
            if not data:
                return not pipe.out_q
            try:
                n = os.write(self.fd, data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError:
                # the peer is gone: the loop sees it on its side and closes; what is
                # left is dropped with the connection, as on the loop's own writes
                return True
            self._last_write = now
            if n < len(data):
                self._leftover.append(memoryview(data)[n:])
                return False
            return not pipe.out_q
        finally:
            self._wlock.release()

    def _relieve(self) -> bool:
        """pipe.on_backlog: a sender found ``out_q`` full and would wait. Write the queue
        here, in the sender's thread: a blocking sender otherwise waits for the loop's
        thread, which waits for the GIL the sender holds, and each full queue costs two
        thread switches (measured: PUSH/PULL 16 B 658 k -> 797 k msg/s). True if the
        queue is shorter than the sender found it (an empty one included: the loop
        may have drained it meanwhile), so a retry may succeed."""
        pipe = self.pipe
        if pipe is None or self._closed:
            return False
        q = pipe.out_q
        n = len(q)
        try:
            head = q[0]
        except IndexError:
            return True  # the loop emptied it meanwhile (it runs in another thread)
        if type(head) is list:
            large = bool(head) and len(head[-1]) >= ZERO_COPY_MIN_SIZE
        else:  # a bare frame (Pipe.bare_frames) or a subscription
            large = type(head) is bytes and len(head) >= ZERO_COPY_MIN_SIZE
        if large:
            # large messages: the kernel sets the pace, not the hand-off, and writing
            # them here measured slower (PUSH/PULL 1 MiB: 3,350 -> 2,650 msg/s)
            return False
        # what this leaves (a partial write's rest, or everything when the loop is in
        # one of our callbacks) is the pending flush's: a queue with messages always
        # has one, unless writing is paused (then resume_writing flushes)
        self._direct_write(time.monotonic())
        return len(q) < n

    def _schedule_flush_threadsafe(self) -> None:
        # pipe.on_write: called by the socket, from any thread, once per message
        if not self._flush_pending:
            self._flush_pending = True
            self._mark_flush_scheduled(True)  # before the flush can run, which clears it
            self.core.io.call_soon(self._flush)

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self._mark_flush_scheduled(True)
            self.loop.call_soon(self._flush)

    def _mark_flush_scheduled(self, scheduled: bool) -> None:
        # Pipe.flush_scheduled: writers skip on_write while a flush is scheduled and
        # has not begun. Set before the flush is scheduled, cleared as it begins (before
        # it takes the queue): whatever a writer appends in between, it takes.
        pipe = self.pipe
        if pipe is not None:
            pipe.flush_scheduled = scheduled

    @_in_callback
    def _flush(self) -> None:
        self._flush_pending = False
        self._mark_flush_scheduled(False)
        pipe, conn = self.pipe, self.conn
        if pipe is None or conn is None or self._closed or not conn.handshake_complete:
            return
        if self._write_paused:
            return
        q = pipe.out_q
        if not q:
            if self._leftover:
                self._write_out()
            if self._lingering:
                self._linger_check()
            return
        hwm = pipe.out_hwm
        was_full = bool(hwm) and len(q) >= hwm
        conn.send_messages(q, FLUSH_BUDGET)
        self._write_out()
        if was_full:
            # room again: wake blocked senders (with room before, nothing changed)
            self.core.notify()
        if q and not self._write_paused:
            self._schedule_flush()
        elif self._lingering:
            self._linger_check()

    def _write_out(self) -> None:
        conn, transport = self.conn, self.transport
        if conn is None or transport is None or self._closed:
            return
        if not self._leftover and not conn.has_output:
            return  # most reads are answered by nothing
        chunks = conn.take_output()
        if self._leftover:
            # bytes a direct write could not finish go out before anything newer
            chunks[:0] = self._leftover  # type: ignore[assignment]
            self._leftover.clear()
        if chunks:
            self._last_write = time.monotonic()
            if len(chunks) == 1:
                transport.write(chunks[0])
            else:
                transport.writelines(chunks)
            # Remember what the transport still holds (the tail of what we wrote), so
            # flush_blocking can write it itself; no transport exposes its buffer.
            pending = transport.get_write_buffer_size()
            tail = self._tail
            if pending:
                tail.extend(chunks)
                size = self._tail_size + sum(map(len, chunks))
                while len(tail) > 1 and size - len(tail[0]) >= pending:
                    size -= len(tail.popleft())
                self._tail_size = size
            elif tail:
                tail.clear()
                self._tail_size = 0

    # ------------------------------------------------------------ timers
    def _arm_timer(self) -> None:
        conn = self.conn
        if conn is None or self._closed:
            return
        at = conn.next_deadline()
        if at == self._timer_at:
            return
        if threading.get_ident() != self.core.io.thread_id:
            # a calling thread read (SelectorStream): the loop owns the timer. One armed
            # earlier than needed only runs handle_timer early, which is harmless; an
            # earlier deadline (or a first one) must reach the loop.
            if at is not None and (self._timer_at is None or at < self._timer_at):
                self.core.io.call_soon(self._arm_timer)
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = at
        if at is not None:
            self._timer = self.loop.call_at(at, self._on_timer)

    @_in_callback
    def _on_timer(self) -> None:
        due = self._timer_at
        self._timer = None
        self._timer_at = None
        conn = self.conn
        if conn is None or self._closed:
            return
        now = self.loop.time()
        if due is not None and now < due:
            # asyncio runs handles up to one clock resolution early: it is due
            now = due
        events = conn.handle_timer(now)
        if events:
            self._handle(events)
        self._write_out()
        self._arm_timer()

    # ------------------------------------------------------------ closing
    def close(self) -> None:
        """Close the connection now (buffered bytes are still written)."""
        if self._closed:
            return
        with self._wlock:
            if self._leftover:
                self._write_out()  # a direct write's rest belongs to what close() flushes
            self._closed = True
        self._closed_by_us = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()

    def close_threadsafe(self) -> None:
        """Close from any thread (pipe.on_close, ROUTER handover)."""
        self.core.io.call_soon(self.close)

    def abort(self) -> None:
        """Drop the connection at once, discarding buffered bytes."""
        with self._wlock:
            self._closed = True
        self._closed_by_us = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    def flush_blocking(self, deadline: float | None) -> None:
        """Write everything queued for this connection now, blocking the calling thread
        until done or ``deadline`` (``time.monotonic()``; None = no limit).

        For term() on the connection's own loop, which cannot run the loop. What the
        transport still buffers is known from the tail kept by :meth:`_write_out`.
        """
        pipe, conn, transport = self.pipe, self.conn, self.transport
        if self._closed or pipe is None or conn is None or transport is None:
            return
        if not conn.handshake_complete:
            return
        pending = transport.get_write_buffer_size()
        buffered = b"".join(self._tail)[-pending:] if pending else b""
        buffered += b"".join(self._leftover)  # a direct write's rest, never older
        self._leftover.clear()
        q = pipe.out_q
        while q:
            conn.send_messages(q, FLUSH_BUDGET)
        data = memoryview(buffered + b"".join(conn.take_output()))
        if self.fd < 0 or not data:
            return
        _write_all(self.fd, data, deadline)

    def _pending_out(self) -> bool:
        pipe = self.pipe
        if (pipe is not None and pipe.out_q) or self._leftover:
            return True
        return self.transport is not None and self.transport.get_write_buffer_size() > 0

    def _linger_check(self) -> None:
        # transport.close() still writes what the transport buffered, and
        # connection_lost (which ends the linger) fires only after that
        pipe = self.pipe
        if pipe is None or not pipe.out_q:
            self.close()

    async def linger_close(self, timeout: float | None) -> None:
        """Flush what is queued for up to ``timeout`` seconds (None = forever), then close."""
        if self._closed:
            return
        handshaken = self.conn is not None and self.conn.handshake_complete
        if timeout == 0 or not handshaken or not self._pending_out():
            if timeout == 0:
                self.abort()
            else:
                self.close()
            return
        self._lingering = True
        self._linger_done = self.loop.create_future()
        self._schedule_flush()
        try:
            await asyncio.wait_for(asyncio.shield(self._linger_done), timeout)
        except asyncio.TimeoutError:
            self.abort()


def open_stream(core: SocketCore, sock: socket.socket, engine: StreamEngine) -> SelectorStream:
    """Run ``engine`` over the connected ``sock`` with our own transport (the blocking
    API's connections: a caller blocked in recv may read them itself)."""
    io = core.io
    return SelectorStream(io.loop, io.thread_id, sock, engine, engine._wlock, engine._watch_granted)


def _noop() -> None:
    pass


def _only_messages(events: list[Any]) -> bool:
    return all(type(ev) is MessageReceived for ev in events)


def _write_all(fd: int, data: memoryview, deadline: float | None) -> None:
    """Write ``data`` to the non-blocking ``fd``, waiting for room until ``deadline``."""
    import os
    import select
    import time

    while data:
        try:
            n = os.write(fd, data)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            return  # the peer is gone: nothing more can be delivered
        data = data[n:]
        if data:
            timeout = None if deadline is None else deadline - time.monotonic()
            if timeout is not None and timeout <= 0:
                return
            select.select([], [fd], [], timeout)
