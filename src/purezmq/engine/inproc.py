"""inproc: two sockets of one context joined by shared deques, with no engine at all.

Socket A's ``out_q`` is socket B's ``in_q`` and vice versa, so a message moves from one
socket to the other with one append and one popleft. Each deque has one producer and
one consumer (each under its own socket's lock), and the wake-ups go straight to the
other socket's waiters. Either side may come first: a connect before the bind is kept
pending in the context and joined when the bind happens (libzmq 4.x behaviour).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from purezmq.constants import Errno, Event, SocketType
from purezmq.constants import SocketOption as O
from purezmq.error import ZMQError
from purezmq.routing.pipe import PeerInfo, Pipe

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = ["InprocBinding", "InprocLink", "PendingConnect", "inproc_bind", "inproc_connect"]

#: inproc peers "speak" ZMTP 3.1 for the routing layer's purposes.
_INPROC_MINOR = 1

_COMPATIBLE = {
    "PAIR": {"PAIR"},
    "PUB": {"SUB", "XSUB"},
    "XPUB": {"SUB", "XSUB"},
    "SUB": {"PUB", "XPUB"},
    "XSUB": {"PUB", "XPUB"},
    "REQ": {"REP", "ROUTER"},
    "REP": {"REQ", "DEALER"},
    "DEALER": {"REP", "DEALER", "ROUTER"},
    "ROUTER": {"REQ", "DEALER", "ROUTER"},
    "PUSH": {"PULL"},
    "PULL": {"PUSH"},
}


def _sum_hwm(a: int, b: int) -> int:
    # libzmq: an inproc pipe holds sndhwm + rcvhwm; 0 (no limit) on either side wins
    return 0 if a == 0 or b == 0 else a + b


def _peer_info(core: SocketCore) -> PeerInfo:
    ident = core.routing_id if core.sends_identity else b""
    return PeerInfo(core.type_name, ident, {}, _INPROC_MINOR)


@dataclass
class PendingConnect:
    """A connect waiting for its bind: the connecting side's half is already live."""

    core: SocketCore
    pipe: Pipe | None
    a_to_b: deque[object]
    b_to_a: deque[object]
    link: InprocLink


class InprocLink:
    """One inproc connection, as an endpoint handle for close/unbind/disconnect."""

    def __init__(self) -> None:
        self.sides: list[tuple[SocketCore, Pipe]] = []
        self.closed = False

    def add(self, core: SocketCore, pipe: Pipe) -> None:
        """Record one side of the link."""
        self.sides.append((core, pipe))

    def terminate(self) -> None:
        """End the link: each side keeps what it has not read yet, then detaches."""
        if self.closed:
            return
        self.closed = True
        for core, pipe in self.sides:
            if not core.closed:
                core.pipe_terminated(pipe)

    async def close(self, linger: float | None) -> None:
        """Endpoint-handle protocol: inproc delivers queued data without lingering."""
        self.terminate()

    def abort(self) -> None:
        """Endpoint-handle protocol."""
        self.terminate()


