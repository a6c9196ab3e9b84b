"""purezmq: ZeroMQ in pure Python, wire-compatible with libzmq, a drop-in for pyzmq.

``import purezmq as zmq`` gives the blocking API (Context, Socket, constants, errors);
``purezmq.asyncio`` gives the awaitable API on the caller's event loop.
"""

from __future__ import annotations

from purezmq import constants, error

# BEGIN GENERATED NAMES (tools/gen_names.py)
from purezmq.constants import (
    AFFINITY as AFFINITY,
    BACKLOG as BACKLOG,
    BINDTODEVICE as BINDTODEVICE,
    BLOCKY as BLOCKY,
    BUSY_POLL as BUSY_POLL,
    CHANNEL as CHANNEL,
    CLIENT as CLIENT,
    CONFLATE as CONFLATE,
    CONNECT_RID as CONNECT_RID,
    CONNECT_ROUTING_ID as CONNECT_ROUTING_ID,
    CONNECT_TIMEOUT as CONNECT_TIMEOUT,
    CURVE as CURVE,
    CURVE_PUBLICKEY as CURVE_PUBLICKEY,
    CURVE_SECRETKEY as CURVE_SECRETKEY,
    CURVE_SERVER as CURVE_SERVER,
    CURVE_SERVERKEY as CURVE_SERVERKEY,
    DEALER as DEALER,
    DELAY_ATTACH_ON_CONNECT as DELAY_ATTACH_ON_CONNECT,
    DGRAM as DGRAM,
    DISCONNECT_MSG as DISCONNECT_MSG,
    DISH as DISH,
    DONTWAIT as DONTWAIT,
    DOWNSTREAM as DOWNSTREAM,
    EACCES as EACCES,
    EADDRINUSE as EADDRINUSE,
    EADDRNOTAVAIL as EADDRNOTAVAIL,
    EAFNOSUPPORT as EAFNOSUPPORT,
    EAGAIN as EAGAIN,
    ECONNABORTED as ECONNABORTED,
    ECONNREFUSED as ECONNREFUSED,
    ECONNRESET as ECONNRESET,
    EFAULT as EFAULT,
    EFSM as EFSM,
    EHOSTUNREACH as EHOSTUNREACH,
    EINPROGRESS as EINPROGRESS,
    EINTR as EINTR,
    EINVAL as EINVAL,
    EMFILE as EMFILE,
    EMSGSIZE as EMSGSIZE,
    EMTHREAD as EMTHREAD,
    ENETDOWN as ENETDOWN,
    ENETRESET as ENETRESET,
    ENETUNREACH as ENETUNREACH,
    ENOBUFS as ENOBUFS,
    ENOCOMPATPROTO as ENOCOMPATPROTO,
    ENODEV as ENODEV,
    ENOENT as ENOENT,
    ENOMEM as ENOMEM,
    ENOTCONN as ENOTCONN,
    ENOTSOCK as ENOTSOCK,
    ENOTSUP as ENOTSUP,
    EPROTONOSUPPORT as EPROTONOSUPPORT,
    ETERM as ETERM,
    ETIMEDOUT as ETIMEDOUT,
    EVENTS as EVENTS,
    EVENT_ACCEPTED as EVENT_ACCEPTED,
    EVENT_ACCEPT_FAILED as EVENT_ACCEPT_FAILED,
    EVENT_ALL as EVENT_ALL,
    EVENT_ALL_V1 as EVENT_ALL_V1,
    EVENT_ALL_V2 as EVENT_ALL_V2,
    EVENT_BIND_FAILED as EVENT_BIND_FAILED,
    EVENT_CLOSED as EVENT_CLOSED,
    EVENT_CLOSE_FAILED as EVENT_CLOSE_FAILED,
    EVENT_CONNECTED as EVENT_CONNECTED,
    EVENT_CONNECT_DELAYED as EVENT_CONNECT_DELAYED,
    EVENT_CONNECT_RETRIED as EVENT_CONNECT_RETRIED,
    EVENT_DISCONNECTED as EVENT_DISCONNECTED,
    EVENT_HANDSHAKE_FAILED_AUTH as EVENT_HANDSHAKE_FAILED_AUTH,
    EVENT_HANDSHAKE_FAILED_NO_DETAIL as EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    EVENT_HANDSHAKE_FAILED_PROTOCOL as EVENT_HANDSHAKE_FAILED_PROTOCOL,
    EVENT_HANDSHAKE_SUCCEEDED as EVENT_HANDSHAKE_SUCCEEDED,
    EVENT_LISTENING as EVENT_LISTENING,
    EVENT_MONITOR_STOPPED as EVENT_MONITOR_STOPPED,
    EVENT_PIPES_STATS as EVENT_PIPES_STATS,
    FAIL_UNROUTABLE as FAIL_UNROUTABLE,
    FD as FD,
    FORWARDER as FORWARDER,
    GATHER as GATHER,
    GSSAPI as GSSAPI,
    GSSAPI_PLAINTEXT as GSSAPI_PLAINTEXT,
    GSSAPI_PRINCIPAL as GSSAPI_PRINCIPAL,
    GSSAPI_PRINCIPAL_NAMETYPE as GSSAPI_PRINCIPAL_NAMETYPE,
    GSSAPI_SERVER as GSSAPI_SERVER,
    GSSAPI_SERVICE_PRINCIPAL as GSSAPI_SERVICE_PRINCIPAL,
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE as GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
    HANDSHAKE_IVL as HANDSHAKE_IVL,
    HEARTBEAT_IVL as HEARTBEAT_IVL,
    HEARTBEAT_TIMEOUT as HEARTBEAT_TIMEOUT,
    HEARTBEAT_TTL as HEARTBEAT_TTL,
    HELLO_MSG as HELLO_MSG,
    HICCUP_MSG as HICCUP_MSG,
    HWM as HWM,
    IDENTITY as IDENTITY,
    IMMEDIATE as IMMEDIATE,
    INVERT_MATCHING as INVERT_MATCHING,
    IN_BATCH_SIZE as IN_BATCH_SIZE,
    IO_THREADS as IO_THREADS,
    IPC_FILTER_GID as IPC_FILTER_GID,
    IPC_FILTER_PID as IPC_FILTER_PID,
    IPC_FILTER_UID as IPC_FILTER_UID,
    IPV4ONLY as IPV4ONLY,
    IPV6 as IPV6,
    LAST_ENDPOINT as LAST_ENDPOINT,
    LINGER as LINGER,
    LOOPBACK_FASTPATH as LOOPBACK_FASTPATH,
    MAXMSGSIZE as MAXMSGSIZE,
    MAX_MSGSZ as MAX_MSGSZ,
    MAX_SOCKETS as MAX_SOCKETS,
    MECHANISM as MECHANISM,
    METADATA as METADATA,
    MORE as MORE,
    MSG_T_SIZE as MSG_T_SIZE,
    MULTICAST_HOPS as MULTICAST_HOPS,
    MULTICAST_LOOP as MULTICAST_LOOP,
    MULTICAST_MAXTPDU as MULTICAST_MAXTPDU,
    NOBLOCK as NOBLOCK,
    NORM_CC as NORM_CC,
    NORM_CCE as NORM_CCE,
    NORM_CCE_ECNONLY as NORM_CCE_ECNONLY,
    NORM_CCL as NORM_CCL,
    NORM_FIXED as NORM_FIXED,
    NOTIFY_CONNECT as NOTIFY_CONNECT,
    NOTIFY_DISCONNECT as NOTIFY_DISCONNECT,
    NULL as NULL,
    ONLY_FIRST_SUBSCRIBE as ONLY_FIRST_SUBSCRIBE,
    OUT_BATCH_SIZE as OUT_BATCH_SIZE,
    PAIR as PAIR,
    PEER as PEER,
    PLAIN as PLAIN,
    PLAIN_PASSWORD as PLAIN_PASSWORD,
    PLAIN_SERVER as PLAIN_SERVER,
    PLAIN_USERNAME as PLAIN_USERNAME,
    POLLERR as POLLERR,
    POLLIN as POLLIN,
    POLLOUT as POLLOUT,
    POLLPRI as POLLPRI,
    PRIORITY as PRIORITY,
    PROBE_ROUTER as PROBE_ROUTER,
    PROTOCOL_ERROR_WS_UNSPECIFIED as PROTOCOL_ERROR_WS_UNSPECIFIED,
    PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID as PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID,
    PROTOCOL_ERROR_ZAP_BAD_VERSION as PROTOCOL_ERROR_ZAP_BAD_VERSION,
    PROTOCOL_ERROR_ZAP_INVALID_METADATA as PROTOCOL_ERROR_ZAP_INVALID_METADATA,
    PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE as PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
    PROTOCOL_ERROR_ZAP_MALFORMED_REPLY as PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
    PROTOCOL_ERROR_ZAP_UNSPECIFIED as PROTOCOL_ERROR_ZAP_UNSPECIFIED,
    PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC as PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
    PROTOCOL_ERROR_ZMTP_INVALID_METADATA as PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
    PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE as PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
    PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE as PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME as PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
    PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH as PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
    PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND as PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
    PROTOCOL_ERROR_ZMTP_UNSPECIFIED as PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
    PUB as PUB,
    PULL as PULL,
    PUSH as PUSH,
    QUEUE as QUEUE,
    RADIO as RADIO,
    RATE as RATE,
    RCVBUF as RCVBUF,
    RCVHWM as RCVHWM,
    RCVMORE as RCVMORE,
    RCVTIMEO as RCVTIMEO,
    RECONNECT_IVL as RECONNECT_IVL,
    RECONNECT_IVL_MAX as RECONNECT_IVL_MAX,
    RECONNECT_STOP as RECONNECT_STOP,
    RECONNECT_STOP_AFTER_DISCONNECT as RECONNECT_STOP_AFTER_DISCONNECT,
    RECONNECT_STOP_CONN_REFUSED as RECONNECT_STOP_CONN_REFUSED,
    RECONNECT_STOP_HANDSHAKE_FAILED as RECONNECT_STOP_HANDSHAKE_FAILED,
    RECOVERY_IVL as RECOVERY_IVL,
    REP as REP,
    REQ as REQ,
    REQ_CORRELATE as REQ_CORRELATE,
    REQ_RELAXED as REQ_RELAXED,
    ROUTER as ROUTER,
    ROUTER_BEHAVIOR as ROUTER_BEHAVIOR,
    ROUTER_HANDOVER as ROUTER_HANDOVER,
    ROUTER_MANDATORY as ROUTER_MANDATORY,
    ROUTER_NOTIFY as ROUTER_NOTIFY,
    ROUTER_RAW as ROUTER_RAW,
    ROUTING_ID as ROUTING_ID,
    SCATTER as SCATTER,
    SERVER as SERVER,
    SHARED as SHARED,
    SNDBUF as SNDBUF,
    SNDHWM as SNDHWM,
    SNDMORE as SNDMORE,
    SNDTIMEO as SNDTIMEO,
    SOCKET_LIMIT as SOCKET_LIMIT,
    SOCKS_PASSWORD as SOCKS_PASSWORD,
    SOCKS_PROXY as SOCKS_PROXY,
    SOCKS_USERNAME as SOCKS_USERNAME,
    SRCFD as SRCFD,
    STREAM as STREAM,
    STREAMER as STREAMER,
    STREAM_NOTIFY as STREAM_NOTIFY,
    SUB as SUB,
    SUBSCRIBE as SUBSCRIBE,
    TCP_ACCEPT_FILTER as TCP_ACCEPT_FILTER,
    TCP_KEEPALIVE as TCP_KEEPALIVE,
    TCP_KEEPALIVE_CNT as TCP_KEEPALIVE_CNT,
    TCP_KEEPALIVE_IDLE as TCP_KEEPALIVE_IDLE,
    TCP_KEEPALIVE_INTVL as TCP_KEEPALIVE_INTVL,
    TCP_MAXRT as TCP_MAXRT,
    THREAD_AFFINITY_CPU_ADD as THREAD_AFFINITY_CPU_ADD,
    THREAD_AFFINITY_CPU_REMOVE as THREAD_AFFINITY_CPU_REMOVE,
    THREAD_NAME_PREFIX as THREAD_NAME_PREFIX,
    THREAD_PRIORITY as THREAD_PRIORITY,
    THREAD_SAFE as THREAD_SAFE,
    THREAD_SCHED_POLICY as THREAD_SCHED_POLICY,
    TOPICS_COUNT as TOPICS_COUNT,
    TOS as TOS,
    TYPE as TYPE,
    UNSUBSCRIBE as UNSUBSCRIBE,
    UPSTREAM as UPSTREAM,
    USE_FD as USE_FD,
    VMCI_BUFFER_MAX_SIZE as VMCI_BUFFER_MAX_SIZE,
    VMCI_BUFFER_MIN_SIZE as VMCI_BUFFER_MIN_SIZE,
    VMCI_BUFFER_SIZE as VMCI_BUFFER_SIZE,
    VMCI_CONNECT_TIMEOUT as VMCI_CONNECT_TIMEOUT,
    XPUB as XPUB,
    XPUB_MANUAL as XPUB_MANUAL,
    XPUB_MANUAL_LAST_VALUE as XPUB_MANUAL_LAST_VALUE,
    XPUB_NODROP as XPUB_NODROP,
    XPUB_VERBOSE as XPUB_VERBOSE,
    XPUB_VERBOSER as XPUB_VERBOSER,
    XPUB_WELCOME_MSG as XPUB_WELCOME_MSG,
    XREP as XREP,
    XREQ as XREQ,
    XSUB as XSUB,
    XSUB_VERBOSE_UNSUBSCRIBE as XSUB_VERBOSE_UNSUBSCRIBE,
    ZAP_DOMAIN as ZAP_DOMAIN,
    ZAP_ENFORCE_DOMAIN as ZAP_ENFORCE_DOMAIN,
)

# END GENERATED NAMES
from purezmq.constants import (
    ContextOption,
    DeviceType,
    Errno,
    Event,
    Flag,
    MessageOption,
    PollEvent,
    SecurityMechanism,
    SocketOption,
    SocketType,
)
from purezmq.error import (
    Again,
    ContextTerminated,
    InterruptedSystemCall,
    NotDone,
    ZMQBaseError,
    ZMQBindError,
    ZMQError,
    ZMQVersionError,
    strerror,
)
from purezmq.message import COPY_THRESHOLD, Frame, Message, MessageTracker
from purezmq.message import FINISHED_TRACKER as _FINISHED_TRACKER  # noqa: F401 (pyzmq name)
from purezmq.socket_base import IPC_PATH_MAX_LEN
from purezmq.sync.context import Context
from purezmq.sync.poll import Poller, select
from purezmq.sync.socket import Socket
from purezmq.zmtp.mechanisms.curve import has_curve

# after Context and Socket: the devices import the facades
from purezmq import devices
from purezmq.proxy import device, proxy, proxy_steerable

#: purezmq has no draft socket types (pyzmq: whether libzmq was built with the draft API).
DRAFT_API = False

__version__ = "0.1.0.dev0"
#: pyzmq exposes its git revision here; purezmq has none to report.
__revision__ = ""

