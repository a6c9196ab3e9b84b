"""ROUTER and DEALER (RFC 28, libzmq router.cpp / dealer.cpp).

ROUTER names every peer with a routing id and prepends it to received messages; on
send the first frame picks the peer. DEALER is the unnamed counterpart: load-balanced
sends, fair-queued receives, envelopes left alone.
"""

from __future__ import annotations

import random

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing.base import Routing, as_flag
from purezmq.routing.fq import FairQueue, FairQueued
from purezmq.routing.lb import LoadBalancer
from purezmq.routing.pipe import Pipe

__all__ = ["AutoIds", "Dealer", "Router"]


class AutoIds:
    """libzmq's automatic routing ids: ``00`` + a uint32 big-endian counter.

    The counter starts at a random value and increments per connection (ZMTP digest
    3.4, observed ``00 6b 8b 45 67`` then ``00 6b 8b 45 68``).
    """

    __slots__ = ("_next",)

    def __init__(self, start: int | None = None) -> None:
        self._next = random.getrandbits(32) if start is None else start & 0xFFFFFFFF

    def next(self, taken: dict[bytes, Pipe]) -> bytes:
        """A fresh id not in ``taken``."""
        while True:
            rid = b"\x00" + self._next.to_bytes(4, "big")
            self._next = (self._next + 1) & 0xFFFFFFFF
            if rid not in taken:
                return rid


class Router(Routing):
    """ROUTER socket.

    Routing id of a new pipe: ``pipe.routing_id`` if the engine preset it
    (CONNECT_ROUTING_ID), else the peer's Identity if non-empty, else an automatic id.
    The id chosen is stored back in ``pipe.routing_id``.

    A duplicate id is refused (``attach`` returns False; libzmq instead keeps the pipe
    anonymous, which is useless to the peer). With ROUTER_HANDOVER the new pipe takes the
    id and the old one gets a fresh automatic id and ``pipe.request_close()`` (the
    engine's ``on_close`` hook), after which the engine closes it once its ``out_q`` is
    flushed and calls ``detach``.

    Send: unknown id -> dropped, or EHOSTUNREACH with ROUTER_MANDATORY; full pipe ->
    dropped, or False (EAGAIN) with ROUTER_MANDATORY; a message with only an id frame is
    dropped (libzmq router.cpp). ROUTER_RAW is not supported (ENOTSUP when enabled).
    """

    socket_type = SocketType.ROUTER
    _flag_options = {
        SocketOption.ROUTER_MANDATORY: "mandatory",
        SocketOption.ROUTER_HANDOVER: "handover",
        SocketOption.PROBE_ROUTER: "probe_router",
    }

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._by_id: dict[bytes, Pipe] = {}
        self._ids = AutoIds()
        self.mandatory = False
        self.handover = False
        self.probe_router = False

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        by_id = self._by_id
        rid = pipe.routing_id
        if not rid and pipe.peer is not None:
            rid = pipe.peer.identity
        if not rid:
            rid = self._ids.next(by_id)
        else:
            old = by_id.get(rid)
            if old is not None:
                if not self.handover:
                    return False
                # libzmq router.cpp identify_peer: the old pipe gets a fresh id and is
                # terminated; it stays routable under that id until detached.
                new_id = self._ids.next(by_id)
                old.routing_id = new_id
                by_id[new_id] = old
                old.request_close()
        pipe.routing_id = rid
        by_id[rid] = pipe
        self._fq.attach(pipe)
        if self.probe_router:
            pipe.write([b""])
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        if self._by_id.get(pipe.routing_id) is pipe:
            del self._by_id[pipe.routing_id]
        pipe.active = False

    def send(self, msg: list[bytes]) -> bool:
        if len(msg) < 2:
            return True
        pipe = self._by_id.get(msg[0])
        if pipe is None:
            if self.mandatory:
                raise ZMQError(Errno.EHOSTUNREACH)
            return True
        hwm = pipe.out_hwm
        if hwm and len(pipe.out_q) >= hwm and not pipe.conflate:
            return not self.mandatory
        pipe.write(msg[1:])
        return True

    def recv(self) -> list[bytes] | None:
        fq = self._fq
        msg = fq.recv()
        if msg is None:
            return None
        pipe = fq.last_pipe
        assert pipe is not None  # set by every successful fq.recv
        msg.insert(0, pipe.routing_id)
        self.last_recv_pipe = pipe
        return msg

    def can_send(self) -> bool:
        # libzmq router.cpp xhas_out: always writable unless MANDATORY, then any pipe.
        if not self.mandatory:
            return True
        return any(p.can_write() for p in self._by_id.values())

    def can_recv(self) -> bool:
        return self._fq.has_in()

    def setsockopt(self, option: int, value: object) -> bool:
        if option == SocketOption.ROUTER_RAW:
            if as_flag(value):
                raise ZMQError(Errno.ENOTSUP)
            return True
        return super().setsockopt(option, value)

    def getsockopt(self, option: int) -> object:
        if option == SocketOption.ROUTER_RAW:
            return 0
        return super().getsockopt(option)

    def pipe_for(self, routing_id: bytes) -> Pipe | None:
        """The pipe currently known as ``routing_id``, if any."""
        return self._by_id.get(routing_id)


class Dealer(FairQueued, Routing):
    """DEALER socket: lb send, fq recv; PROBE_ROUTER sends an empty message on attach."""

    socket_type = SocketType.DEALER
    _flag_options = {SocketOption.PROBE_ROUTER: "probe_router"}

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._lb = LoadBalancer()
        self.probe_router = False

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        if self.probe_router:
            pipe.write([b""])
        self._fq.attach(pipe)
        self._lb.attach(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        self._lb.detach(pipe)
        pipe.active = False

    def send(self, msg: list[bytes]) -> bool:
        return self._lb.send(msg) is not None

    def can_send(self) -> bool:
        return self._lb.has_out()
