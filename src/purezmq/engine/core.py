"""SocketCore: one socket's state, shared by the blocking and the asyncio facades.

It owns the routing object (the socket pattern), the option values, the endpoints
(listeners, connect sessions, inproc links) and the waiters. Every call into the
routing object happens under ``self.lock``; the engine's connections run on
``self.io``'s loop and hand messages over through the pipes' deques.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Any

from purezmq.constants import SOCKET_TYPE_NAMES, Errno, Event, SocketType
from purezmq.constants import SocketOption as O
from purezmq.engine.context import _FORK_GENERATION, ForkedError
from purezmq.engine.fdsignal import FdSignal
from purezmq.engine.reading import MAX_WATCHED
from purezmq.engine.security import (
    ZapClient,
    normalize_security_option,
    read_security_option,
)
from purezmq.error import ContextTerminated, ZMQError
from purezmq.options import OPTIONS
from purezmq.routing import make_routing
from purezmq.routing.base import GENERIC_OPTIONS, PATTERN_OPTIONS, Routing
from purezmq.routing.pipe import PeerInfo, Pipe, Subscription

if TYPE_CHECKING:
    from purezmq.engine.context import ContextCore
    from purezmq.engine.ioloop import IOLoop
    from purezmq.engine.waiters import Waiter

__all__ = ["PATTERN_OPTIONS", "RX_BATCH", "SocketCore", "pipe_properties"]

#: Messages a receive takes from the pattern at once when it can hand several over
#: (one pipe, no per-message state: see Routing.recv_batch); the next receives are
#: then served without the socket's lock. Bounded by RCVHWM / 2 as well.
RX_BATCH = 256

#: A send this long (seconds) or more after the previous one first reads the
#: connections of a socket whose sends depend on what its peers sent
#: (SocketCore.read_for_send); closer sends are a stream, which does not read. About
#: libzmq's own delay between two looks at a socket's commands while it sends
#: (max_command_delay, 3 M CPU ticks: about a millisecond).
SEND_READ_IVL = 0.001

#: Socket types whose connect-side pipe does not survive a reconnect: the peer's
#: routing id may change with every connection (libzmq ROUTER identifies per pipe).
NO_PERSISTENT_PIPE = frozenset({SocketType.ROUTER, SocketType.STREAM})

#: Types that send their Identity in READY (digest 1.5).
_SENDS_IDENTITY = frozenset({SocketType.REQ, SocketType.DEALER, SocketType.ROUTER})


_NO_PROPERTIES: dict[str, bytes] = {}

#: what :meth:`SocketCore.opt` gives for an option never set
_OPTION_DEFAULTS: dict[int, Any] = {number: spec.default for number, spec in OPTIONS.items()}


def pipe_properties(pipe: Pipe | None) -> dict[str, bytes]:
    """The handshake metadata of the connection behind ``pipe`` (empty if none)."""
    peer = pipe.peer if pipe is not None else None
    return peer.properties if peer is not None else _NO_PROPERTIES


#: Options that select or configure the security mechanism (engine/security.py).
_SECURITY_OPTIONS = frozenset(
    {
        O.PLAIN_SERVER,
        O.PLAIN_USERNAME,
        O.PLAIN_PASSWORD,
        O.CURVE_SERVER,
        O.CURVE_PUBLICKEY,
        O.CURVE_SECRETKEY,
        O.CURVE_SERVERKEY,
    }
)


class SocketCore:
    """The engine-side state of one socket.

    Args:
        ctx: the owning context.
        socket_type: a libzmq socket type number.
        io: the loop this socket's connections run on.
    """

    def __init__(self, ctx: ContextCore, socket_type: int, io: IOLoop) -> None:
        if socket_type not in SOCKET_TYPE_NAMES or socket_type > SocketType.STREAM:
            raise ZMQError(Errno.EINVAL, f"unsupported socket type {socket_type}")
        self.ctx = ctx
        self.socket_type = socket_type
        self.type_name = SOCKET_TYPE_NAMES[socket_type]
        self.io = io
        # re-entrant: a pattern may ask to close a pipe (ROUTER_HANDOVER) while the lock is
        # held, and an inproc pipe's close hook comes back into this core
        self.lock = threading.RLock()
        self.routing = make_routing(socket_type)
        #: the pattern's recv_batch, or None where it has none (REQ, REP, ROUTER...):
        #: try_recv_pipe then skips a call that always answers None
        self._recv_batch: Callable[[int], Any] | None = (
            self.routing.recv_batch
            if type(self.routing).recv_batch is not Routing.recv_batch
            else None
        )
        self.options: dict[int, Any] = {}
        self.waiters: set[Waiter] = set()
        #: those of :attr:`waiters` that wait for messages only (a recv's, a POLLIN
        #: poll's): an inproc peer making room (:meth:`notify_room`) does not wake them
        self.recv_waiters: set[Waiter] = set()
        #: bumped by every notify: an attempt made while it read n found nothing, and
        #: it still reads n, so nothing has changed since (a waiter registered after
        #: that attempt need not try again before it waits)
        self.notified = 0
        self.closed = False
        #: the process's fork generation while the socket can be used, -1 once it is
        #: closed or its context terminated: the per-message paths compare just this
        self.live = ctx.fork_gen
        #: messages taken from the pattern in one go (RX_BATCH), each with its pipe
        self.rx_cache: deque[tuple[list[bytes], Pipe]] = deque()
        self.last_endpoint = b""
        #: endpoint string -> handles (Listener, ConnectSession, InprocLink) to close
        self.endpoints: dict[str, list[Any]] = {}
        #: pipes whose peer is gone but which still hold unread messages
        self.pending_detach: list[Pipe] = []
        #: ids of inproc pipes (their HWM is sndhwm + rcvhwm of both sides)
        self.inproc_pipes: set[int] = set()
        self.monitor_core: SocketCore | None = None
        #: security mechanism selected by the options (0 NULL, 1 PLAIN, 2 CURVE) and role
        self.mechanism = 0
        self.as_server = False
        #: this socket's line to the ZAP handler, made on first need
        self.zap: ZapClient | None = None
        #: live tcp/ipc connections, whatever endpoint they belong to: aborted if any is
        #: still open once the socket's close has run (no transport outlives its socket)
        self.engines: set[Any] = set()
        #: the FD option's pipe, created on first use
        self.fd_signal: FdSignal | None = None
        #: a hint: some connection's reading may be with a thread blocked in recv
        #: (SelectorStream); set when the loop hands one over, cleared when handed back
        self.caller_reading = False
        #: the pattern's sends depend on what its peers sent (read_for_send); only the
        #: I/O thread's own streams may be read by a sending thread
        self.reads_for_send = type(self.routing).reads_before_send and io.own_streams
        #: when the last send began (read_for_send)
        self._last_send = -SEND_READ_IVL
        self.monitor_events = 0
        self._close_done = threading.Event()

    # ------------------------------------------------------------------ options
    def opt(self, option: int) -> Any:
        """The current value of ``option`` (its default if never set)."""
        # no try/except: most options read per call (RCVTIMEO, SNDTIMEO) are never set,
        # and a raised KeyError costs more than this whole method
        options = self.options
        if option in options:
            return options[option]
        return _OPTION_DEFAULTS.get(option)

    @property
    def conflate(self) -> bool:
        """CONFLATE is on."""
        return bool(self.options.get(O.CONFLATE, 0))

    @property
    def routing_id(self) -> bytes:
        """Our ROUTING_ID (sent as Identity by REQ/DEALER/ROUTER)."""
        rid = self.options.get(O.ROUTING_ID, b"")
        return rid if isinstance(rid, bytes) else b""

    @property
    def sends_identity(self) -> bool:
        """True for the types that send Identity in READY."""
        return self.socket_type in _SENDS_IDENTITY

    def setsockopt(self, option: int, value: Any) -> None:
        """Set an option after validating it against the options table."""
        self.check_open()
        spec = OPTIONS.get(option)
        if spec is None:
            raise ZMQError(Errno.EINVAL, f"unknown socket option {option}")
        if not spec.writable:
            raise ZMQError(Errno.EINVAL, f"option {option} is read-only")
        if option in _SECURITY_OPTIONS:
            value = normalize_security_option(self, option, value)
        elif spec.type == "bytes":
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise TypeError(f"option {option} takes bytes, not {type(value).__name__}")
            value = bytes(value)
            if option in (O.ROUTING_ID, O.CONNECT_ROUTING_ID) and not 0 < len(value) <= 255:
                raise ZMQError(Errno.EINVAL, "routing id must be 1 to 255 bytes")
        else:
            if isinstance(value, bool):
                value = int(value)
            if not isinstance(value, int):
                raise TypeError(f"option {option} takes an int, not {type(value).__name__}")
            if spec.minimum is not None and value < spec.minimum:
                raise ZMQError(Errno.EINVAL, f"invalid value {value} for option {option}")
            limit = 2**63 - 1 if spec.type == "int64" else 2**31 - 1
            if value > limit:
                raise ZMQError(Errno.EINVAL, f"value {value} out of range for option {option}")
        with self.lock:
            handled = self.routing.setsockopt(option, value)
            if not handled and option in PATTERN_OPTIONS and option not in GENERIC_OPTIONS:
                raise ZMQError(
                    Errno.EINVAL, f"option {option} does not apply to {self.type_name} sockets"
                )
            if option == O.IPV4ONLY:
                option, value = O.IPV6, 0 if value else 1
            if option not in (O.SUBSCRIBE, O.UNSUBSCRIBE):
                self.options[option] = value
            if option in (O.SNDHWM, O.RCVHWM):
                self._update_pipe_hwms()
        if handled:
            if option in (O.SUBSCRIBE, O.UNSUBSCRIBE):
                self.write_control()
            else:
                self.wake_io()
            self.notify()

    def _update_pipe_hwms(self) -> None:
        # libzmq 4.2+ applies new HWMs to existing pipes (socket_base update_pipe_options)
        for pipe in self.routing_pipes():
            if id(pipe) in self.inproc_pipes:
                continue
            pipe.out_hwm = self.opt(O.SNDHWM)
            pipe.in_hwm = self.opt(O.RCVHWM)

    def routing_pipes(self) -> list[Pipe]:
        """The pipes the routing object currently holds."""
        pipes = getattr(self.routing, "pipes", None)
        return list(pipes) if pipes is not None else []

    def getsockopt(self, option: int) -> Any:
        """Read an option (TYPE, EVENTS, LAST_ENDPOINT are computed)."""
        self.check_open()
        if option == O.TYPE:
            return self.socket_type
        if option == O.LAST_ENDPOINT:
            return self.last_endpoint
        if option == O.EVENTS:
            return self.events()
        if option == O.THREAD_SAFE:
            return 1
        if option == O.MECHANISM:
            return self.mechanism
        if option == O.IPV4ONLY:
            return 0 if self.opt(O.IPV6) else 1
        if option in _SECURITY_OPTIONS:
            return read_security_option(self, option)
        spec = OPTIONS.get(option)
        if spec is None:
            raise ZMQError(Errno.EINVAL, f"unknown socket option {option}")
        if not spec.readable:
            with self.lock:
                try:
                    return self.routing.getsockopt(option)
                except KeyError:
                    raise ZMQError(Errno.EINVAL, f"option {option} is write-only") from None
        return self.opt(option)

    def events(self, read_kernel: bool = True) -> int:
        """POLLIN/POLLOUT readiness (the EVENTS option).

        ``read_kernel``: first read what the kernel holds for connections a caller
        watches (False only for a caller about to poll those descriptors anyway).
        """
        if self.closed:
            return 0
        if read_kernel and self.caller_reading:
            self.read_nowait()
        with self.lock:
            self._reap()
            ev = 1 if self.rx_cache or self.routing.can_recv() else 0
            if self.routing.can_send():
                ev |= 2
        return ev

    def zap_client(self) -> ZapClient:
        """This socket's ZAP client (created on first use)."""
        if self.zap is None:
            self.zap = ZapClient(self)
        return self.zap

    def get_fd(self) -> int:
        """The FD option: a pipe that signals state changes (see engine/fdsignal.py)."""
        self.check_open()
        with self.lock:
            if self.fd_signal is None:
                self.fd_signal = FdSignal()
                self.add_waiter(self.fd_signal)  # (the FD must signal what arrives)
                self.fd_signal.wake()  # the state is unknown to the caller yet
            return self.fd_signal.fileno()

    # ------------------------------------------------------------------ waking
    def add_waiter(self, waiter: Waiter, room: bool = True) -> None:
        """Register ``waiter`` to be woken on every state change (``room=False``: but
        not when a peer only made room, :meth:`notify_room`).

        A connection a blocked recv was reading itself goes back to the loop first: this
        waiter (a poller, a sender, another thread) is woken only by what the loop reads.
        The blocking recv registers its own waiter with :meth:`add_reading_waiter`.
        """
        self.register(waiter, room)
        if self.caller_reading:
            self.release_reading()

    def add_reading_waiter(self, waiter: Waiter, room: bool = True) -> None:
        """Register the waiter of a recv that reads connections itself (no hand-back);
        ``room`` as for :meth:`add_waiter`."""
        self.register(waiter, room)

    def register(self, waiter: Waiter, room: bool = True) -> None:
        """Register ``waiter`` and nothing else (no hand-back of what a caller reads);
        ``room`` as for :meth:`add_waiter`."""
        self.waiters.add(waiter)
        if room:
            self.recv_waiters.discard(waiter)  # a waiter object may be registered again
        else:
            self.recv_waiters.add(waiter)

    def release_reading(self) -> None:
        """Hand every connection a caller was reading back to the loop."""
        self.caller_reading = False
        for engine in tuple(self.engines):
            engine.caller_release()

    def read_nowait(self) -> bool:
        """Read, without waiting, the connections a caller watches (a non-blocking recv,
        an EVENTS check find what the kernel holds). True if anything was read."""
        got = watched = False
        for engine in tuple(self.engines):
            t = engine.transport
            if getattr(t, "watched_by_caller", False):
                watched = True
                if engine.caller_read_nowait():
                    got = True
        if not watched:
            self.caller_reading = False
        return got

    def remove_waiter(self, waiter: Waiter) -> None:
        """Unregister ``waiter``."""
        self.waiters.discard(waiter)
        self.recv_waiters.discard(waiter)

    def notify(self) -> None:
        """Wake every waiter (any thread; cheap when nobody waits)."""
        self.notified += 1
        if self.waiters:
            for w in tuple(self.waiters):
                w.wake()

    def notify_room(self) -> None:
        """An inproc peer took a message this socket sent: there may be room for its
        sends. Wakes the waiters that may wait for room: not those registered for
        messages only, nor one that says it wants no room now (``wants_room``, a
        relay's: see HandOffWaiter). Any thread; cheap when nobody waits.

        Without this, every message read over inproc woke the sender's waiting recv
        (and a proxy's thread, which then raced the sending threads doing its work): a
        wake-up, and a GIL hand-over, for nothing. Measured (docs/performance.md): the
        inproc proxy's round trip went down; plain inproc REQ/REP read slower in one
        A/B run and the same within noise in two others.
        """
        self.notified += 1
        waiters = self.waiters
        if waiters:
            recv_only = self.recv_waiters
            for w in tuple(waiters):
                if w not in recv_only and getattr(w, "wants_room", True):
                    w.wake()

    def notify_from_io(self) -> None:
        """:meth:`notify` for the engine's own callbacks (no socket operation under
        way): a waiter on this very thread may complete at once (``wake_now``) instead
        of in a later loop turn."""
        self.notified += 1
        if self.waiters:
            for w in tuple(self.waiters):
                now = getattr(w, "wake_now", None)
                if now is not None:
                    now()
                else:
                    w.wake()

    def wake_io(self) -> None:
        """Ask every pipe's writer side to flush (after routing wrote outside send)."""
        for pipe in self.routing_pipes():
            if pipe.out_q:
                pipe.on_write()

    def write_control(self) -> None:
        """Write what the routing queued outside a send (a SUB's subscriptions) out now,
        from this thread where the connection allows it (``Pipe.on_backlog``), else
        through the loop: control traffic, not a stream to batch. A subscription left
        to the loop waits for the GIL this thread holds, and a message the program
        publishes meanwhile (a canary, a sync request on another socket) overtakes it.
        Outside the socket lock: the engines take their own."""
        for pipe in self.routing_pipes():
            if pipe.out_q and not pipe.on_backlog():
                pipe.on_write()

    # ------------------------------------------------------------------ data path
    def check_open(self) -> None:
        """Raise ENOTSOCK if closed; a clear error if used in a forked child."""
        if self.closed:
            raise ZMQError(Errno.ENOTSOCK, "Socket operation on non-socket")
        if self.ctx.forked:
            raise ForkedError()

    def _raise_unusable(self) -> None:
        """Raise what a call on a socket that is not ``live`` gets: ENOTSOCK when
        closed, ForkedError in a forked child, else ETERM (its context ended)."""
        if self.closed:
            raise ZMQError(Errno.ENOTSOCK, "Socket operation on non-socket")
        if self.ctx.forked:
            raise ForkedError()
        raise ContextTerminated()

    def _reap(self) -> None:
        # detach pipes whose peer left once their last message has been read
        if self.pending_detach:
            keep = []
            for pipe in self.pending_detach:
                if pipe.in_q:
                    keep.append(pipe)
                else:
                    self.routing.detach(pipe)
            self.pending_detach = keep

    def try_send(self, msg: list[bytes]) -> bool:
        """Offer a whole message to the routing object; False means it would block."""
        # the per-message path: one lock (acquire/release: cheaper than `with`), one
        # liveness comparison, no helper calls unless something is wrong
        if self.reads_for_send:
            now = time.monotonic()
            if now - self._last_send >= SEND_READ_IVL:
                self.read_for_send()
            self._last_send = now
        lock = self.lock
        lock.acquire()
        try:
            if self.live != _FORK_GENERATION[0]:
                self._raise_unusable()
            return self.routing.send(msg)
        finally:
            lock.release()

    def read_for_send(self) -> None:
        """Read what the kernel holds for this socket's connections, in the sending
        thread, before a send that comes SEND_READ_IVL or more after the previous one
        (:meth:`try_send` checks): a PUB sees a subscription that reached it before
        the send, even while the I/O thread waits for the GIL the sender holds
        (libzmq's sockets, whose I/O threads run in parallel, look at their pipes as
        they send). A stream of sends does not read: the I/O thread, which flushes
        them, reads meanwhile (and a subscriber joining a stream misses its first
        messages, as with libzmq). Outside the socket lock: the engines take their
        own."""
        try:
            engines = tuple(self.engines)
        except RuntimeError:  # the I/O thread changed the set meanwhile (no GIL)
            return
        if len(engines) <= MAX_WATCHED:  # more: each send would read them all
            for engine in engines:
                engine.sender_read_nowait()

    def relieve(self) -> bool:
        """A send found no room: ask the engine of every full pipe to write its queue out
        from this thread (:attr:`Pipe.on_backlog`). True if any queue got shorter, so
        another :meth:`try_send` may succeed. Outside the socket lock: the engines
        take their own."""
        relieved = False
        for pipe in self.routing_pipes():
            hwm = pipe.out_hwm
            if hwm and len(pipe.out_q) >= hwm and pipe.on_backlog():
                relieved = True
        return relieved

    def try_recv(self) -> list[bytes] | None:
        """Take one whole message, or None if none is ready."""
        return self.try_recv_pipe()[0]

    def try_recv_pipe(self) -> tuple[list[bytes] | None, Pipe | None]:
        """Like :meth:`try_recv`, plus the pipe it came from (for its metadata), taken
        together so another thread's recv cannot mix them up."""
        cache = self.rx_cache
        if cache and self.live == _FORK_GENERATION[0]:
            # a message of an earlier batch: no lock (popleft is atomic)
            try:
                return cache.popleft()
            except IndexError:
                pass  # another thread took the last one
        lock = self.lock
        lock.acquire()
        try:
            if self.live != _FORK_GENERATION[0]:
                self._raise_unusable()
            if cache:
                return cache.popleft()
            routing = self.routing
            recv_batch = self._recv_batch
            batch = recv_batch(RX_BATCH) if recv_batch is not None else None
            got: tuple[list[bytes] | None, Pipe | None]
            if batch is not None:
                msgs, pipe = batch
                cache.extend(zip(msgs, repeat(pipe)))
                got = cache.popleft()
            else:
                got = routing.recv(), routing.last_recv_pipe
            if self.pending_detach:
                self._reap()
            return got
        finally:
            lock.release()

    def recv_would_wait(self) -> bool:
        """True only if :meth:`try_recv_pipe` would now find nothing and raise nothing
        (``Routing.recv_would_wait``; without the lock, so only a hint for a caller
        that then waits and re-checks ``notified``, as the asyncio recv does)."""
        return (
            not self.rx_cache
            and self.live == _FORK_GENERATION[0]
            and not self.pending_detach
            and self.routing.recv_would_wait()
        )

    def try_recv_with_properties(self) -> tuple[list[bytes] | None, dict[str, bytes]]:
        """Like :meth:`try_recv`, plus the metadata of the connection it came from."""
        msg, pipe = self.try_recv_pipe()
        if msg is None:
            return None, _NO_PROPERTIES
        return msg, pipe_properties(pipe)

    def last_recv_pipe(self) -> Pipe | None:
        """The pipe the last received message came from (for its metadata)."""
        return getattr(self.routing, "last_recv_pipe", None)

    # ------------------------------------------------------------------ pipes
    def make_pipe(self, peer: PeerInfo | None) -> Pipe:
        """A new tcp/ipc pipe with this socket's HWMs."""
        pipe = Pipe(
            deque(), deque(), self.opt(O.SNDHWM), self.opt(O.RCVHWM), b"", peer, self.conflate
        )
        if self.socket_type == SocketType.ROUTER:
            crid = self.options.get(O.CONNECT_ROUTING_ID)
            if crid:
                pipe.routing_id = crid
        return pipe

    def attach_pipe(self, pipe: Pipe) -> bool:
        """Hand a pipe to the routing object; False if the pattern refuses it."""
        with self.lock:
            if self.closed:
                return False
            ok = self.routing.attach(pipe)
        if ok:
            self.notify()
        return ok

    def hiccup(self, pipe: Pipe) -> None:
        """A connect-side pipe got a new connection: let the pattern resend its state."""
        with self.lock:
            # subscriptions still queued from the previous connection would be counted
            # twice by the publisher once the pattern resends them all
            q = pipe.out_q
            kept = [m for m in q if type(m) is not Subscription]
            if len(kept) != len(q):
                q.clear()
                q.extend(kept)
            self.routing.hiccup(pipe)

    def pipe_terminated(self, pipe: Pipe) -> None:
        """The peer behind ``pipe`` is gone for good; unread messages stay readable."""
        with self.lock:
            if pipe.in_q:
                self.pending_detach.append(pipe)
            else:
                self.routing.detach(pipe)
        self.notify()

    # ------------------------------------------------------------------ monitor
    def emit(self, event: int, value: int, endpoint: str) -> None:
        """Send a monitor event (libzmq's two-frame format) if a monitor wants it."""
        mon = self.monitor_core
        if mon is None or not (self.monitor_events & event):
            return
        import struct

        frames = [struct.pack("=HI", event & 0xFFFF, value & 0xFFFFFFFF), endpoint.encode()]
        try:
            mon.try_send(frames)
        except ZMQError:
            pass

    def stop_monitor(self) -> None:
        """Send MONITOR_STOPPED and detach the monitor socket."""
        mon = self.monitor_core
        if mon is None:
            return
        self.emit(Event.MONITOR_STOPPED, 0, "")
        self.monitor_core = None
        self.monitor_events = 0
        mon.close(0)

    # ------------------------------------------------------------------ endpoints
    def add_endpoint(self, keys: list[str], handle: Any) -> None:
        """Remember ``handle`` under every name it may be unbound/disconnected by."""
        for k in dict.fromkeys(keys):
            self.endpoints.setdefault(k, []).append(handle)

    def pop_endpoint(self, key: str) -> list[Any]:
        """Remove and return the handles registered under ``key``."""
        handles = self.endpoints.pop(key, [])
        for k, hs in list(self.endpoints.items()):
            rest = [h for h in hs if h not in handles]
            if rest:
                self.endpoints[k] = rest
            else:
                del self.endpoints[k]
        return handles

    # ------------------------------------------------------------------ close
    def close(self, linger: int | None = None) -> None:
        """Close the socket; pending outgoing data is flushed for up to LINGER ms."""
        if self.closed:
            return
        if self.ctx.forked:
            # a parent's socket in a forked child: its connections and I/O thread are the
            # parent's, so only forget it here
            self.closed = True
            self.live = -1
            return
        if linger is not None:
            self.options[O.LINGER] = linger
        linger_ms = self.opt(O.LINGER)
        with self.lock:
            self.closed = True
            self.live = -1
            self.rx_cache.clear()
        self.notify()
        if self.zap is not None:
            self.zap.close()
        if self.fd_signal is not None:
            self.waiters.discard(self.fd_signal)
            self.fd_signal.close()
        self.stop_monitor()
        handles: list[Any] = []
        for hs in self.endpoints.values():
            for h in hs:
                if h not in handles:
                    handles.append(h)
        self.endpoints.clear()
        self.ctx.socket_closing(self)
        deadline_s = None if linger_ms < 0 else linger_ms / 1000.0

        async def _close_all() -> None:
            import asyncio

            await asyncio.gather(*(h.close(deadline_s) for h in handles), return_exceptions=True)

        def _done(*_: object) -> None:
            self._close_done.set()
            self.ctx.socket_closed(self)

        self._closing_handles = handles
        if not handles:
            _done()
            return
        if not self.io.is_alive():
            for h in handles:
                h.abort()
            _done()
            return

        async def _run() -> None:
            try:
                await _close_all()
            finally:
                for engine in list(self.engines):
                    engine.abort()
                _done()

        self.io.spawn(_run())

    _closing_handles: list[Any] = []

    def abort_close(self) -> None:
        """Drop what a lingering close still holds (term() on this socket's own loop).

        The loop cannot run while term() blocks it, so within LINGER the messages
        already queued on live connections are written synchronously first (a
        ``purezmq.asyncio`` program's ``sock.close(); ctx.term()`` delivers what it
        sent, as with libzmq's I/O thread). Connections still being made are dropped.
        """
        linger_ms = self.opt(O.LINGER)
        if linger_ms != 0:
            deadline = None if linger_ms < 0 else time.monotonic() + linger_ms / 1000.0
            for engine in list(self.engines):
                engine.flush_blocking(deadline)
        for h in self._closing_handles:
            h.abort()
        self._closing_handles = []
        for engine in list(self.engines):
            engine.abort()
        if not self._close_done.is_set():
            self._close_done.set()
            self.ctx.socket_closed(self)

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Block until the lingering close has finished."""
        return self._close_done.wait(timeout)

    def call_on_io(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn`` on this socket's loop."""
        self.io.call_soon(fn, *args)
