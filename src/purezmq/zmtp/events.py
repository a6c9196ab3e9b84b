"""Events returned by :class:`~purezmq.zmtp.connection.ZMTPConnection`.

Small slotted dataclasses, as fixed by ``docs/internals.md``. ``ZapRequest`` is an
addition to that table: it lets a mechanism ask the engine for a ZAP (RFC 27) decision
without doing any I/O itself; the engine answers with ``ZMTPConnection.zap_reply``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "ConnectionFailed",
    "ErrorReceived",
    "Event",
    "HandshakeComplete",
    "MessageReceived",
    "ZapRequest",
]


@dataclass(slots=True)
class HandshakeComplete:
    """The peer is ready; messages may flow both ways.

    Attributes:
        socket_type: the peer's ``Socket-Type`` value ("" if it sent none; libzmq accepts
            such peers too).
        identity: the peer's ``Identity`` property (b"" if absent).
        properties: every property the peer sent (names as sent), plus ``User-Id`` and
            the ZAP metadata when a ZAP handler approved the peer.
        minor_version: 0 for a ZMTP 3.0 peer, 1 for 3.1 and later.
    """

    socket_type: str
    identity: bytes
    properties: dict[str, bytes]
    minor_version: int


@dataclass(slots=True)
class MessageReceived:
    """One whole message (all frames of a multipart message).

    SUBSCRIBE/CANCEL commands arrive as the messages ``[b"\\x01" + topic]`` /
    ``[b"\\x00" + topic]``, as libzmq does internally.

    Attributes:
        frames: the frames, in order; never empty.
    """

    frames: list[bytes]


@dataclass(slots=True)
class ErrorReceived:
    """The peer sent ERROR during the handshake: close, and do not retry.

    This event is terminal on its own; no ``ConnectionFailed`` follows it. A reason of
    ``"300"``, ``"400"`` or ``"500"`` is a ZAP status code (libzmq reports those as an
    authentication failure).

    Attributes:
        reason: the peer's reason text.
    """

    reason: str


@dataclass(slots=True)
class ConnectionFailed:
    """The connection must be closed (after flushing ``data_to_send()``, which may hold a
    final ERROR command).

    Attributes:
        reason: what went wrong, for logs.
        code: a :class:`~purezmq.constants.ProtocolError` value for monitor events, the
            ZAP status code (300/400/500) for an authentication failure, or 0 (timeouts,
            local limits such as max_msg_size).
        handshake: True if the handshake had not completed.
        auth: True for an authentication failure (HANDSHAKE_FAILED_AUTH).
    """

    reason: str
    code: int = 0
    handshake: bool = False
    auth: bool = False


@dataclass(slots=True)
class ZapRequest:
    """The mechanism needs a ZAP decision before the handshake can go on.

    The engine sends the ZAP request (adding domain, address and its own routing id, as
    libzmq does) and later calls ``ZMTPConnection.zap_reply(status_code, user_id,
    metadata)``. The handshake timeout keeps running meanwhile.

    Attributes:
        mechanism: "NULL", "PLAIN" or "CURVE".
        credentials: the mechanism's credential frames (PLAIN: username, password;
            CURVE: the client's public key; NULL: none).
    """

    mechanism: str
    credentials: list[bytes] = field(default_factory=list)


#: Anything ``receive_data``, ``handle_timer`` or ``zap_reply`` can return.
Event: TypeAlias = (
    HandshakeComplete | MessageReceived | ErrorReceived | ConnectionFailed | ZapRequest
)
