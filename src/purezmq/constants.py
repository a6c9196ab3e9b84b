"""libzmq's constants as enums, with libzmq 4.3's numeric values.

Every value here is the number libzmq (and so pyzmq) uses, so that programs that pass
raw integers keep working. System error numbers come from :mod:`errno` so they match the
platform, exactly as libzmq does; the ZeroMQ-specific ones are ``ZMQ_HAUSNUMERO + n``.
"""

from __future__ import annotations

import errno as _errno
from enum import IntEnum, IntFlag

__all__ = [
    "SOCKET_TYPE_NAMES",
    "ZMQ_HAUSNUMERO",
    "ContextOption",
    "DeviceType",
    "Errno",
    "Event",
    "Flag",
    "MessageOption",
    "NormMode",
    "PollEvent",
    "ProtocolError",
    "ReconnectStop",
    "RouterNotify",
    "SecurityMechanism",
    "SocketOption",
    "SocketType",
]

ZMQ_HAUSNUMERO = 156384712


class SocketType(IntEnum):
    """Socket types (``zmq.PUSH`` and friends)."""

    PAIR = 0
    PUB = 1
    SUB = 2
    REQ = 3
    REP = 4
    DEALER = 5
    ROUTER = 6
    PULL = 7
    PUSH = 8
    XPUB = 9
    XSUB = 10
    STREAM = 11
    # deprecated aliases kept by pyzmq
    XREQ = 5
    XREP = 6
    UPSTREAM = 7
    DOWNSTREAM = 8
    # draft socket types: numbers reserved, not implemented
    SERVER = 12
    CLIENT = 13
    RADIO = 14
    DISH = 15
    GATHER = 16
    SCATTER = 17
    DGRAM = 18
    PEER = 19
    CHANNEL = 20


#: The names that travel in the ``Socket-Type`` metadata property (RFC 37).
SOCKET_TYPE_NAMES: dict[int, str] = {
    int(t): t.name
    for t in SocketType
    if t.name
    in (
        "PAIR",
        "PUB",
        "SUB",
        "REQ",
        "REP",
        "DEALER",
        "ROUTER",
        "PULL",
        "PUSH",
        "XPUB",
        "XSUB",
        "STREAM",
        "SERVER",
        "CLIENT",
        "RADIO",
        "DISH",
        "GATHER",
        "SCATTER",
        "DGRAM",
        "PEER",
        "CHANNEL",
    )
}


