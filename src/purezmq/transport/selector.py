"""SelectorStream: our own stream transport, whose reading a calling thread can take over.

The blocking API runs its connections on a background I/O thread. With asyncio's own
transports every message a blocked ``recv`` waits for costs two thread switches: the
I/O thread wakes for the data, then wakes the caller. This transport lets the calling
thread read the connection itself while it waits (ARCHITECTURE.md: "doing the I/O in
the calling thread when the connection is idle"), which the I/O thread cannot allow with
asyncio's transports: they call ``recv_into`` outside any lock of ours, so two threads
reading could reorder bytes.

Here every read (``recv_into`` plus the protocol's ``buffer_updated``) and every write
happens under one lock, the engine's. Who *watches* the descriptor for readability is
handed over explicitly, because both threads watching it would wake both for every
message:

- ``LOOP``: the loop's selector watches it (asyncio's behaviour).
- ``CALLER``: the loop has removed its reader; a thread blocked in ``recv`` polls the
  descriptor and reads under the lock (:meth:`caller_watch`, :meth:`caller_unwatch`).

The caller asks for the hand-over (:meth:`caller_watch` returns -1 and schedules the
grant on the loop; the grant wakes it through ``wake``). The loop takes watching back
when no caller has waited on the connection for a :data:`RECLAIM_IVL` (so a connection
nobody reads still answers heartbeats and sees its peer leave), when reading pauses at
RCVHWM, when someone else starts waiting on the socket (:meth:`caller_release`: a
poller), and at the first end of stream or error a caller meets: the loop handles every
ending itself.

Only the loop's thread touches the selector; other threads schedule that.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

__all__ = [
    "CALLER",
    "LOOP",
    "RECLAIM_IVL",
    "SelectorStream",
    "abort_streams",
    "connect_tcp",
    "connect_unix",
]

#: Watching states (see the module docstring).
LOOP = 0
CALLER = 1

#: Seconds without a caller waiting on a connection after which the loop watches it
#: again. Long against a request-reply turn (about 0.1 ms), so a steady exchange never
#: hands back and forth; short against heartbeat intervals (libzmq users pick seconds),
#: so a connection the program stopped reading still answers PINGs and sees EOF. The
#: check costs the I/O thread one wake-up per interval while a caller watches.
RECLAIM_IVL = 0.01

#: Write buffer limits (bytes): asyncio's defaults, which the SNDHWM logic was tuned on.
HIGH_WATER = 64 * 1024
LOW_WATER = 16 * 1024

#: Buffers per sendmsg (the kernel's UIO_MAXIOV on Linux; POSIX guarantees 16).
IOV_MAX = int(os.sysconf("SC_IOV_MAX")) if hasattr(os, "sysconf") else 16

_streams: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[SelectorStream]] = (
    weakref.WeakKeyDictionary()
)


def abort_streams(loop: asyncio.AbstractEventLoop) -> int:
    """Abort every stream still open on ``loop`` (its shutdown); returns how many."""
    live = [s for s in _streams.get(loop, ()) if not s.is_closing()]
    for s in live:
        s.abort()
    return len(live)


def _as_bytes_view(data: Any) -> memoryview:
    view = memoryview(data)
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


class SelectorStream(asyncio.Transport):
    """A stream transport over a connected non-blocking socket, on a selector loop.

    Args:
        loop: the loop that owns the socket (its thread alone touches the selector).
        loop_thread: ``threading.get_ident()`` of that loop's thread.
        sock: the connected socket (made non-blocking here).
        protocol: an ``asyncio.BufferedProtocol``; ``connection_made`` runs on the loop.
        lock: re-entrant lock held around every read and write; the protocol's own, so
            that its callbacks and a reading caller never interleave.
        wake: called (any thread) when a caller waiting on this stream must look again
            (watching was granted).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        loop_thread: int,
        sock: socket.socket,
        protocol: asyncio.BufferedProtocol,
        lock: threading.RLock,
        wake: Callable[[], None],
    ) -> None:
        super().__init__()
        sock.setblocking(False)
        self._loop = loop
        self._loop_thread = loop_thread
        self._sock = sock
        self._fd = sock.fileno()
        self._protocol = protocol
        self._lock = lock
        self._wake = wake
        self._extra: dict[str, Any] = {"socket": sock}
        for key, get in (("sockname", sock.getsockname), ("peername", sock.getpeername)):
            try:
                self._extra[key] = get()
            except OSError:
                pass
        self._buffer: deque[memoryview] = deque()
        self._size = 0
        self._high = HIGH_WATER
        self._low = LOW_WATER
        self._protocol_paused = False
        self._closing = False
        #: connection_lost is scheduled (exactly once)
        self._lost = False
        self._sock_closed = False
        self._paused = False
        self._watch = LOOP
        self._reader_on = False
        self._writer_on = False
        self._sync_pending = False
        self._writer_pending = False
        self._grant_pending = False
        #: a caller met end of stream or an error: watching stays the loop's for good
        #: (granting it again before the loop saw the ending would bounce it back and
        #: forth, the loop's turn to read never coming)
        self._ended = False
        #: callers polling the descriptor right now, and a count of their waits since
        #: the stream was created (the reclaim check compares it between two checks)
        self._callers = 0
        self._waits = 0
        self._waits_seen = 0
        self._reclaim: asyncio.TimerHandle | None = None
        #: reads made by callers (statistics, and how tests see the hand-over work)
        self.caller_reads = 0
        _streams.setdefault(loop, set()).add(self)
        loop.call_soon(self._start)

    # ------------------------------------------------------------ asyncio.Transport
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def is_closing(self) -> bool:
        return self._closing

    def is_reading(self) -> bool:
        return not self._paused and not self._closing

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        raise NotImplementedError("a SelectorStream keeps its protocol")

    def get_write_buffer_size(self) -> int:
        return self._size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._low, self._high

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = HIGH_WATER if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high, self._low = high, low
        with self._lock:
            self._maybe_pause_protocol()

    def pause_reading(self) -> None:
        with self._lock:
            if self._closing or self._paused:
                return
            self._paused = True
            self._watch = LOOP  # the loop resumes it: a caller must not read meanwhile
            self._request_sync()

    def resume_reading(self) -> None:
        with self._lock:
            if self._closing or not self._paused:
                return
            self._paused = False
            self._request_sync()

    def write(self, data: Any) -> None:
        if data:
            self._write_chunks([_as_bytes_view(data)])

    def writelines(self, list_of_data: Iterable[Any]) -> None:
        self._write_chunks([_as_bytes_view(d) for d in list_of_data])

    def _write_chunks(self, chunks: list[memoryview]) -> None:
        """Write what the kernel takes now (behind what is buffered, never before it);
        buffer the rest for the loop's writer."""
        with self._lock:
            if self._closing or not chunks:
                return
            total = sum(map(len, chunks))
            n = 0
            if not self._buffer:
                try:
                    n = self._send(chunks)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as exc:
                    self._force_close(exc)
                    return
                if n == total:
                    return
            self._buffer.extend(chunks)
            self._size += total
            self._consume(n)
            self._want_writer()
            self._maybe_pause_protocol()

    def _send(self, bufs: Any) -> int:
        # one buffer: send; several: one sendmsg of up to IOV_MAX of them, no join
        if len(bufs) == 1:
            return self._sock.send(bufs[0])
        return self._sock.sendmsg(list(islice(bufs, IOV_MAX)))

    def _consume(self, n: int) -> None:
        """Drop the first ``n`` written bytes from the buffer."""
        buf = self._buffer
        self._size -= n
        while n:
            head = buf[0]
            if n >= len(head):
                n -= len(head)
                buf.popleft()
            else:
                buf[0] = head[n:]
                n = 0

    def can_write_eof(self) -> bool:
        return False

    def close(self) -> None:
        """Stop reading; close once what is buffered has been written."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._request_sync()
            if not self._buffer:
                self._schedule_lost(None)

    def abort(self) -> None:
        """Close at once, dropping what is buffered."""
        self._force_close(None)

    # ------------------------------------------------------------ the caller's side
    def caller_watch(self) -> int:
        """A caller is about to block on this stream: the descriptor to poll, or -1
        when it may not (then the hand-over is asked for; ``wake`` tells it is done).
        Every non-negative return must be followed by :meth:`caller_unwatch`."""
        with self._lock:
            if self._watch == CALLER and not self._closing and not self._paused:
                self._callers += 1
                self._waits += 1
                return self._fd
            if not (self._grant_pending or self._closing or self._paused or self._ended):
                self._grant_pending = True
                self._call_in_loop(self._grant)
            return -1

    def caller_unwatch(self, readable: bool) -> bool:
        """End a caller's poll; if the descriptor was readable, read it here. True if
        bytes were read (and given to the protocol)."""
        with self._lock:
            self._callers -= 1
            if readable:
                return self._caller_read()
            return False

    def caller_read_nowait(self) -> bool:
        """Read what the kernel holds, without waiting, if a caller watches this stream
        (a non-blocking recv or an EVENTS check). True if bytes were read."""
        if self._watch != CALLER:
            return False
        with self._lock:
            return self._caller_read()

    def sender_read_nowait(self) -> bool:
        """Read what the kernel holds, without waiting, whoever watches the descriptor:
        a sender whose sends depend on what its peers sent (a PUB's subscriptions)
        looks before it sends, as libzmq's sockets look at their pipes. True if bytes
        were read. A connection the loop is reading or writing right now is left to it
        (a sender waiting for its lock would wait for each of the loop's writes).
        Endings are left to the loop, which sees them as soon as it looks (an end of
        stream stays readable; after an error the socket reads as ended)."""
        lock = self._lock
        if not lock.acquire(False):
            return False
        try:
            if self._watch == CALLER:
                return self._caller_read()
            if self._closing or self._paused or self._sock_closed or self._ended:
                return False
            return self._read_here() > 0  # an ending: the loop, watching, sees it too
        finally:
            lock.release()

    def caller_release(self) -> None:
        """Give watching back to the loop now (someone else waits on the socket)."""
        with self._lock:
            if self._watch == CALLER:
                self._watch = LOOP
                self._request_sync()

    @property
    def watched_by_caller(self) -> bool:
        """True while callers, not the loop, watch the descriptor."""
        return self._watch == CALLER

    def _caller_read(self) -> bool:
        # lock held
        if self._watch != CALLER or self._closing or self._paused or self._sock_closed:
            return False
        n = self._read_here()
        if not n:
            # end of stream or an error: the loop deals with endings (it sees the
            # same condition again as soon as it watches)
            self._ended = True
            self._watch = LOOP
            self._request_sync()
        return n > 0

    def _read_here(self) -> int:
        """One read in a thread other than the loop's (lock held): the bytes given to
        the protocol, 0 at an ending (end of stream, an error), -1 if nothing was
        there."""
        try:
            n = self._sock.recv_into(self._protocol.get_buffer(-1))
        except (BlockingIOError, InterruptedError):
            return -1
        except OSError:
            return 0
        if n:
            self.caller_reads += 1
            self._protocol.buffer_updated(n)
        return n

    def _grant(self) -> None:
        with self._lock:
            self._grant_pending = False
            if self._closing or self._paused or self._ended or self._watch == CALLER:
                return
            self._watch = CALLER
            self._sync_reader()
            if self._reclaim is None:
                self._reclaim = self._loop.call_later(RECLAIM_IVL, self._reclaim_check)
        self._wake()

    def _reclaim_check(self) -> None:
        self._reclaim = None
        with self._lock:
            if self._watch != CALLER or self._closing:
                return
            if self._callers or self._waits != self._waits_seen:
                self._waits_seen = self._waits
                self._reclaim = self._loop.call_later(RECLAIM_IVL, self._reclaim_check)
                return
            self._watch = LOOP
            self._sync_reader()

    # ------------------------------------------------------------ the loop's side
    def _start(self) -> None:
        self._protocol.connection_made(self)
        with self._lock:
            self._sync_reader()

    def _read_ready(self) -> None:
        with self._lock:
            if self._closing or self._paused or self._watch != LOOP:
                return  # a callback of a registration just removed
            try:
                n = self._sock.recv_into(self._protocol.get_buffer(-1))
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._force_close(exc)
                return
            if not n:
                self._eof()
                return
            self._protocol.buffer_updated(n)

    def _eof(self) -> None:
        self._paused = True
        self._sync_reader()
        if not self._protocol.eof_received():
            self.close()

    def _write_ready(self) -> None:
        with self._lock:
            if self._lost or not self._buffer:
                self._stop_writer()
                return
            try:
                n = self._send(self._buffer)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._force_close(exc)
                return
            self._consume(n)
            if self._protocol_paused and self._size <= self._low:
                self._protocol_paused = False
                self._protocol.resume_writing()
            if not self._buffer:
                self._stop_writer()
                if self._closing:
                    self._schedule_lost(None)

    def _want_writer(self) -> None:
        # lock held
        if self._writer_on:
            return
        if threading.get_ident() == self._loop_thread:
            self._writer_on = True
            self._loop.add_writer(self._fd, self._write_ready)
        elif not self._writer_pending:
            self._writer_pending = True
            self._call_in_loop(self._want_writer_from_loop)

    def _want_writer_from_loop(self) -> None:
        with self._lock:
            self._writer_pending = False
            if self._buffer and not self._lost:
                self._want_writer()

    def _stop_writer(self) -> None:
        if self._writer_on:
            self._writer_on = False
            self._loop.remove_writer(self._fd)

    def _maybe_pause_protocol(self) -> None:
        if not self._protocol_paused and self._size > self._high:
            self._protocol_paused = True
            self._protocol.pause_writing()

    def _request_sync(self) -> None:
        # lock held: bring the selector's registration in line, on the loop's thread
        if threading.get_ident() == self._loop_thread:
            self._sync_reader()
        elif not self._sync_pending:
            self._sync_pending = True
            self._call_in_loop(self._sync_from_loop)

    def _sync_from_loop(self) -> None:
        with self._lock:
            self._sync_pending = False
            self._sync_reader()

    def _sync_reader(self) -> None:
        # loop thread, lock held
        want = not self._closing and not self._paused and self._watch == LOOP
        if want and not self._reader_on and not self._sock_closed:
            self._reader_on = True
            self._loop.add_reader(self._fd, self._read_ready)
        elif not want and self._reader_on:
            self._reader_on = False
            self._loop.remove_reader(self._fd)

    def _call_in_loop(self, fn: Callable[..., object], *args: object) -> None:
        try:
            if threading.get_ident() == self._loop_thread:
                self._loop.call_soon(fn, *args)
            else:
                self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:
            pass  # the loop is closed: abort_streams took care of us

    def _force_close(self, exc: BaseException | None) -> None:
        with self._lock:
            if self._lost:
                return
            self._buffer.clear()
            self._size = 0
            self._closing = True
            self._request_sync()
            self._schedule_lost(exc)

    def _schedule_lost(self, exc: BaseException | None) -> None:
        # lock held
        if self._lost:
            return
        self._lost = True
        if self._callers:
            self._wake()  # a caller polling us must look again
        self._call_in_loop(self._connection_lost, exc)

    def _connection_lost(self, exc: BaseException | None) -> None:
        try:
            self._protocol.connection_lost(exc)  # type: ignore[arg-type]
        finally:
            with self._lock:
                self._closing = True
                self._sync_reader()
                self._stop_writer()
                if self._reclaim is not None:
                    self._reclaim.cancel()
                    self._reclaim = None
                self._sock_closed = True
                self._sock.close()
            live = _streams.get(self._loop)
            if live is not None:
                live.discard(self)


async def connect_tcp(
    loop: asyncio.AbstractEventLoop,
    host: str,
    port: int,
    family: int,
    local_addr: tuple[str, int] | None,
) -> socket.socket:
    """A connected non-blocking TCP socket: each resolved address in turn, as
    ``loop.create_connection`` tries them; the last error if none answers."""
    infos = await _resolve(loop, host, port, family)
    if not infos:
        raise OSError(f"getaddrinfo({host!r}) returned nothing")
    last: OSError | None = None
    for af, kind, proto, _name, addr in infos:
        sock = socket.socket(af, kind, proto)
        try:
            sock.setblocking(False)
            if local_addr is not None:
                local = await _resolve(loop, local_addr[0], local_addr[1], af)
                if not local:
                    raise OSError(f"cannot bind to {local_addr!r}: no {af!r} address")
                sock.bind(local[0][4])
            await loop.sock_connect(sock, addr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
        except BaseException:
            sock.close()
            raise
    assert last is not None
    raise last


async def _resolve(
    loop: asyncio.AbstractEventLoop, host: str, port: int, family: int
) -> list[tuple[Any, ...]]:
    # an address literal resolves here, at once; a name in the loop's executor (a
    # thread), as loop.create_connection does
    try:
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror:
        pass
    return await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)


async def connect_unix(loop: asyncio.AbstractEventLoop, address: str) -> socket.socket:
    """A connected non-blocking Unix stream socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock
