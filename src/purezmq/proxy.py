"""The built-in proxy: ``zmq_proxy`` and ``zmq_proxy_steerable`` (libzmq 4.3 semantics).

A proxy relays whole messages between a frontend and a backend socket, both ways, until
the context is terminated (:class:`~purezmq.error.ContextTerminated`), a socket is
closed under it (``ZMQError(ENOTSOCK)``), a send fails, or a steerable proxy receives
``TERMINATE`` on its control socket (then it returns 0).

How it waits: as :class:`~purezmq.Poller` does. One
:class:`~purezmq.engine.waiters.PollWaiter` is registered with every socket involved,
before the proxy looks at them, and the proxy's thread reads the tcp/ipc connections of
the sockets it reads from itself while it waits (engine/reading.py): a message relayed
from a connection to an inproc peer crosses no thread but the peer's. After each
wake-up the proxy looks at every socket again (level-triggered, like libzmq's poller),
so no event is lost. Unlike a plain poll it also sees ``ctx.term()`` and ``close()``,
which wake every waiter of a socket.

Hand-offs: a blocking send of another thread that delivers to one of the relayed
sockets over inproc does not wake the proxy's thread; it steps that socket's direction
itself once its send is done (:class:`~purezmq.engine.waiters.HandOffWaiter`,
:meth:`Relay.relay_here`), under the relay's lock, which the proxy's thread holds except
while it waits. A request through an inproc ROUTER/DEALER queue then reaches its worker
from the requester's thread and the reply its requester from the worker's: two thread
wake-ups fewer per round trip. The sender moves at most :data:`SENDER_BURST_SIZE`
messages and wakes the proxy's thread for anything left; a stream of sends (messages
closer together than ``HAND_OFF_GAP``) is left to the proxy's thread, which moves it in
bursts; errors are the proxy thread's to raise, never the sender's.

Back-pressure: like libzmq, a direction only reads from its source while its destination
reports POLLOUT, so a full PUSH/DEALER side makes the proxy stop reading instead of
dropping. Where libzmq would then block inside a send (a socket whose POLLOUT was
optimistic, a capture socket with no peer), this proxy keeps the one message it holds
and waits for room without blocking the other direction or the control socket. Nothing
is ever dropped by the proxy itself; types that drop by design (PUB, XPUB, ROUTER
without ROUTER_MANDATORY) still do so in their own routing.

Steering follows zmq_proxy_steerable(3) and libzmq after 4.3.5, not the 4.3.5 release
itself, whose control handling swaps PAUSE and RESUME and acknowledges commands on
every control socket type (pyzmq skips its steerable tests on 4.3.5 for that reason):
here PAUSE pauses, RESUME resumes, and only a REP control socket gets the empty
acknowledgement. STATISTICS counts every frame, as both versions do.
"""

from __future__ import annotations

import struct
import threading
from collections import deque
from typing import TYPE_CHECKING

from purezmq.constants import Errno, SocketType
from purezmq.engine.reading import wait_reading
from purezmq.engine.waiters import HANDING_OFF, HandOffWaiter, PollWaiter, poll_waiter
from purezmq.error import ContextTerminated, ZMQError
from purezmq.socket_base import SocketBase

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = ["Relay", "RelayFlow", "device", "proxy", "proxy_steerable"]

#: How many messages one direction moves before the other gets its turn
#: (libzmq's ``proxy_burst_size``): keeps a busy direction from starving the other.
PROXY_BURST_SIZE = 1000

#: How many messages a direction moves when a sending thread does the relay's work
#: (:meth:`Relay.relay_here`): what its own send delivered and a little more, not a
#: backlog; the relay's thread is woken for the rest.
SENDER_BURST_SIZE = 16


#: Control commands of ``zmq_proxy_steerable`` (zmq_proxy_steerable(3)).
CMD_PAUSE = b"PAUSE"
CMD_RESUME = b"RESUME"
CMD_TERMINATE = b"TERMINATE"
CMD_STATISTICS = b"STATISTICS"

#: One STATISTICS value: a native-endian uint64, as libzmq memcpy()s its counters.
_U64 = struct.Struct("=Q")
_U64_MASK = 0xFFFF_FFFF_FFFF_FFFF


