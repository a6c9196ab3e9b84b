"""The :class:`Routing` base class every socket pattern object derives from.

A routing object is the sans-I/O heart of one socket: it owns the socket type's rules
(RFC 28-31 as libzmq 4.3 implements them) and sees peers only as :class:`Pipe` objects.
It is always called under its socket's lock; it never blocks and does no I/O.

Messages are ``list[bytes]``. Ownership: a list passed to :meth:`Routing.send` belongs to
the routing object once ``send`` returns True (it may be queued as is); if ``send``
returns False or raises, the list is untouched, so the caller can retry with it. A list
returned by :meth:`Routing.recv` belongs to the caller.
"""

from __future__ import annotations

from typing import ClassVar

from purezmq.constants import Errno, SocketOption
from purezmq.error import ZMQError
from purezmq.routing.pipe import Pipe

__all__ = ["GENERIC_OPTIONS", "PATTERN_OPTIONS", "Routing", "as_bytes", "as_flag"]

#: Options a routing object may handle. Setting one that this socket type does not
#: support raises EINVAL (what libzmq does), except for :data:`GENERIC_OPTIONS`.
PATTERN_OPTIONS: frozenset[int] = frozenset(
    {
        SocketOption.SUBSCRIBE,
        SocketOption.UNSUBSCRIBE,
        SocketOption.ROUTER_MANDATORY,
        SocketOption.ROUTER_HANDOVER,
        SocketOption.ROUTER_RAW,
        SocketOption.PROBE_ROUTER,
        SocketOption.XPUB_VERBOSE,
        SocketOption.XPUB_VERBOSER,
        SocketOption.XPUB_MANUAL,
        SocketOption.XPUB_NODROP,
        SocketOption.XPUB_WELCOME_MSG,
        SocketOption.INVERT_MATCHING,
        SocketOption.REQ_RELAXED,
        SocketOption.REQ_CORRELATE,
        SocketOption.STREAM_NOTIFY,
        SocketOption.ONLY_FIRST_SUBSCRIBE,
    }
)

#: Pattern options libzmq keeps in its generic option table (options.cpp): any socket
#: type accepts them. Routing objects that do not use them return False from
#: ``setsockopt`` so the socket layer stores them like any other option.
GENERIC_OPTIONS: frozenset[int] = frozenset(
    {SocketOption.INVERT_MATCHING, SocketOption.STREAM_NOTIFY}
)


def as_flag(value: object) -> bool:
    """Validate an integer flag option (libzmq: an int, >= 0); EINVAL otherwise."""
    if not isinstance(value, int) or value < 0:
        raise ZMQError(Errno.EINVAL)
    return value != 0


def as_bytes(value: object) -> bytes:
    """Validate a binary option (topics, messages); EINVAL for anything not bytes-like."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise ZMQError(Errno.EINVAL)


class Routing:
    """Base class of the socket pattern objects (see ``docs/internals.md``).

    Subclasses list their boolean options in ``_flag_options`` (option -> attribute
    name); the generic :meth:`setsockopt`/:meth:`getsockopt` handle those.

    Attributes:
        socket_type: the libzmq socket type number.
        last_recv_pipe: the pipe the last message returned by :meth:`recv` came from
            (None for messages the routing object made up, such as XPUB's synthesised
            unsubscriptions); the socket layer reads per-message metadata from it.
    """

    socket_type: ClassVar[int] = -1
    _flag_options: ClassVar[dict[int, str]] = {}
    #: what :meth:`send` does depends on what the peers sent (XPUB, PUB: their
    #: subscriptions), so the socket layer reads its connections before sending
    reads_before_send: ClassVar[bool] = False

    def __init__(self) -> None:
        self.last_recv_pipe: Pipe | None = None

    # -- peers ---------------------------------------------------------------------

    def attach(self, pipe: Pipe) -> bool:
        """A peer became available. False = refused: the engine closes that connection."""
        raise NotImplementedError

    def detach(self, pipe: Pipe) -> None:
        """The peer is gone for good (harmless for pipes never attached or already gone)."""
        raise NotImplementedError

    def hiccup(self, pipe: Pipe) -> None:
        """A connect-side pipe got a new connection: resend per-connection state."""

    @property
    def pipes(self) -> list[Pipe]:
        """The pipes currently attached (the engine copies it before iterating)."""
        return []

    # -- messages ------------------------------------------------------------------

    def send(self, msg: list[bytes]) -> bool:
        """Send one whole message.

        Returns:
            True if accepted (queued, or dropped by design); False if it would block.

        Raises:
            ZMQError: ENOTSUP, EFSM, EHOSTUNREACH or EINVAL as libzmq would.
        """
        raise ZMQError(Errno.ENOTSUP)

    def recv(self) -> list[bytes] | None:
        """Receive one whole message; None if nothing is ready.

        Raises:
            ZMQError: ENOTSUP or EFSM as libzmq would.
        """
        raise ZMQError(Errno.ENOTSUP)

    def recv_batch(self, limit: int) -> tuple[list[list[bytes]], Pipe] | None:
        """Up to ``limit`` messages that successive :meth:`recv` calls would return, all
        from one pipe, when the pattern can hand them over at once (no per-message
        state, no choice between pipes); None: call :meth:`recv`. The socket layer
        then serves them without taking its lock per message."""
        return None

    def recv_would_wait(self) -> bool:
        """True only if :meth:`recv` would now return None and raise nothing: a hint,
        read without the socket lock by a caller about to wait anyway (the asyncio
        recv), so that it skips an attempt sure to fail. False is always correct; a
        message arriving meanwhile notifies, which the caller checks after registering.
        """
        return False

    def can_send(self) -> bool:
        """POLLOUT: would :meth:`send` accept a message now."""
        return False

    def can_recv(self) -> bool:
        """POLLIN: would :meth:`recv` return a message now."""
        return False

    # -- options -------------------------------------------------------------------

    def setsockopt(self, option: int, value: object) -> bool:
        """Set a pattern option.

        Returns:
            True if handled here; False if the socket layer should handle it.

        Raises:
            ZMQError: EINVAL for a bad value or a pattern option this type lacks.
        """
        name = self._flag_options.get(option)
        if name is not None:
            setattr(self, name, as_flag(value))
            return True
        return self._not_mine(option)

    def getsockopt(self, option: int) -> object:
        """Read a pattern option; KeyError if it is not one of this type's."""
        name = self._flag_options.get(option)
        if name is None:
            raise KeyError(option)
        return int(getattr(self, name))

    @staticmethod
    def _not_mine(option: int) -> bool:
        if option in PATTERN_OPTIONS and option not in GENERIC_OPTIONS:
            raise ZMQError(Errno.EINVAL)
        return False