#: Capabilities ``has()`` reports: CURVE when PyNaCl is installed (the ``curve`` extra);
#: GSSAPI, draft sockets and the pgm/tipc/norm/vmci transports are not implemented.
_CAPABILITIES = {
    "ipc": True,
    "pgm": False,
    "tipc": False,
    "norm": False,
    "curve": has_curve(),
    "gssapi": False,
    "draft": False,
    "vmci": False,
}


def curve_keypair() -> tuple[bytes, bytes]:
    """A new CURVE key pair as Z85 ``(public, secret)``, like pyzmq (needs PyNaCl)."""
    from purezmq.auth._keys import z85_keypair

    return z85_keypair()


def curve_public(secret_key: bytes | str) -> bytes:
    """The Z85 public key of a Z85 secret key, like pyzmq (needs PyNaCl)."""
    from purezmq.auth._keys import z85_public

    return z85_public(secret_key)


def has(capability: str) -> bool:
    """Whether purezmq supports ``capability`` (``"ipc"``, ``"curve"``...), like zmq_has."""
    return _CAPABILITIES.get(capability, False)


#: The libzmq version whose behaviour purezmq reproduces.
_ZMQ_VERSION = (4, 3, 5)


def zmq_version_info() -> tuple[int, int, int]:
    """The libzmq version purezmq is compatible with, as a tuple."""
    return _ZMQ_VERSION