def _check_socket(sock: object, name: str) -> SocketBase:
    if not isinstance(sock, SocketBase):
        raise TypeError(f"{name} must be a purezmq Socket, not {type(sock).__name__}")
    return sock


def _optional_socket(sock: object) -> SocketBase | None:
    # pyzmq passes NULL to libzmq for anything that is not a Socket
    return sock if isinstance(sock, SocketBase) else None


def _writable(core: SocketCore) -> bool:
    """POLLOUT of a socket (just the pattern's answer: cheaper than ``events()``)."""
    with core.lock:
        return not core.closed and core.routing.can_send()


class RelayFlow:
    """One direction of a relay: messages read from ``source`` go to ``dest``.

    Each message read is first copied to the relay's capture socket (if any), then sent
    to ``dest``, in that order, as libzmq does; a step that cannot be done yet is kept
    until the socket has room. The flow counts what it moves the way libzmq 4.3.5's
    STATISTICS does: every frame is a message, and bytes are the frames' sizes.

    Args:
        source: the socket messages are read from.
        dest: the socket they are sent to (may be ``source`` itself).
        capture_prefix: if not None, the capture copy is ``[capture_prefix, *msg]``
            (monitored queues); if None it is the message as is.
        swap_ids: exchange the first two frames before sending (ROUTER to ROUTER
            monitored queues: the destination's routing id must come first).

    Attributes:
        recv_msgs: frames read from ``source``.
        recv_bytes: bytes read from ``source``.
        sent_msgs: frames ``dest`` accepted.
        sent_bytes: bytes ``dest`` accepted.
    """

    __slots__ = (
        "capture_prefix",
        "dest",
        "more",
        "pending",
        "recv_bytes",
        "recv_msgs",
        "room_wanted",
        "same_socket",
        "sent_bytes",
        "sent_msgs",
        "source",
        "swap_ids",
    )

    def __init__(
        self,
        source: SocketBase,
        dest: SocketBase,
        capture_prefix: bytes | None = None,
        swap_ids: bool = False,
    ) -> None:
        self.source = source
        self.dest = dest
        self.same_socket = source is dest
        self.capture_prefix = capture_prefix
        self.swap_ids = swap_ids
        self.recv_msgs = 0
        self.recv_bytes = 0
        self.sent_msgs = 0
        self.sent_bytes = 0
        #: the sends of the current message still to do: (socket core, frames, frame
        #: count and bytes to add to the sent counters: 0 for the capture copy)
        self.pending: deque[tuple[SocketCore, list[bytes], int, int]] = deque()
        #: the last step stopped at its burst size: the source may hold more
        self.more = False
        #: a step is under way or the last one stopped for want of room in ``dest``
        #: (Relay.waits_for_room: an inproc peer making room there wakes the relay)
        self.room_wanted = False

    def _recv(self) -> list[bytes] | None:
        sock = self.source
        rx = sock._rx
        if rx:
            # frames of a message the application started reading frame by frame
            msg = [bytes(f) for f in rx]
            rx.clear()
            return msg
        return sock._core.try_recv()

    def _flush(self) -> bool:
        """Do the pending sends in order; True when nothing is left."""
        pending = self.pending
        while pending:
            core, msg, nmsgs, nbytes = pending[0]
            if not core.try_send(msg):
                return False
            pending.popleft()
            self.sent_msgs += nmsgs
            self.sent_bytes += nbytes
        return True

    def step(self, capture: SocketCore | None, active: bool, burst: int = PROXY_BURST_SIZE) -> bool:
        """Move up to ``burst`` messages; True if anything moved (:attr:`more` tells
        whether it stopped at ``burst``, :attr:`room_wanted` whether for want of room)."""
        # set before anything is tried (room made while this step finds none is seen),
        # cleared where it stops for another reason
        self.room_wanted = True
        moved = False
        self.more = False
        if self.pending:
            if not self._flush():
                return False
            moved = True
        if not active:
            self.room_wanted = False
            return moved
        dest_core = self.dest._core
        check_pollout = not self.same_socket
        for _ in range(burst):
            # back-pressure: read only what the destination can take now (libzmq waits
            # for POLLOUT on the other side first; a socket proxied to itself, like a
            # REP echo device, has no POLLOUT before it has read)
            if check_pollout and not _writable(dest_core):
                break
            msg = self._recv()
            if msg is None:
                self.room_wanted = False  # the source is empty
                break
            moved = True
            nmsgs = len(msg)
            nbytes = len(msg[0]) if nmsgs == 1 else sum(map(len, msg))
            self.recv_msgs += nmsgs
            self.recv_bytes += nbytes
            if self.swap_ids and nmsgs >= 2:
                msg[0], msg[1] = msg[1], msg[0]
            if capture is not None:
                prefix = self.capture_prefix
                copy = [*msg] if prefix is None else [prefix, *msg]
                if not capture.try_send(copy):
                    self.pending.append((capture, copy, 0, 0))
                    self.pending.append((dest_core, msg, nmsgs, nbytes))
                    break
            if dest_core.try_send(msg):
                self.sent_msgs += nmsgs
                self.sent_bytes += nbytes
            else:
                self.pending.append((dest_core, msg, nmsgs, nbytes))
                break
        else:
            self.more = True
            self.room_wanted = False
        return moved


