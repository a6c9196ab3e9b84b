"""Socket options as data: number, value type, default, and access.

The socket layer stores option values in a plain dict keyed by option number and
validates them with this table; socket attributes (``sock.linger``) are generated from
it, never from a catch-all ``__getattr__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from purezmq.constants import SocketOption as O

__all__ = ["BYTES_OPTIONS", "INT64_OPTIONS", "OPTIONS", "OptType", "OptionSpec", "spec_for"]

OptType = Literal["int", "int64", "bytes", "fd"]


@dataclass(frozen=True)
class OptionSpec:
    """What one socket option is.

    Attributes:
        option: the libzmq number.
        type: how the value is passed: ``int``, ``int64``, ``bytes`` or ``fd``.
        default: the value getsockopt returns before any setsockopt.
        readable: getsockopt is allowed.
        writable: setsockopt is allowed.
        minimum: the smallest accepted integer (EINVAL below it), if any.
    """

    option: int
    type: OptType
    default: int | bytes
    readable: bool = True
    writable: bool = True
    minimum: int | None = None


def _i(opt: int, default: int, minimum: int | None = None, **kw: bool) -> OptionSpec:
    return OptionSpec(opt, "int", default, minimum=minimum, **kw)


def _b(opt: int, default: bytes = b"", **kw: bool) -> OptionSpec:
    return OptionSpec(opt, "bytes", default, **kw)


_SPECS = [
    OptionSpec(O.AFFINITY, "int64", 0),
    _b(O.ROUTING_ID),
    _b(O.SUBSCRIBE, readable=False),
    _b(O.UNSUBSCRIBE, readable=False),
    _i(O.RATE, 100, 1),
    _i(O.RECOVERY_IVL, 10000, 0),
    _i(O.SNDBUF, -1, -1),
    _i(O.RCVBUF, -1, -1),
    _i(O.RCVMORE, 0, writable=False),
    OptionSpec(O.FD, "fd", -1, writable=False),
    _i(O.EVENTS, 0, writable=False),
    _i(O.TYPE, 0, writable=False),
    _i(O.LINGER, -1, -1),
    _i(O.RECONNECT_IVL, 100, -1),
    _i(O.BACKLOG, 100, 0),
    _i(O.RECONNECT_IVL_MAX, 0, 0),
    OptionSpec(O.MAXMSGSIZE, "int64", -1, minimum=-1),
    _i(O.SNDHWM, 1000, 0),
    _i(O.RCVHWM, 1000, 0),
    _i(O.MULTICAST_HOPS, 1, 1),
    _i(O.RCVTIMEO, -1, -1),
    _i(O.SNDTIMEO, -1, -1),
    _b(O.LAST_ENDPOINT, writable=False),
    _i(O.ROUTER_MANDATORY, 0, 0, readable=False),
    _i(O.TCP_KEEPALIVE, -1, -1),
    _i(O.TCP_KEEPALIVE_CNT, -1, -1),
    _i(O.TCP_KEEPALIVE_IDLE, -1, -1),
    _i(O.TCP_KEEPALIVE_INTVL, -1, -1),
    _b(O.TCP_ACCEPT_FILTER, readable=False),
    _i(O.IMMEDIATE, 0, 0),
    _i(O.XPUB_VERBOSE, 0, 0, readable=False),
    _i(O.ROUTER_RAW, 0, 0, readable=False),
    _i(O.IPV6, 0, 0),
    # IPV4ONLY is the old, inverted spelling of IPV6 (handled by SocketCore)
    _i(O.IPV4ONLY, 1, 0),
    _i(O.MECHANISM, 0, writable=False),
    _i(O.PLAIN_SERVER, 0, 0),
    _b(O.PLAIN_USERNAME),
    _b(O.PLAIN_PASSWORD),
    _i(O.CURVE_SERVER, 0, 0),
    _b(O.CURVE_PUBLICKEY),
    _b(O.CURVE_SECRETKEY),
    _b(O.CURVE_SERVERKEY),
    _i(O.PROBE_ROUTER, 0, 0, readable=False),
    _i(O.REQ_CORRELATE, 0, 0, readable=False),
    _i(O.REQ_RELAXED, 0, 0, readable=False),
    _i(O.CONFLATE, 0, 0),
    _b(O.ZAP_DOMAIN),
    _i(O.ROUTER_HANDOVER, 0, 0, readable=False),
    _i(O.TOS, 0, 0),
    _b(O.CONNECT_ROUTING_ID, readable=False),
    _i(O.HANDSHAKE_IVL, 30000, 0),
    _b(O.SOCKS_PROXY),
    _i(O.XPUB_NODROP, 0, 0, readable=False),
    _i(O.BLOCKY, 1, 0),
    _i(O.XPUB_MANUAL, 0, 0, readable=False),
    _b(O.XPUB_WELCOME_MSG, readable=False),
    _i(O.STREAM_NOTIFY, 1, 0, readable=False),
    _i(O.INVERT_MATCHING, 0, 0),
    _i(O.HEARTBEAT_IVL, 0, 0),
    _i(O.HEARTBEAT_TTL, 0, 0),
    _i(O.HEARTBEAT_TIMEOUT, -1, -1),
    _i(O.XPUB_VERBOSER, 0, 0, readable=False),
    _i(O.CONNECT_TIMEOUT, 0, 0),
    _i(O.TCP_MAXRT, 0, 0),
    _i(O.THREAD_SAFE, 0, writable=False),
    _i(O.MULTICAST_MAXTPDU, 1500, 1),
    _i(O.USE_FD, -1, -1),
    _b(O.BINDTODEVICE),
    _i(O.ZAP_ENFORCE_DOMAIN, 0, 0),
    _i(O.LOOPBACK_FASTPATH, 0, 0),  # Windows-only in libzmq: stored, no effect
    _i(O.MULTICAST_LOOP, 1, 0),  # pgm/norm only: stored, no effect
    _b(O.METADATA, readable=False),
    _i(O.ROUTER_NOTIFY, 0, 0),
    _i(O.ONLY_FIRST_SUBSCRIBE, 0, 0, readable=False),
    _i(O.RECONNECT_STOP, 0, 0),
    _i(O.IN_BATCH_SIZE, 8192, 1),
    _i(O.OUT_BATCH_SIZE, 8192, 1),
]

#: Every option purezmq knows, by number.
OPTIONS: dict[int, OptionSpec] = {int(s.option): s for s in _SPECS}

#: Option numbers whose value is bytes.
BYTES_OPTIONS = frozenset(n for n, s in OPTIONS.items() if s.type == "bytes")
#: Option numbers whose value is a 64-bit integer.
INT64_OPTIONS = frozenset(n for n, s in OPTIONS.items() if s.type == "int64")


def spec_for(option: int) -> OptionSpec | None:
    """Return the spec of ``option``, or None if purezmq does not know it."""
    return OPTIONS.get(option)
