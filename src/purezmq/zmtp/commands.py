"""ZMTP commands and the metadata property codec (RFC 23, RFC 37, RFC 24 ERROR quirk).

A command body is ``name_len(1) name data``; it travels in a frame with the COMMAND flag.
This module builds and parses the bodies only; :mod:`purezmq.zmtp.frames` adds headers.

Commands::

    READY     05 "READY"     <metadata>
    ERROR     05 "ERROR"     <reason_len(1)> <reason>
    SUBSCRIBE 09 "SUBSCRIBE" <topic>
    CANCEL    06 "CANCEL"    <topic>
    PING      04 "PING"      <ttl uint16 BE, deciseconds> <context 0..16 bytes>
    PONG      04 "PONG"      <context>

Metadata is a sequence of ``name_len(1) name value_len(4, BE) value`` properties.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping

from purezmq.constants import ProtocolError
from purezmq.zmtp.errors import ZMTPProtocolError
from purezmq.zmtp.frames import BytesLike

__all__ = [
    "CANCEL",
    "ERROR",
    "IDENTITY_SOCKET_TYPES",
    "MALFORMED_ERROR_PREFIX",
    "MAX_ERROR_REASON_SIZE",
    "MAX_PING_CONTEXT_SIZE",
    "MAX_PING_TTL",
    "MAX_PROPERTY_NAME_SIZE",
    "MAX_PROPERTY_VALUE_SIZE",
    "PING",
    "PONG",
    "PROPERTY_IDENTITY",
    "PROPERTY_SOCKET_TYPE",
    "PROPERTY_USER_ID",
    "READY",
    "SOCKET_TYPE_PEERS",
    "SUBSCRIBE",
    "CommandError",
    "encode_cancel",
    "encode_command",
    "encode_error",
    "encode_ping",
    "encode_pong",
    "encode_properties",
    "encode_ready",
    "encode_subscribe",
    "get_property",
    "is_compatible",
    "is_valid_property_name",
    "parse_command",
    "parse_error",
    "parse_error_command",
    "parse_malformed_error",
    "parse_ping",
    "parse_properties",
    "ready_properties",
]

READY = b"READY"
ERROR = b"ERROR"
SUBSCRIBE = b"SUBSCRIBE"
CANCEL = b"CANCEL"
PING = b"PING"
PONG = b"PONG"

#: RFC 37: a property name is 1..255 characters (its length travels in one byte).
MAX_PROPERTY_NAME_SIZE = 255
#: RFC 37 grammar: a property value is 0..2**31-1 octets. The real bound is the enclosing
#: command, which is itself limited (connection.MAX_HANDSHAKE_COMMAND_SIZE).
MAX_PROPERTY_VALUE_SIZE = (1 << 31) - 1
#: RFC 23/37: the ERROR reason length travels in one byte.
MAX_ERROR_REASON_SIZE = 255
#: RFC 37: a PING context is at most 16 bytes; libzmq truncates longer ones when it
#: echoes them in PONG [OBS 4b], and so do we.
MAX_PING_CONTEXT_SIZE = 16
#: The PING ttl is a uint16 in deciseconds (RFC 37).
MAX_PING_TTL = 0xFFFF

#: Property names, spelled exactly as libzmq emits them (libzmq matches them
#: case-sensitively, RFC 37 says case-insensitively: we emit this casing, and match any).
PROPERTY_SOCKET_TYPE = "Socket-Type"
PROPERTY_IDENTITY = "Identity"
#: Added by the server from a successful ZAP reply (RFC 27), as libzmq does.
PROPERTY_USER_ID = "User-Id"

#: libzmq sends ``Identity`` in READY only for these socket types [SRC mechanism.cpp].
IDENTITY_SOCKET_TYPES = frozenset({"REQ", "DEALER", "ROUTER"})

#: Which peer Socket-Type each local type accepts (RFC 37; libzmq check_socket_type).
#: STREAM is raw TCP and never speaks ZMTP, so it is not here.
SOCKET_TYPE_PEERS: dict[str, frozenset[str]] = {
    "PAIR": frozenset({"PAIR"}),
    "PUB": frozenset({"SUB", "XSUB"}),
    "XPUB": frozenset({"SUB", "XSUB"}),
    "SUB": frozenset({"PUB", "XPUB"}),
    "XSUB": frozenset({"PUB", "XPUB"}),
    "REQ": frozenset({"REP", "ROUTER"}),
    "REP": frozenset({"REQ", "DEALER"}),
    "DEALER": frozenset({"REP", "DEALER", "ROUTER"}),
    "ROUTER": frozenset({"REQ", "DEALER", "ROUTER"}),
    "PUSH": frozenset({"PULL"}),
    "PULL": frozenset({"PUSH"}),
    # draft socket types
    "CLIENT": frozenset({"SERVER"}),
    "SERVER": frozenset({"CLIENT"}),
    "RADIO": frozenset({"DISH"}),
    "DISH": frozenset({"RADIO"}),
    "SCATTER": frozenset({"GATHER"}),
    "GATHER": frozenset({"SCATTER"}),
    "PEER": frozenset({"PEER"}),
    "CHANNEL": frozenset({"CHANNEL"}),
}

#: libzmq's PLAIN ERROR is malformed: the C literal "\x05ERROR" parses as "\x5e" "RROR"
#: (hex escapes are greedy), so its body starts with these 5 bytes and the reason length
#: sits at offset 5 [ZMTP digest 2.2; OBS].
MALFORMED_ERROR_PREFIX = b"\x5eRROR"

_PROPERTY_NAME = re.compile(rb"[A-Za-z0-9\-_.+]{1,%d}\Z" % MAX_PROPERTY_NAME_SIZE)
_U32 = struct.Struct(">I")
_U16 = struct.Struct(">H")
_unpack_u32 = _U32.unpack_from


class CommandError(ZMTPProtocolError):
    """A command or a metadata block from the peer is malformed."""


def encode_command(name: bytes, data: BytesLike = b"") -> bytes:
    """Return a command body: ``name_len name data``.

    Raises:
        ValueError: ``name`` is empty or longer than 255 bytes.
    """
    if not 0 < len(name) <= 255:
        raise ValueError(f"command name must be 1..255 bytes: {name!r}")
    return bytes((len(name),)) + name + data


def parse_command(body: bytes) -> tuple[bytes, bytes]:
    """Split a command body into ``(name, data)``.

    The name's characters are not checked: after the handshake libzmq ignores unknown
    commands whatever their name [OBS 3i].

    Raises:
        CommandError: the body is empty or shorter than its name length says.
    """
    if not body:
        raise CommandError("empty command frame", ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED)
    name_len = body[0]
    if name_len + 1 > len(body):
        raise CommandError(
            f"command name length {name_len} exceeds the {len(body) - 1} bytes that follow",
            ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        )
    return body[1 : name_len + 1], body[name_len + 1 :]


# --- metadata ---------------------------------------------------------------------------


def is_valid_property_name(name: str) -> bool:
    """Return True if ``name`` is a legal property name (RFC 37: 1..255 of A-Za-z0-9-_.+)."""
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        return False
    return _PROPERTY_NAME.match(raw) is not None


def encode_properties(properties: Iterable[tuple[str, BytesLike]]) -> bytes:
    """Encode properties in the given order.

    Raises:
        ValueError: a name is not a legal property name or a value is too long.
    """
    out = bytearray()
    for name, value in properties:
        if not is_valid_property_name(name):
            raise ValueError(f"invalid metadata property name: {name!r}")
        if len(value) > MAX_PROPERTY_VALUE_SIZE:
            raise ValueError(f"metadata value for {name!r} is too long")
        out.append(len(name))
        out += name.encode("ascii")
        out += _U32.pack(len(value))
        out += value
    return bytes(out)


def parse_properties(data: BytesLike) -> dict[str, bytes]:
    """Parse a metadata block into ``{name: value}`` (names as sent; a repeated name keeps
    its last value).

    Raises:
        CommandError: a truncated property, a bad name, a value that claims more bytes
            than remain, or leftover bytes (libzmq: EPROTO) -> ZMTP_INVALID_METADATA.
    """
    props: dict[str, bytes] = {}
    end = len(data)
    pos = 0
    with memoryview(data) as mv:
        while pos < end:
            name_len = mv[pos]
            pos += 1
            if name_len == 0 or pos + name_len + 4 > end:
                raise CommandError(
                    "truncated or empty metadata property name",
                    ProtocolError.ZMTP_INVALID_METADATA,
                )
            raw_name = mv[pos : pos + name_len].tobytes()
            if _PROPERTY_NAME.match(raw_name) is None:
                raise CommandError(
                    f"invalid metadata property name {raw_name!r}",
                    ProtocolError.ZMTP_INVALID_METADATA,
                )
            pos += name_len
            value_len = _unpack_u32(mv, pos)[0]
            pos += 4
            # Checked against the bytes that remain before anything is sliced.
            if value_len > MAX_PROPERTY_VALUE_SIZE or value_len > end - pos:
                raise CommandError(
                    f"metadata value of {raw_name.decode('ascii')} claims {value_len} bytes,"
                    f" {end - pos} remain",
                    ProtocolError.ZMTP_INVALID_METADATA,
                )
            props[raw_name.decode("ascii")] = mv[pos : pos + value_len].tobytes()
            pos += value_len
    return props


def get_property(properties: Mapping[str, bytes], name: str) -> bytes | None:
    """Look a property up case-insensitively (RFC 37); the last match wins."""
    value = properties.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    found = None
    for key, val in properties.items():
        if key.lower() == wanted:
            found = val
    return found


def ready_properties(
    socket_type: str, routing_id: bytes, metadata: Mapping[str, bytes] | None = None
) -> list[tuple[str, bytes]]:
    """The properties libzmq sends in READY/INITIATE, in its order: ``Socket-Type``, then
    ``Identity`` for REQ/DEALER/ROUTER only, then the user's (``ZMQ_METADATA``) ones."""
    props: list[tuple[str, bytes]] = [(PROPERTY_SOCKET_TYPE, socket_type.encode("ascii"))]
    if socket_type in IDENTITY_SOCKET_TYPES:
        props.append((PROPERTY_IDENTITY, routing_id))
    if metadata:
        props.extend(metadata.items())
    return props