class Relay:
    """Runs :class:`RelayFlow` directions and an optional control socket until stopped.

    This is the loop behind :func:`proxy`, :func:`proxy_steerable` and
    :func:`purezmq.devices.monitored_queue`.

    Args:
        flows: the directions to relay: frontend to backend first, then (unless the
            frontend is the backend) backend to frontend.
        capture: the socket every relayed message is copied to, or None.
        control: a steerable proxy's control socket, or None.
    """

    def __init__(
        self,
        flows: list[RelayFlow],
        capture: SocketBase | None = None,
        control: SocketBase | None = None,
    ) -> None:
        self.flows = flows
        self.capture = capture
        self.control = control
        self.active = True
        self.terminated = False
        #: held by the relay's thread except while it waits, and by a sending thread
        #: doing the relay's work (relay_here): one of them steps the flows at a time
        self._lock = threading.Lock()
        self._running = False
        #: replies owed on the control socket, sent before the next command is read
        self._control_out: deque[list[bytes]] = deque()
        sockets: list[SocketBase] = []
        for s in [
            *(f.source for f in flows),
            *(f.dest for f in flows),
            *(x for x in (capture, control) if x is not None),
        ]:
            if not any(s is t for t in sockets):
                sockets.append(s)
        self._sockets = sockets

    def statistics(self) -> tuple[int, int, int, int, int, int, int, int]:
        """The STATISTICS counters, in libzmq's order.

        Frontend messages and bytes received, frontend messages and bytes sent, then the
        same four for the backend; every frame counts as one message.
        """
        forward = self.flows[0]
        back_msgs = back_bytes = front_msgs = front_bytes = 0
        if len(self.flows) > 1:
            reverse = self.flows[1]
            back_msgs, back_bytes = reverse.recv_msgs, reverse.recv_bytes
            front_msgs, front_bytes = reverse.sent_msgs, reverse.sent_bytes
        return (
            forward.recv_msgs,
            forward.recv_bytes,
            front_msgs,
            front_bytes,
            back_msgs,
            back_bytes,
            forward.sent_msgs,
            forward.sent_bytes,
        )

    def _check_usable(self) -> None:
        # zmq_poll reports ETERM once the context is terminated, ENOTSOCK for a closed socket
        for s in self._sockets:
            core = s._core
            if core.closed:
                raise ZMQError(Errno.ENOTSOCK, "Socket operation on non-socket")
            if core.ctx.terminated:
                raise ContextTerminated()

    def _handle_control(self) -> bool:
        """Send owed replies, then read and apply commands; True if anything happened."""
        control = self.control
        if control is None:
            return False
        core = control._core
        did = False
        while True:
            out = self._control_out
            while out:
                if not core.try_send(out[0]):
                    return did
                out.popleft()
                did = True
            if self.terminated:
                return did
            rx = control._rx
            if rx:
                msg: list[bytes] | None = [bytes(f) for f in rx]
                rx.clear()
            else:
                msg = core.try_recv()
            if msg is None:
                return did
            did = True
            self._apply(msg, core.socket_type == SocketType.REP)

    def _apply(self, msg: list[bytes], is_rep: bool) -> None:
        # A command is a one-frame message (libzmq reads one frame per command; with
        # whole messages a multipart message is simply not a command).
        command = msg[0] if len(msg) == 1 else None
        if command == CMD_STATISTICS:
            self._control_out.append([_U64.pack(v & _U64_MASK) for v in self.statistics()])
            return
        if command == CMD_PAUSE:
            self.active = False
        elif command == CMD_RESUME:
            self.active = True
        elif command == CMD_TERMINATE:
            self.terminated = True
        # a REP control socket gets an empty reply to anything else (unknown commands
        # included) so that its REQ peer can go on; other types get none
        if is_rep:
            self._control_out.append([b""])

    def waits_for_room(self, source: object) -> bool:
        """A flow sending to ``source`` is stepping or stopped for want of room there
        (or its capture socket's: then it is woken by that socket's own waiter)."""
        return any(flow.room_wanted and flow.dest._core is source for flow in self.flows)

    def relay_here(self, hand_off: HandOffWaiter) -> None:
        """Step the flows reading ``hand_off.source`` in a sending thread, right after
        a blocking send of its delivered there (:class:`HandOffWaiter`), unless the
        relay's own thread is at work: then, or for anything left (a burst's rest, a
        message waiting for room, an error), wake the relay's thread. Never raises.
        """
        waiter = hand_off.waiter
        lock = self._lock
        if not lock.acquire(False):
            waiter.wake()  # the relay's thread is stepping: it must look again
            return
        try:
            if not self._running:
                return
            capture = self.capture._core if self.capture is not None else None
            active = self.active and not self.terminated
            left = False
            source = hand_off.source
            for flow in self.flows:
                if flow.source._core is source:
                    flow.step(capture, active, SENDER_BURST_SIZE)
                    left = left or flow.more or bool(flow.pending)
            if left:
                waiter.wake()
        except Exception:
            # a closed socket, a terminated context: the relay's thread meets it too,
            # and raises it where it belongs, not into this thread's send
            waiter.wake()
        finally:
            lock.release()

    def run(self) -> int:
        """Relay until TERMINATE (returns 0) or an error (raised).

        Raises:
            ContextTerminated: the context of one of the sockets was terminated.
            ZMQError: ENOTSOCK if a socket was closed, or any error of a send.
        """
        waiter = poll_waiter()
        cores = [s._core for s in self._sockets]
        # the sockets read from: the flows' sources and the control socket (the capture
        # socket is only written to, and registers as any other waiter). A flow's source
        # takes the hand-off waiter, so that a sending thread may step the flows itself.
        sources = [f.source._core for f in self.flows]
        control = self.control._core if self.control is not None else None
        reading = [c for c in cores if c is control or any(c is s for s in sources)]
        registered: list[tuple[SocketCore, PollWaiter | HandOffWaiter]] = []
        lock = self._lock
        lock.acquire()
        self._running = True
        HANDING_OFF.append(self)
        try:
            for core in cores:
                source = any(core is s for s in sources)
                if source:
                    # it wakes the proxy's own thread for what it does not hand off
                    hand_off = HandOffWaiter(self, waiter, core)
                    core.add_reading_waiter(hand_off)
                    registered.append((core, hand_off))
                if core is control:
                    core.add_reading_waiter(waiter)
                    registered.append((core, waiter))
                elif not source:
                    core.add_waiter(waiter)
                    registered.append((core, waiter))
            capture_core = self.capture._core if self.capture is not None else None
            while True:
                self._check_usable()
                progressed = self._handle_control()
                if self.terminated and not self._control_out:
                    # libzmq never holds a message when it reads TERMINATE: hand on
                    # what can still go now, then stop
                    for flow in self.flows:
                        flow.step(capture_core, False)
                    return 0
                for flow in self.flows:
                    if flow.step(capture_core, self.active):
                        progressed = True
                if not progressed:
                    lock.release()  # a sending thread may step the flows meanwhile
                    try:
                        wait_reading(waiter, reading, None)
                    finally:
                        lock.acquire()
        except ZMQError as e:
            if e.errno == Errno.ETERM and not isinstance(e, ContextTerminated):
                raise ContextTerminated() from None
            raise
        finally:
            self._running = False
            HANDING_OFF.remove(self)
            for core, registered_waiter in registered:
                core.remove_waiter(registered_waiter)
            waiter.busy = False
            lock.release()