class SocketOption(IntEnum):
    """Socket options (``zmq.LINGER`` and friends), libzmq numbering."""

    HWM = 1
    AFFINITY = 4
    ROUTING_ID = 5
    SUBSCRIBE = 6
    UNSUBSCRIBE = 7
    RATE = 8
    RECOVERY_IVL = 9
    SNDBUF = 11
    RCVBUF = 12
    RCVMORE = 13
    FD = 14
    EVENTS = 15
    TYPE = 16
    LINGER = 17
    RECONNECT_IVL = 18
    BACKLOG = 19
    RECONNECT_IVL_MAX = 21
    MAXMSGSIZE = 22
    SNDHWM = 23
    RCVHWM = 24
    MULTICAST_HOPS = 25
    RCVTIMEO = 27
    SNDTIMEO = 28
    LAST_ENDPOINT = 32
    ROUTER_MANDATORY = 33
    TCP_KEEPALIVE = 34
    TCP_KEEPALIVE_CNT = 35
    TCP_KEEPALIVE_IDLE = 36
    TCP_KEEPALIVE_INTVL = 37
    TCP_ACCEPT_FILTER = 38
    IMMEDIATE = 39
    XPUB_VERBOSE = 40
    ROUTER_RAW = 41
    IPV6 = 42
    MECHANISM = 43
    PLAIN_SERVER = 44
    PLAIN_USERNAME = 45
    PLAIN_PASSWORD = 46
    CURVE_SERVER = 47
    CURVE_PUBLICKEY = 48
    CURVE_SECRETKEY = 49
    CURVE_SERVERKEY = 50
    PROBE_ROUTER = 51
    REQ_CORRELATE = 52
    REQ_RELAXED = 53
    CONFLATE = 54
    ZAP_DOMAIN = 55
    ROUTER_HANDOVER = 56
    TOS = 57
    IPC_FILTER_PID = 58
    IPC_FILTER_UID = 59
    IPC_FILTER_GID = 60
    CONNECT_ROUTING_ID = 61
    GSSAPI_SERVER = 62
    GSSAPI_PRINCIPAL = 63
    GSSAPI_SERVICE_PRINCIPAL = 64
    GSSAPI_PLAINTEXT = 65
    HANDSHAKE_IVL = 66
    SOCKS_PROXY = 68
    XPUB_NODROP = 69
    BLOCKY = 70
    XPUB_MANUAL = 71
    XPUB_WELCOME_MSG = 72
    STREAM_NOTIFY = 73
    INVERT_MATCHING = 74
    HEARTBEAT_IVL = 75
    HEARTBEAT_TTL = 76
    HEARTBEAT_TIMEOUT = 77
    XPUB_VERBOSER = 78
    CONNECT_TIMEOUT = 79
    TCP_MAXRT = 80
    THREAD_SAFE = 81
    MULTICAST_MAXTPDU = 84
    VMCI_BUFFER_SIZE = 85
    VMCI_BUFFER_MIN_SIZE = 86
    VMCI_BUFFER_MAX_SIZE = 87
    VMCI_CONNECT_TIMEOUT = 88
    USE_FD = 89
    GSSAPI_PRINCIPAL_NAMETYPE = 90
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91
    BINDTODEVICE = 92
    # draft options (libzmq 4.3 draft API)
    ZAP_ENFORCE_DOMAIN = 93
    LOOPBACK_FASTPATH = 94
    METADATA = 95
    MULTICAST_LOOP = 96
    ROUTER_NOTIFY = 97
    XPUB_MANUAL_LAST_VALUE = 98
    SOCKS_USERNAME = 99
    SOCKS_PASSWORD = 100
    IN_BATCH_SIZE = 101
    OUT_BATCH_SIZE = 102
    ONLY_FIRST_SUBSCRIBE = 108
    RECONNECT_STOP = 109
    HELLO_MSG = 110
    DISCONNECT_MSG = 111
    PRIORITY = 112
    BUSY_POLL = 113
    HICCUP_MSG = 114
    XSUB_VERBOSE_UNSUBSCRIBE = 115
    TOPICS_COUNT = 116
    # deprecated aliases
    IDENTITY = 5
    CONNECT_RID = 61
    DELAY_ATTACH_ON_CONNECT = 39
    FAIL_UNROUTABLE = 33
    ROUTER_BEHAVIOR = 33
    IPV4ONLY = 31
    SWAP = 3
    MCAST_LOOP = 10
    RECOVERY_IVL_MSEC = 20


class ContextOption(IntEnum):
    """Context options."""

    IO_THREADS = 1
    MAX_SOCKETS = 2
    SOCKET_LIMIT = 3
    THREAD_PRIORITY = 3
    THREAD_SCHED_POLICY = 4
    MAX_MSGSZ = 5
    MSG_T_SIZE = 6
    THREAD_AFFINITY_CPU_ADD = 7
    THREAD_AFFINITY_CPU_REMOVE = 8
    THREAD_NAME_PREFIX = 9


class Flag(IntFlag):
    """Send/recv flags."""

    DONTWAIT = 1
    NOBLOCK = 1
    SNDMORE = 2


class MessageOption(IntEnum):
    """Message (frame) properties readable with ``Frame.get``."""

    MORE = 1
    SRCFD = 2
    SHARED = 3


class PollEvent(IntFlag):
    """Poll event bits."""

    POLLIN = 1
    POLLOUT = 2
    POLLERR = 4
    POLLPRI = 8


class Event(IntFlag):
    """Socket monitor event bits."""

    CONNECTED = 0x0001
    CONNECT_DELAYED = 0x0002
    CONNECT_RETRIED = 0x0004
    LISTENING = 0x0008
    BIND_FAILED = 0x0010
    ACCEPTED = 0x0020
    ACCEPT_FAILED = 0x0040
    CLOSED = 0x0080
    CLOSE_FAILED = 0x0100
    DISCONNECTED = 0x0200
    MONITOR_STOPPED = 0x0400
    HANDSHAKE_FAILED_NO_DETAIL = 0x0800
    HANDSHAKE_SUCCEEDED = 0x1000
    HANDSHAKE_FAILED_PROTOCOL = 0x2000
    HANDSHAKE_FAILED_AUTH = 0x4000
    ALL = 0xFFFF
    PIPES_STATS = 0x10000
    ALL_V1 = 0xFFFF
    ALL_V2 = 0x1FFFF