def encode_ready(
    socket_type: str, routing_id: bytes = b"", metadata: Mapping[str, bytes] | None = None
) -> bytes:
    """Return the READY command body libzmq would send for this socket."""
    return encode_command(
        READY, encode_properties(ready_properties(socket_type, routing_id, metadata))
    )


def is_compatible(local: str, peer: str) -> bool:
    """Return True if a ``local`` socket may talk to a ``peer`` of that Socket-Type.

    Values are compared exactly (libzmq rejected ``pull`` for PULL [OBS 3g]).
    """
    return peer in SOCKET_TYPE_PEERS.get(local, frozenset())


# --- ERROR --------------------------------------------------------------------------------


def encode_error(reason: str | bytes) -> bytes:
    """Return an ERROR command body (well formed, as RFC 23 and libzmq's NULL/CURVE send it).

    Raises:
        ValueError: the reason is longer than 255 bytes or not ASCII.
    """
    raw = reason.encode("ascii") if isinstance(reason, str) else reason
    if len(raw) > MAX_ERROR_REASON_SIZE:
        raise ValueError("ERROR reason is limited to 255 bytes")
    return encode_command(ERROR, bytes((len(raw),)) + raw)


def _reason(data: bytes, offset: int) -> str:
    if len(data) <= offset:
        raise CommandError(
            "ERROR without a reason length", ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR
        )
    length = data[offset]
    if length > len(data) - offset - 1:
        raise CommandError(
            f"ERROR reason length {length} exceeds the command",
            ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR,
        )
    # libzmq ignores bytes after the reason; so do we.
    return data[offset + 1 : offset + 1 + length].decode("ascii", "replace")