def _relay(frontend: object, backend: object, capture: object, control: object) -> Relay:
    front = _check_socket(frontend, "frontend")
    back = _check_socket(backend, "backend")
    if front.closed or back.closed:
        # libzmq: EFAULT, "the provided frontend or backend was invalid"
        raise ZMQError(Errno.EFAULT)
    flows = [RelayFlow(front, back)]
    if back is not front:
        flows.append(RelayFlow(back, front))
    return Relay(flows, _optional_socket(capture), _optional_socket(control))


def proxy(frontend: SocketBase, backend: SocketBase, capture: SocketBase | None = None) -> int:
    """Relay messages between ``frontend`` and ``backend`` (``zmq_proxy``).

    Typical pairings are ROUTER/DEALER (a shared queue), XSUB/XPUB (a forwarder;
    subscriptions flow from the XPUB side back to the XSUB side) and PULL/PUSH (a
    streamer). Passing the same socket twice makes an echo device. If ``capture`` is
    given, every message relayed in either direction is also sent to it.

    This call blocks for as long as the proxy runs, which is until the context is
    terminated; run it in its own thread (or use :mod:`purezmq.devices`). It takes
    blocking sockets: calling it on the loop of :mod:`purezmq.asyncio` sockets would
    block the very loop their connections need.

    Args:
        frontend: the socket facing the clients.
        backend: the socket facing the services.
        capture: a socket that gets a copy of every message (PUB is the usual choice).

    Returns:
        Never returns normally; the return type mirrors pyzmq.

    Raises:
        ContextTerminated: the context was terminated (the usual way a proxy ends).
        ZMQError: EFAULT if ``frontend`` or ``backend`` is already closed, ENOTSOCK if
            a socket is closed while the proxy runs, or the error of a failed send.
        TypeError: ``frontend`` or ``backend`` is not a purezmq socket.
    """
    return _relay(frontend, backend, capture, None).run()


