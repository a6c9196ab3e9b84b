"""The timers of one ZMTP connection, as pure functions of ``now`` (RFC 37 heartbeats,
libzmq's HANDSHAKE_IVL and HEARTBEAT_* options).

Four deadlines, each None when disarmed, mirroring libzmq's engine timers
(stream_engine_base.cpp):

* ``handshake``: armed at creation (HANDSHAKE_IVL), disarmed when the handshake completes.
* ``ping``: armed when the handshake completes, re-armed every HEARTBEAT_IVL when a PING
  goes out.
* ``timeout``: armed when a PING goes out if not already armed (HEARTBEAT_TIMEOUT, which
  defaults to the interval; 0 disables it); any received data disarms it.
* ``ttl``: armed when the peer's PING carries a ttl; any received data disarms it.
"""

from __future__ import annotations

import enum
import math

from purezmq.constants import Errno
from purezmq.error import ZMQError

__all__ = ["MAX_HEARTBEAT_TTL", "ConnectionTimers", "Due", "ping_ttl_field"]

#: The PING ttl field is a uint16 of deciseconds, so HEARTBEAT_TTL tops out at 6553.5 s
#: (libzmq rejects larger values with EINVAL).
MAX_HEARTBEAT_TTL = 0xFFFF / 10


class Due(enum.Enum):
    """What :meth:`ConnectionTimers.due` found expired, most severe first."""

    HANDSHAKE = "handshake"
    TIMEOUT = "timeout"
    TTL = "ttl"
    PING = "ping"


def _check_seconds(label: str, value: float) -> float:
    if not value >= 0 or math.isinf(value):  # also rejects NaN
        raise ZMQError(Errno.EINVAL, f"{label} must be a finite number >= 0")
    return float(value)


def ping_ttl_field(heartbeat_ttl: float) -> int:
    """The PING ttl field for HEARTBEAT_TTL seconds: libzmq stores the option's
    milliseconds / 100, integer division (2000 ms -> 20).

    Raises:
        ZMQError: EINVAL outside 0..6553.5 s.
    """
    if not 0 <= heartbeat_ttl <= MAX_HEARTBEAT_TTL:
        raise ZMQError(Errno.EINVAL, f"heartbeat_ttl must be 0..{MAX_HEARTBEAT_TTL} seconds")
    return round(heartbeat_ttl * 1000) // 100


class ConnectionTimers:
    """Deadline bookkeeping; the connection decides what an expiry means.

    Args:
        heartbeat_ivl: seconds between PINGs (0 = none).
        heartbeat_timeout: seconds to wait for data after a PING; None = heartbeat_ivl,
            0 = never.
        handshake_ivl: seconds allowed for greeting + handshake (0 = no limit).
        now: the creation time.

    Raises:
        ZMQError: EINVAL for a negative, infinite or NaN duration.
    """

    __slots__ = (
        "handshake",
        "handshake_ivl",
        "heartbeat_ivl",
        "heartbeat_timeout",
        "ping",
        "timeout",
        "ttl",
    )

    def __init__(
        self,
        heartbeat_ivl: float = 0.0,
        heartbeat_timeout: float | None = None,
        handshake_ivl: float = 30.0,
        now: float = 0.0,
    ) -> None:
        self.heartbeat_ivl = _check_seconds("heartbeat_ivl", heartbeat_ivl)
        self.handshake_ivl = _check_seconds("handshake_ivl", handshake_ivl)
        self.heartbeat_timeout = (
            self.heartbeat_ivl
            if heartbeat_timeout is None
            else _check_seconds("heartbeat_timeout", heartbeat_timeout)
        )
        self.handshake: float | None = now + handshake_ivl if handshake_ivl > 0 else None
        self.ping: float | None = None
        self.timeout: float | None = None
        self.ttl: float | None = None

    def handshake_done(self, now: float) -> None:
        """Stop the handshake timer; start heartbeating (libzmq arms the heartbeat timer
        when the mechanism becomes ready)."""
        self.handshake = None
        if self.heartbeat_ivl > 0:
            self.ping = now + self.heartbeat_ivl

    def data_received(self) -> None:
        """Any received byte is liveness (RFC 37; libzmq cancels both timers on input)."""
        self.timeout = None
        self.ttl = None

    def ping_received(self, ttl_deciseconds: int, now: float) -> None:
        """The peer asks to be dropped if it stays silent for its ttl."""
        if ttl_deciseconds:
            self.ttl = now + ttl_deciseconds / 10

    def ping_sent(self, now: float) -> None:
        """Schedule the next PING and, unless running, the timeout for this one."""
        self.ping = now + self.heartbeat_ivl
        if self.timeout is None and self.heartbeat_timeout > 0:
            self.timeout = now + self.heartbeat_timeout

    def clear(self) -> None:
        """Disarm everything (the connection closed)."""
        self.handshake = self.ping = self.timeout = self.ttl = None

    def next_deadline(self) -> float | None:
        """The earliest armed deadline, or None."""
        handshake, ping, timeout, ttl = self.handshake, self.ping, self.timeout, self.ttl
        if handshake is None and ping is None and timeout is None and ttl is None:
            return None  # the common case (no heartbeats): per read, so checked first
        at = None
        for d in (handshake, ping, timeout, ttl):
            if d is not None and (at is None or d < at):
                at = d
        return at

    def due(self, now: float) -> Due | None:
        """The most severe expired deadline at ``now``, or None."""
        if self.handshake is not None and now >= self.handshake:
            return Due.HANDSHAKE
        if self.timeout is not None and now >= self.timeout:
            return Due.TIMEOUT
        if self.ttl is not None and now >= self.ttl:
            return Due.TTL
        if self.ping is not None and now >= self.ping:
            return Due.PING
        return None