def parse_error(data: bytes) -> str:
    """Parse the data of a well-formed ERROR command (after the name) into its reason.

    Raises:
        CommandError: truncated (ZMTP_MALFORMED_COMMAND_ERROR).
    """
    return _reason(data, 0)


def parse_malformed_error(body: bytes) -> str:
    """Parse libzmq's malformed PLAIN ERROR body (``5e "RROR" reason_len reason``).

    Raises:
        CommandError: the body does not start with :data:`MALFORMED_ERROR_PREFIX` or is
            truncated.
    """
    if not body.startswith(MALFORMED_ERROR_PREFIX):
        raise CommandError("not a libzmq PLAIN ERROR", ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR)
    return _reason(body, len(MALFORMED_ERROR_PREFIX))


def parse_error_command(body: bytes) -> str | None:
    """If ``body`` is an ERROR command in either form, return its reason, else None.

    Recognises the RFC form ``05 "ERROR" len reason`` and libzmq's malformed PLAIN form
    ``5e "RROR" len reason``.

    Raises:
        CommandError: it is an ERROR but truncated.
    """
    if body.startswith(b"\x05ERROR"):
        return _reason(body, 6)
    if body.startswith(MALFORMED_ERROR_PREFIX):
        return parse_malformed_error(body)
    return None


# --- subscriptions and heartbeats -----------------------------------------------------------


def encode_subscribe(topic: BytesLike) -> bytes:
    """Return a SUBSCRIBE command body (ZMTP 3.1)."""
    return b"\x09SUBSCRIBE" + topic


def encode_cancel(topic: BytesLike) -> bytes:
    """Return a CANCEL command body (ZMTP 3.1)."""
    return b"\x06CANCEL" + topic


def encode_ping(ttl: int = 0, context: BytesLike = b"") -> bytes:
    """Return a PING command body.

    Args:
        ttl: deciseconds, 0..65535 (libzmq: HEARTBEAT_TTL // 100 ms).
        context: 0..16 bytes echoed by the peer's PONG (libzmq sends none).

    Raises:
        ValueError: ttl or context out of range.
    """
    if not 0 <= ttl <= MAX_PING_TTL:
        raise ValueError(f"PING ttl out of range: {ttl}")
    if len(context) > MAX_PING_CONTEXT_SIZE:
        raise ValueError("PING context is limited to 16 bytes")
    return b"\x04PING" + _U16.pack(ttl) + context


def parse_ping(data: bytes) -> tuple[int, bytes]:
    """Parse PING data (after the name) into ``(ttl_deciseconds, context)``.

    The context is truncated to 16 bytes, as libzmq does before echoing it.

    Raises:
        CommandError: fewer than 2 bytes (no ttl).
    """
    if len(data) < 2:
        raise CommandError("PING without a ttl", ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED)
    return _U16.unpack_from(data)[0], data[2 : 2 + MAX_PING_CONTEXT_SIZE]


def encode_pong(context: BytesLike = b"") -> bytes:
    """Return a PONG command body echoing (at most 16 bytes of) ``context``."""
    return b"\x04PONG" + context[:MAX_PING_CONTEXT_SIZE]