def _join(binder: SocketCore, pend: PendingConnect) -> None:
    """Create the binder's half of a pending connect and attach both halves."""
    conn = pend.core
    if conn.closed or pend.link.closed:
        return
    compatible = _COMPATIBLE.get(conn.type_name, set())
    if binder.type_name not in compatible:
        # libzmq refuses incompatible peers at the handshake; inproc has none: drop it
        pend.link.terminate()
        return
    # libzmq: an inproc pipe pair conflates in both directions when the connecting
    # socket has CONFLATE (the bound side's option is not consulted)
    out_hwm_b = _sum_hwm(binder.opt(O.SNDHWM), conn.opt(O.RCVHWM))
    out_hwm_a = _sum_hwm(conn.opt(O.SNDHWM), binder.opt(O.RCVHWM))
    pipe_b = Pipe(
        pend.a_to_b, pend.b_to_a, out_hwm_b, out_hwm_a, b"", _peer_info(conn), conn.conflate
    )
    binder.inproc_pipes.add(id(pipe_b))
    pipe_a = pend.pipe
    if pipe_a is None:
        pipe_a = Pipe(
            pend.b_to_a, pend.a_to_b, out_hwm_a, out_hwm_b, b"", _peer_info(binder), conn.conflate
        )
        conn.inproc_pipes.add(id(pipe_a))
        if conn.socket_type == SocketType.ROUTER:
            crid = conn.options.get(O.CONNECT_ROUTING_ID)
            if crid:
                pipe_a.routing_id = crid
    else:
        pipe_a.peer = _peer_info(binder)
        pipe_a.out_hwm = out_hwm_a
        pipe_a.in_hwm = out_hwm_b
    # wake-ups cross over: writing to my out_q makes the other side readable, and
    # reading my in_q may make the other side writable again
    pipe_a.on_write = binder.notify
    pipe_a.on_read = binder.notify_room
    pipe_b.on_write = conn.notify
    pipe_b.on_read = conn.notify_room
    pipe_a.on_close = pend.link.terminate
    pipe_b.on_close = pend.link.terminate
    if not binder.attach_pipe(pipe_b):
        pend.link.terminate()
        return
    pend.link.add(binder, pipe_b)
    binder.add_endpoint([f"inproc-peer:{id(pend.link)}"], pend.link)
    if pend.pipe is None:
        if not conn.attach_pipe(pipe_a):
            pend.link.terminate()
            return
        pend.link.add(conn, pipe_a)
    conn.emit(Event.CONNECTED, -1, "inproc")
    binder.emit(Event.ACCEPTED, -1, "inproc")
    binder.notify()
    conn.notify()


def inproc_bind(core: SocketCore, name: str) -> None:
    """Bind ``core`` to ``inproc://name`` and join any connects that came first."""
    ctx = core.ctx
    with ctx.lock:
        if name in ctx.inproc_bound:
            raise ZMQError(Errno.EADDRINUSE, f"inproc://{name} is already bound")
        ctx.inproc_bound[name] = core
        ctx.inproc_names.setdefault(core, set()).add(name)
        pending = ctx.inproc_pending.pop(name, [])
    for pend in pending:
        _join(core, pend)


def inproc_unbind(core: SocketCore, name: str) -> None:
    """Release ``inproc://name``."""
    ctx = core.ctx
    with ctx.lock:
        if ctx.inproc_bound.get(name) is core:
            del ctx.inproc_bound[name]


class InprocBinding:
    """The endpoint handle of an inproc bind: closing it releases the name."""

    def __init__(self, core: SocketCore, name: str) -> None:
        self.core = core
        self.name = name

    async def close(self, linger: float | None) -> None:
        """Release the name (established links stay until either side closes)."""
        inproc_unbind(self.core, self.name)

    def abort(self) -> None:
        """Release the name."""
        inproc_unbind(self.core, self.name)


def inproc_connect(core: SocketCore, name: str) -> InprocLink:
    """Connect ``core`` to ``inproc://name`` (now, or when somebody binds it)."""
    ctx = core.ctx
    link = InprocLink()
    a_to_b: deque[object] = deque()
    b_to_a: deque[object] = deque()
    with ctx.lock:
        binder = ctx.inproc_bound.get(name)
        pipe: Pipe | None = None
        if binder is None and core.socket_type != SocketType.ROUTER and not core.opt(O.IMMEDIATE):
            # the connecting half is live at once: sends queue until the bind
            hwm = _sum_hwm(core.opt(O.SNDHWM), core.opt(O.RCVHWM))
            pipe = Pipe(b_to_a, a_to_b, hwm, hwm, b"", None, core.conflate)
            core.inproc_pipes.add(id(pipe))
            pipe.on_close = link.terminate
        pend = PendingConnect(core, pipe, a_to_b, b_to_a, link)
        if binder is None:
            ctx.inproc_pending.setdefault(name, []).append(pend)
            ctx.inproc_names.setdefault(core, set()).add(name)
    if pipe is not None and core.attach_pipe(pipe):
        link.add(core, pipe)
    if binder is not None:
        _join(binder, pend)
    return link
