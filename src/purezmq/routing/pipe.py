"""Pipes: one peer as a socket pattern sees it.

A :class:`Pipe` is two one-directional queues of whole messages (``list[bytes]``): ``in_q``
(peer -> socket) and ``out_q`` (socket -> peer). Each deque has exactly one producer and
one consumer. The routing object is called under its socket's lock, but the other end of
a deque may be touched concurrently by another thread (the engine's loop, or the peer
socket for inproc, where two sockets share deques crosswise). So routing code only ever
uses ``len()``, ``append()``, ``popleft()`` and ``[0]`` on them, which are atomic in
CPython.

A pipe whose ``out_q`` a stream engine (tcp, ipc) consumes has ``bare_frames`` set: a
one-frame message whose frame is ``bytes`` may then be queued as that bytes object
itself instead of a list (``frame`` for ``[frame]``). The sending thread then allocates
nothing per message that the engine's thread frees.

Besides messages, ``out_q`` can carry :class:`Subscription` objects (SUB/XSUB), which the
engine turns into SUBSCRIBE/CANCEL commands for ZMTP 3.1 peers or ``\\x01topic`` /
``\\x00topic`` messages for 3.0 peers (RFC 29, RFC 37 "Subscription commands"). For inproc
they land unchanged in a PUB/XPUB's ``in_q``, which accepts both forms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeAlias, Union

__all__ = ["Message", "PeerInfo", "Pipe", "QueueItem", "Subscription", "append_conflated"]

#: One message: one or more frames; every frame but the last has MORE on the wire.
Message: TypeAlias = "list[bytes]"


def _noop() -> None:
    """Default hook: do nothing."""


def _nothing_written() -> bool:
    """Default ``on_backlog``: nobody can write from the calling thread."""
    return False


@dataclass(frozen=True, slots=True)
class Subscription:
    """A (un)subscription travelling from SUB/XSUB to PUB/XPUB through a pipe.

    Attributes:
        topic: the prefix subscribed to (``b""`` = everything).
        subscribe: True for SUBSCRIBE, False for CANCEL.
    """

    topic: bytes
    subscribe: bool = True

    def to_frame(self) -> bytes:
        """The ZMTP 3.0 message form: ``\\x01topic`` or ``\\x00topic`` (RFC 29)."""
        return (b"\x01" if self.subscribe else b"\x00") + self.topic

    def to_message(self) -> list[bytes]:
        """The one-frame message ``[\\x01topic]`` / ``[\\x00topic]`` (3.0 peers, XPUB apps)."""
        return [self.to_frame()]

    @classmethod
    def from_frame(cls, frame: bytes) -> Subscription | None:
        """Parse ``\\x01topic`` / ``\\x00topic``; None if ``frame`` is not one of them."""
        if frame and frame[0] <= 1:
            return cls(frame[1:], frame[0] == 1)
        return None


#: What ``out_q`` (and, for inproc PUB/XPUB, ``in_q``) may hold: a bare ``bytes`` is a
#: one-frame message, only in the ``out_q`` of a pipe with ``bare_frames``.
QueueItem: TypeAlias = Union["list[bytes]", bytes, Subscription]


@dataclass(slots=True)
class PeerInfo:
    """What the handshake told us about the peer (RFC 37 READY metadata).

    Attributes:
        socket_type: the peer's Socket-Type (``"DEALER"``), ``""`` if unknown.
        identity: the peer's Identity property (``b""`` if none).
        properties: every metadata property, by name.
        minor_version: ZMTP minor version; 0 = 3.0 peer (subscriptions go as messages).
    """

    socket_type: str = ""
    identity: bytes = b""
    properties: dict[str, bytes] = field(default_factory=dict)
    minor_version: int = 1


def append_conflated(q: deque[QueueItem], msg: QueueItem) -> None:
    """Append ``msg`` to ``q`` keeping only the newest message (ZMQ_CONFLATE).

    Used by a producer (this pipe's writer, or the engine filling an ``in_q``). Only
    ``popleft`` is used to discard, so a concurrent consumer is safe: at worst it takes
    the old message first, which a conflating queue allows. Subscription objects are
    never conflated away and never discard anything (they are control traffic).
    """
    if type(msg) is list:
        while q and type(q[0]) is list:
            try:
                q.popleft()
            except IndexError:  # the consumer took it first
                break
    q.append(msg)


class Pipe:
    """One peer as the socket sees it: two queues, their HWMs and engine hooks.

    Args:
        in_q: messages from the peer (this side consumes).
        out_q: messages to the peer (this side produces).
        out_hwm: SNDHWM in messages; 0 = unlimited.
        in_hwm: RCVHWM in messages; 0 = unlimited (enforced by the producer of ``in_q``).
        routing_id: preset routing id (CONNECT_ROUTING_ID); ROUTER/STREAM store the id they
            assign here on attach.
        peer: handshake results, if any.
        conflate: keep only the newest message in ``out_q`` (ZMQ_CONFLATE); writes never
            block then.

    Attributes:
        on_write: engine hook, called after anything is appended to ``out_q`` (unless
            ``flush_scheduled``).
        on_read: engine hook, called after a message is taken from ``in_q``.
        on_backlog: engine hook, called by a sender that found ``out_q`` at its SNDHWM
            and would otherwise wait (or fail with EAGAIN): the engine may write the
            queue out from the calling thread instead of leaving it to its loop, which
            may itself be waiting for that thread (the GIL). True if it took messages
            from ``out_q``.
        on_close: engine hook, called when the routing object gives up on this pipe and
            wants its connection closed once ``out_q`` is flushed (ROUTER_HANDOVER's
            displaced pipe, STREAM ``[id, b""]``). ``close_requested`` is set first.
        active: False once detached.
        close_requested: True once the routing object asked for the close.
        flush_scheduled: set by the engine while a flush of ``out_q`` is scheduled and
            has not begun: it takes whatever is appended before it runs, so writers
            need not call ``on_write`` (one call less per message at full speed).
        bare_frames: set by a stream engine once it consumes ``out_q``: a writer may
            queue a one-frame message of ``bytes`` as the bytes object itself. Writers
            that do: PUB/XPUB fan-out (every subscriber's queue shares the object) and
            PUSH/DEALER load balancing. Measured: a PUB into a raw reader, 538 k ->
            610 k msg/s (medians of four alternating rounds); the list the sending
            thread allocated per message was freed by the engine's thread.
    """

    __slots__ = (
        "active",
        "bare_frames",
        "close_requested",
        "conflate",
        "flush_scheduled",
        "in_hwm",
        "in_q",
        "on_backlog",
        "on_close",
        "on_read",
        "on_write",
        "out_hwm",
        "out_q",
        "peer",
        "routing_id",
    )

    def __init__(
        self,
        in_q: deque[Any],
        out_q: deque[Any],
        out_hwm: int = 0,
        in_hwm: int = 0,
        routing_id: bytes = b"",
        peer: PeerInfo | None = None,
        conflate: bool = False,
    ) -> None:
        # typed loosely as parameters: for inproc one deque is both a pipe's in_q and
        # its peer pipe's out_q
        self.in_q: deque[list[bytes]] = in_q
        self.out_q: deque[QueueItem] = out_q
        self.out_hwm = out_hwm
        self.in_hwm = in_hwm
        self.routing_id = routing_id
        self.peer = peer
        self.conflate = conflate
        self.on_write: Callable[[], None] = _noop
        self.on_read: Callable[[], None] = _noop
        self.on_close: Callable[[], None] = _noop
        self.on_backlog: Callable[[], bool] = _nothing_written
        self.active = True
        self.close_requested = False
        self.flush_scheduled = False
        self.bare_frames = False

    def __repr__(self) -> str:
        return (
            f"<Pipe id={self.routing_id!r} in={len(self.in_q)} out={len(self.out_q)}"
            f"/{self.out_hwm}{' inactive' if not self.active else ''}>"
        )

    def can_write(self) -> bool:
        """True if ``out_q`` is below SNDHWM (always with hwm 0 or CONFLATE)."""
        hwm = self.out_hwm
        return hwm == 0 or len(self.out_q) < hwm or self.conflate

    def write(self, msg: QueueItem) -> None:
        """Append ``msg`` to ``out_q`` (conflating if asked) and wake the writer side.

        The HWM is not checked here: callers check :meth:`can_write` first, except for
        control traffic (subscriptions, welcome and probe messages), which libzmq also
        pushes regardless of the HWM.
        """
        if self.conflate:
            append_conflated(self.out_q, msg)
        else:
            self.out_q.append(msg)
        if not self.flush_scheduled:
            self.on_write()

    def can_read(self) -> bool:
        """True if ``in_q`` holds a message."""
        return bool(self.in_q)

    def read(self) -> list[bytes] | None:
        """Take the oldest message from ``in_q`` (None if empty) and call ``on_read``."""
        q = self.in_q
        if not q:
            return None
        msg = q.popleft()
        self.on_read()
        return msg

    def read_batch(self, limit: int) -> list[list[bytes]] | None:
        """Take up to ``limit`` messages from ``in_q`` at once, oldest first, and call
        ``on_read`` once; None if that would be fewer than two (:meth:`read` serves
        those).

        At most half of RCVHWM is taken: with the engine refilling ``in_q`` up to the
        HWM, a socket then holds at most 1.5 x RCVHWM messages.
        """
        q = self.in_q
        n = len(q)
        hwm = self.in_hwm
        if hwm and limit > hwm // 2:
            limit = hwm // 2
        if n < 2 or limit < 2:
            return None
        # popleft called by C code, n times: we are the only consumer of in_q
        batch = list(islice(iter(q.popleft, None), n if n < limit else limit))
        self.on_read()
        return batch

    def request_close(self) -> None:
        """Mark the pipe for closing and tell the engine through ``on_close``."""
        if not self.close_requested:
            self.close_requested = True
            self.on_close()