def proxy_steerable(
    frontend: SocketBase,
    backend: SocketBase,
    capture: SocketBase | None = None,
    control: SocketBase | None = None,
) -> int:
    """Like :func:`proxy`, steered by commands on ``control`` (``zmq_proxy_steerable``).

    Commands are one-frame messages: ``PAUSE`` stops relaying, ``RESUME`` restarts it,
    ``TERMINATE`` makes this function return 0, and ``STATISTICS`` is answered with
    eight frames, each a native-endian uint64: messages and bytes received by the
    frontend, messages and bytes sent by the frontend, then the same four for the
    backend (each frame of a multipart message counts as one message, as in libzmq
    4.3.5). A REP control socket gets an empty reply to every other command, so a REQ
    peer can steer it; a PAIR gets no reply.

    Args:
        frontend: the socket facing the clients.
        backend: the socket facing the services.
        capture: a socket that gets a copy of every relayed message.
        control: a REP or PAIR socket the commands arrive on (None: like :func:`proxy`).

    Returns:
        0 after ``TERMINATE``.

    Raises:
        ContextTerminated: the context was terminated.
        ZMQError: EFAULT if ``frontend`` or ``backend`` is already closed, ENOTSOCK if
            a socket is closed while the proxy runs, or the error of a failed send
            (ENOTSUP for STATISTICS on a control socket that cannot send).
        TypeError: ``frontend`` or ``backend`` is not a purezmq socket.
    """
    return _relay(frontend, backend, capture, control).run()


def device(device_type: int, frontend: SocketBase, backend: SocketBase) -> int:
    """Deprecated alias of :func:`proxy` (``device_type`` is ignored, as in pyzmq).

    Args:
        device_type: QUEUE, FORWARDER or STREAMER; only kept for compatibility.
        frontend: the socket facing the clients.
        backend: the socket facing the services.

    Returns:
        Never returns normally (see :func:`proxy`).
    """
    return proxy(frontend, backend)