class ProtocolError(IntEnum):
    """Values carried by HANDSHAKE_FAILED_PROTOCOL / _AUTH monitor events."""

    ZMTP_UNSPECIFIED = 0x10000000
    ZMTP_UNEXPECTED_COMMAND = 0x10000001
    ZMTP_INVALID_SEQUENCE = 0x10000002
    ZMTP_KEY_EXCHANGE = 0x10000003
    ZMTP_MALFORMED_COMMAND_UNSPECIFIED = 0x10000011
    ZMTP_MALFORMED_COMMAND_MESSAGE = 0x10000012
    ZMTP_MALFORMED_COMMAND_HELLO = 0x10000013
    ZMTP_MALFORMED_COMMAND_INITIATE = 0x10000014
    ZMTP_MALFORMED_COMMAND_ERROR = 0x10000015
    ZMTP_MALFORMED_COMMAND_READY = 0x10000016
    ZMTP_MALFORMED_COMMAND_WELCOME = 0x10000017
    ZMTP_INVALID_METADATA = 0x10000018
    ZMTP_CRYPTOGRAPHIC = 0x11000001
    ZMTP_MECHANISM_MISMATCH = 0x11000002
    ZAP_UNSPECIFIED = 0x20000000
    ZAP_MALFORMED_REPLY = 0x20000001
    ZAP_BAD_REQUEST_ID = 0x20000002
    ZAP_BAD_VERSION = 0x20000003
    ZAP_INVALID_STATUS_CODE = 0x20000004
    ZAP_INVALID_METADATA = 0x20000005
    WS_UNSPECIFIED = 0x30000000


class SecurityMechanism(IntEnum):
    """Values of the MECHANISM option."""

    NULL = 0
    PLAIN = 1
    CURVE = 2
    GSSAPI = 3


class DeviceType(IntEnum):
    """Device types for :func:`purezmq.device`."""

    STREAMER = 1
    FORWARDER = 2
    QUEUE = 3


class NormMode(IntEnum):
    """NORM transport modes (numbers only; NORM is not implemented)."""

    FIXED = 0
    CC = 1
    CCL = 2
    CCE = 3
    CCE_ECNONLY = 4


class RouterNotify(IntEnum):
    """ROUTER_NOTIFY bits."""

    CONNECT = 1
    DISCONNECT = 2


class ReconnectStop(IntEnum):
    """RECONNECT_STOP bits."""

    CONN_REFUSED = 0x1
    HANDSHAKE_FAILED = 0x2
    AFTER_DISCONNECT = 0x4


def _sys(name: str, fallback: int) -> int:
    """A system errno value, or libzmq's own number where the platform lacks it."""
    return int(getattr(_errno, name, ZMQ_HAUSNUMERO + fallback))


class Errno(IntEnum):
    """Error numbers as libzmq reports them (system values where the platform has them)."""

    EAGAIN = _errno.EAGAIN
    EINVAL = _errno.EINVAL
    EFAULT = _errno.EFAULT
    ENOMEM = _errno.ENOMEM
    ENODEV = _errno.ENODEV
    EMFILE = _errno.EMFILE
    EINTR = _errno.EINTR
    ENOENT = _errno.ENOENT
    EACCES = _errno.EACCES
    ENOTSUP = _sys("ENOTSUP", 1)
    EPROTONOSUPPORT = _sys("EPROTONOSUPPORT", 2)
    ENOBUFS = _sys("ENOBUFS", 3)
    ENETDOWN = _sys("ENETDOWN", 4)
    EADDRINUSE = _sys("EADDRINUSE", 5)
    EADDRNOTAVAIL = _sys("EADDRNOTAVAIL", 6)
    ECONNREFUSED = _sys("ECONNREFUSED", 7)
    EINPROGRESS = _sys("EINPROGRESS", 8)
    ENOTSOCK = _sys("ENOTSOCK", 9)
    EMSGSIZE = _sys("EMSGSIZE", 10)
    EAFNOSUPPORT = _sys("EAFNOSUPPORT", 11)
    ENETUNREACH = _sys("ENETUNREACH", 12)
    ECONNABORTED = _sys("ECONNABORTED", 13)
    ECONNRESET = _sys("ECONNRESET", 14)
    ENOTCONN = _sys("ENOTCONN", 15)
    ETIMEDOUT = _sys("ETIMEDOUT", 16)
    EHOSTUNREACH = _sys("EHOSTUNREACH", 17)
    ENETRESET = _sys("ENETRESET", 18)
    EFSM = ZMQ_HAUSNUMERO + 51
    ENOCOMPATPROTO = ZMQ_HAUSNUMERO + 52
    ETERM = ZMQ_HAUSNUMERO + 53
    EMTHREAD = ZMQ_HAUSNUMERO + 54