def zmq_version() -> str:
    """The libzmq version purezmq is compatible with."""
    return ".".join(str(v) for v in _ZMQ_VERSION)


def pyzmq_version() -> str:
    """purezmq's own version (pyzmq API level it follows is 27)."""
    return __version__


def pyzmq_version_info() -> tuple[int, ...]:
    """purezmq's version as a tuple of ints (dev/pre tags dropped)."""
    return tuple(int(p) for p in __version__.split(".")[:3])


__all__ = [
    "COPY_THRESHOLD",
    "DRAFT_API",
    "IPC_PATH_MAX_LEN",
    "Again",
    "Context",
    "ContextOption",
    "ContextTerminated",
    "DeviceType",
    "Errno",
    "Event",
    "Flag",
    "Frame",
    "InterruptedSystemCall",
    "Message",
    "MessageOption",
    "MessageTracker",
    "NotDone",
    "PollEvent",
    "Poller",
    "SecurityMechanism",
    "Socket",
    "SocketOption",
    "SocketType",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "ZMQVersionError",
    "constants",
    "curve_keypair",
    "curve_public",
    "device",
    "devices",
    "error",
    "has",
    "pyzmq_version",
    "proxy",
    "proxy_steerable",
    "pyzmq_version_info",
    "select",
    "strerror",
    "zmq_version",
    "zmq_version_info",
    *constants.CONSTANT_NAMES,
]
