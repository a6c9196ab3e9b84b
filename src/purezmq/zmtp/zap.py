"""The ZAP codec (RFC 27 "ZeroMQ Authentication Protocol"), as libzmq 4.3 speaks it.

ZAP is an in-process request/reply exchange between the socket doing a security handshake
and an authentication handler bound at :data:`ZAP_ENDPOINT`. No wire peer ever sees it;
this module only builds the request frames and validates the handler's reply, so the
engine can move them over whatever in-process pipe it uses.

libzmq's session writes the request straight into a pipe connected to the handler, with an
empty delimiter first, so the handler can be a REP (which strips the delimiter) or a
ROUTER. The request, as a REP handler receives it [RFC 27; SRC zap_client.cpp]::

    "1.0" | request-id | domain | address | identity | mechanism | credentials...

The reply as the requester reads it back (with the delimiter the REP put back)::

    "" | "1.0" | request-id | status-code | status-text | user-id | metadata

libzmq's checks, in its order (each one a handshake protocol error with the code given):
exactly 7 frames and an empty delimiter (ZAP_MALFORMED_REPLY), version "1.0"
(ZAP_BAD_VERSION), the request id echoed (ZAP_BAD_REQUEST_ID), a 3-character status code
"200"/"300"/"400"/"500" (ZAP_INVALID_STATUS_CODE), metadata in the ZMTP property format
(ZAP_INVALID_METADATA). The status text is not checked.

libzmq divergences kept for interop (ZMTP digest 2.4): the request id is always "1"; the
domain may be empty; the identity frame is the *server socket's own* ROUTING_ID, not the
peer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from purezmq.constants import ProtocolError
from purezmq.zmtp.commands import CommandError, parse_properties
from purezmq.zmtp.errors import ZMTPProtocolError
from purezmq.zmtp.frames import BytesLike

# RFC 27 status codes; libzmq accepts exactly these (3 characters, "[2-5]00").
from purezmq.zmtp.mechanisms.base import ZAP_STATUS_CODES

__all__ = [
    "ZAP_DEFAULT_REQUEST_ID",
    "ZAP_ENDPOINT",
    "ZAP_REPLY_FRAMES",
    "ZAP_STATUS_CODES",
    "ZAP_VERSION",
    "ZapError",
    "ZapReply",
    "encode_zap_reply",
    "encode_zap_request",
    "parse_zap_reply",
    "parse_zap_request",
]

#: RFC 27: where the authentication handler binds (an inproc endpoint).
ZAP_ENDPOINT = "inproc://zeromq.zap.01"
#: RFC 27: the only protocol version; libzmq rejects replies with any other.
ZAP_VERSION = b"1.0"
#: libzmq numbers every request "1" (one outstanding request per connection).
ZAP_DEFAULT_REQUEST_ID = b"1"
#: libzmq reads exactly this many reply frames, the empty delimiter included
#: (zap_client.cpp receive_and_process_zap_reply).
ZAP_REPLY_FRAMES = 7
#: RFC 27: a request carries version, id, domain, address, identity and mechanism before
#: the credentials.
_REQUEST_FIXED_FRAMES = 6


class ZapError(ZMTPProtocolError):
    """A ZAP reply (or request) does not follow RFC 27 as libzmq checks it.

    ``code`` is one of ProtocolError.ZAP_MALFORMED_REPLY, ZAP_BAD_VERSION,
    ZAP_BAD_REQUEST_ID, ZAP_INVALID_STATUS_CODE or ZAP_INVALID_METADATA; libzmq fails the
    handshake with that code (a monitor HANDSHAKE_FAILED_PROTOCOL event).
    """


@dataclass(frozen=True, slots=True)
class ZapReply:
    """A validated ZAP reply.

    Attributes:
        request_id: the echoed request id.
        status_code: "200", "300", "400" or "500".
        status_text: the handler's explanation (not interpreted).
        user_id: the authenticated user (becomes the ``User-Id`` message property).
        metadata: the reply's properties, parsed (names as sent).
        raw_metadata: the metadata frame as received (what ``ZMTPConnection.zap_reply``
            takes).
    """

    request_id: bytes
    status_code: str
    status_text: str
    user_id: bytes
    metadata: dict[str, bytes] = field(default_factory=dict)
    raw_metadata: bytes = b""

    @property
    def accepted(self) -> bool:
        """True for status 200."""
        return self.status_code == "200"


def encode_zap_request(
    domain: bytes,
    address: bytes,
    identity: bytes,
    mechanism: bytes,
    credentials: Sequence[bytes] = (),
    request_id: bytes = ZAP_DEFAULT_REQUEST_ID,
    *,
    delimiter: bool = True,
) -> list[bytes]:
    """Build the frames of a ZAP request, as libzmq sends it.

    Args:
        domain: ZAP_DOMAIN (may be empty in libzmq).
        address: the peer's IP address as text, without the port (``b"127.0.0.1"``).
        identity: libzmq sends the server socket's own ROUTING_ID here.
        mechanism: ``b"NULL"``, ``b"PLAIN"`` or ``b"CURVE"``.
        credentials: NULL none; PLAIN username, password; CURVE the client's 32-byte key.
        request_id: echoed by the handler; libzmq always uses ``b"1"``.
        delimiter: start with the empty delimiter frame (for a pipe read by a REP or
            ROUTER handler, which is what libzmq writes); False for a REQ-like sender.

    Returns:
        The frames, in order.
    """
    frames = [b""] if delimiter else []
    frames += [ZAP_VERSION, bytes(request_id), bytes(domain), bytes(address), bytes(identity)]
    frames.append(bytes(mechanism))
    frames.extend(bytes(c) for c in credentials)
    return frames


def parse_zap_request(frames: Sequence[BytesLike], *, delimiter: bool = False) -> list[bytes]:
    """Split a ZAP request into its frames (for handlers and tests).

    Args:
        frames: the request as received; with ``delimiter`` the first must be empty.
        delimiter: True if the frames still start with the empty delimiter.

    Returns:
        ``[version, request_id, domain, address, identity, mechanism, *credentials]``.

    Raises:
        ZapError: too few frames, no delimiter (ZAP_MALFORMED_REPLY), or a version
            other than 1.0 (ZAP_BAD_VERSION).
    """
    out = [bytes(f) for f in frames]
    if delimiter:
        if not out or out[0]:
            raise ZapError(
                "ZAP request without an empty delimiter", ProtocolError.ZAP_MALFORMED_REPLY
            )
        out = out[1:]
    if len(out) < _REQUEST_FIXED_FRAMES:
        raise ZapError(
            f"ZAP request has {len(out)} frames, at least {_REQUEST_FIXED_FRAMES} expected",
            ProtocolError.ZAP_MALFORMED_REPLY,
        )
    if out[0] != ZAP_VERSION:
        raise ZapError(f"ZAP version {out[0]!r} is not 1.0", ProtocolError.ZAP_BAD_VERSION)
    return out


def encode_zap_reply(
    status_code: str,
    status_text: str = "",
    user_id: bytes = b"",
    metadata: bytes = b"",
    request_id: bytes = ZAP_DEFAULT_REQUEST_ID,
    *,
    delimiter: bool = True,
) -> list[bytes]:
    """Build a ZAP reply (what a handler sends; useful for in-process handlers and tests).

    Args:
        status_code: "200", "300", "400" or "500" (not checked: tests build bad ones).
        status_text: free text.
        user_id: the authenticated user id.
        metadata: properties in the ZMTP property format (``commands.encode_properties``).
        request_id: the id from the request.
        delimiter: start with the empty delimiter (as the requester reads it back).

    Returns:
        The frames, in order.
    """
    frames = [b""] if delimiter else []
    frames += [ZAP_VERSION, bytes(request_id), status_code.encode("ascii")]
    frames += [status_text.encode("utf-8"), bytes(user_id), bytes(metadata)]
    return frames


def parse_zap_reply(
    frames: Sequence[BytesLike],
    request_id: bytes = ZAP_DEFAULT_REQUEST_ID,
    *,
    delimiter: bool = True,
) -> ZapReply:
    """Validate a ZAP reply exactly as libzmq does and return it.

    Args:
        frames: the reply frames as read back by the requester.
        request_id: the id of the request this answers.
        delimiter: the frames start with the empty delimiter (7 frames, libzmq's case);
            False for 6 frames without it.

    Returns:
        The reply. A 400/500 is returned, not raised: denying is the handler's right.

    Raises:
        ZapError: with the ProtocolError code libzmq reports (see the module docstring).
    """
    expected = ZAP_REPLY_FRAMES if delimiter else ZAP_REPLY_FRAMES - 1
    if len(frames) != expected:
        raise ZapError(
            f"ZAP reply has {len(frames)} frames, {expected} expected",
            ProtocolError.ZAP_MALFORMED_REPLY,
        )
    parts = [bytes(f) for f in frames]
    if delimiter:
        if parts[0]:
            raise ZapError("ZAP reply delimiter is not empty", ProtocolError.ZAP_MALFORMED_REPLY)
        parts = parts[1:]
    version, rid, status, text, user_id, metadata = parts
    if version != ZAP_VERSION:
        raise ZapError(f"ZAP reply version {version!r} is not 1.0", ProtocolError.ZAP_BAD_VERSION)
    if rid != request_id:
        raise ZapError(
            f"ZAP reply id {rid!r} does not match the request {request_id!r}",
            ProtocolError.ZAP_BAD_REQUEST_ID,
        )
    code = status.decode("latin-1")
    if code not in ZAP_STATUS_CODES:
        raise ZapError(f"invalid ZAP status code {code!r}", ProtocolError.ZAP_INVALID_STATUS_CODE)
    try:
        props = parse_properties(metadata)
    except CommandError as exc:
        raise ZapError(
            f"invalid ZAP reply metadata: {exc.reason}", ProtocolError.ZAP_INVALID_METADATA
        ) from None
    return ZapReply(rid, code, text.decode("utf-8", "replace"), user_id, props, metadata)
