"""The 64-byte ZMTP 3.x greeting, sent in stages like libzmq (RFC 23, RFC 37).

Layout::

    0      ff                     signature start
    1..8   padding                libzmq: big-endian uint64 len(routing_id)+1; never checked
    9      7f                     signature end (bit 0 set = versioned, ZMTP >= 2.0)
    10     major                  03
    11     minor                  01 (00 from a 3.0 peer)
    12..31 mechanism              ASCII, NUL padded ("NULL", "PLAIN", "CURVE")
    32     as-server              00/01
    33..63 filler                 zeros

Staging, as libzmq does it [OBS exp1]: send the 10-byte signature at once; send the
major byte when the peer's 10 signature bytes have arrived; send bytes 11..63 when the
peer's major byte has arrived. Only ZMTP 3.x peers are accepted: a signature that is not
``ff .. (bit 0 set)`` is garbage (we never guess ZMTP 1.0: that guess is libzmq bug 4932,
which takes an HTTP request for a 1.0 identity frame), and majors below 3 are refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from purezmq.constants import ProtocolError
from purezmq.zmtp.errors import ZMTPProtocolError
from purezmq.zmtp.frames import BytesLike

__all__ = [
    "AS_SERVER_OFFSET",
    "GREETING_SIZE",
    "MAJOR_OFFSET",
    "MECHANISM_OFFSET",
    "MECHANISM_SIZE",
    "MINOR_OFFSET",
    "SIGNATURE_SIZE",
    "ZMTP_MAJOR",
    "ZMTP_MINOR",
    "Greeting",
    "GreetingError",
    "PeerGreeting",
    "encode_greeting",
    "encode_greeting_rest",
    "encode_mechanism_name",
    "encode_signature",
]

#: RFC 23: the whole greeting is 64 bytes.
GREETING_SIZE = 64
#: ff + 8 padding bytes + 7f.
SIGNATURE_SIZE = 10
MAJOR_OFFSET = 10
MINOR_OFFSET = 11
MECHANISM_OFFSET = 12
#: RFC 23: the mechanism name field is 20 bytes, NUL padded.
MECHANISM_SIZE = 20
AS_SERVER_OFFSET = 32
#: The version we speak: ZMTP 3.1 (RFC 37).
ZMTP_MAJOR = 3
ZMTP_MINOR = 1

_MECHANISM_END = MECHANISM_OFFSET + MECHANISM_SIZE
_FILLER = bytes(GREETING_SIZE - AS_SERVER_OFFSET - 1)
_U64 = struct.Struct(">Q")


class GreetingError(ZMTPProtocolError):
    """The peer's greeting is not one we accept."""


def encode_signature(routing_id_size: int = 0) -> bytes:
    """Return the 10-byte signature with libzmq's padding (BE uint64 routing_id_size + 1).

    libzmq keeps this ZMTP 1.0 compatibility value [OBS: ``ff 00..01 7f`` without a
    routing id, ``ff 00..04 7f`` for ``abc``]; peers must not validate it (RFC 23).
    """
    return b"\xff" + _U64.pack(routing_id_size + 1) + b"\x7f"


def encode_mechanism_name(name: bytes) -> bytes:
    """Return the 20-byte NUL-padded mechanism field.

    Raises:
        ValueError: the name is empty or longer than 20 bytes.
    """
    if not 0 < len(name) <= MECHANISM_SIZE:
        raise ValueError(f"mechanism name must be 1..20 bytes: {name!r}")
    return name.ljust(MECHANISM_SIZE, b"\x00")


def encode_greeting_rest(mechanism: bytes, as_server: bool, minor: int = ZMTP_MINOR) -> bytes:
    """Return greeting bytes 11..63 (minor, mechanism, as-server, filler): 53 bytes."""
    return (
        bytes((minor,)) + encode_mechanism_name(mechanism) + (b"\x01" if as_server else b"\x00")
    ) + _FILLER


def encode_greeting(
    mechanism: bytes, as_server: bool = False, routing_id_size: int = 0, minor: int = ZMTP_MINOR
) -> bytes:
    """Return a whole 64-byte greeting (signature, major 3, then the rest)."""
    return (
        encode_signature(routing_id_size)
        + bytes((ZMTP_MAJOR,))
        + encode_greeting_rest(mechanism, as_server, minor)
    )


@dataclass(slots=True)
class PeerGreeting:
    """What the peer's greeting said.

    Attributes:
        major: the peer's major version (>= 3).
        minor: the peer's minor version byte as sent.
        mechanism: the mechanism name, trailing NULs removed.
        as_server: the peer's as-server byte. Informational only: libzmq always sends 0,
            so roles come from local configuration, never from this.
    """

    major: int
    minor: int
    mechanism: bytes
    as_server: bool

    @property
    def minor_version(self) -> int:
        """0 for a ZMTP 3.0 peer, 1 for 3.1 and anything later (we speak 3.1 to them)."""
        return 0 if self.major == ZMTP_MAJOR and self.minor == 0 else 1


class Greeting:
    """The staged greeting exchange of one connection (sans-I/O).

    Args:
        mechanism: our mechanism name (e.g. ``b"NULL"``); the peer's must match exactly.
        as_server: our as-server byte (True when our mechanism is in the server role).
        routing_id_size: len(routing_id), for libzmq's signature padding.
    """

    __slots__ = (
        "_as_server",
        "_buf",
        "_mechanism",
        "_sent_major",
        "_sent_rest",
        "peer",
        "signature",
    )

    def __init__(self, mechanism: bytes, as_server: bool = False, routing_id_size: int = 0) -> None:
        self._mechanism = encode_mechanism_name(mechanism)
        self._as_server = as_server
        self._buf = bytearray()
        self._sent_major = False
        self._sent_rest = False
        #: Our 10-byte signature: send it as soon as the connection is up.
        self.signature: bytes = encode_signature(routing_id_size)
        #: The peer's greeting once all 64 bytes arrived and were accepted.
        self.peer: PeerGreeting | None = None

    @property
    def done(self) -> bool:
        """True once the peer's whole greeting arrived and was accepted."""
        return self.peer is not None

    def receive(self, data: BytesLike) -> tuple[int, bytes]:
        """Consume greeting bytes.

        Args:
            data: bytes from the peer; only what the greeting needs is consumed.

        Returns:
            ``(consumed, to_send)``: how many bytes of ``data`` belonged to the greeting,
            and the next stage(s) of our greeting that may now be sent.

        Raises:
            GreetingError: a bad signature, an old version or a mechanism mismatch.
        """
        buf = self._buf
        have = len(buf)
        consumed = min(GREETING_SIZE - have, len(data))
        buf += data[:consumed]
        n = len(buf)
        out = b""
        if have == 0 and n > 0 and buf[0] != 0xFF:
            raise GreetingError(
                f"not a ZMTP 3.x peer: greeting starts with {buf[0]:#04x}, not 0xff"
                " (ZMTP 1.0 and non-ZMTP peers are not supported)"
            )
        if not self._sent_major and n >= SIGNATURE_SIZE:
            if not buf[9] & 1:
                raise GreetingError(
                    f"not a ZMTP 3.x peer: signature ends with {buf[9]:#04x}, bit 0 clear"
                    " (ZMTP 1.0 is not supported)"
                )
            self._sent_major = True
            out += bytes((ZMTP_MAJOR,))
        if not self._sent_rest and n > MAJOR_OFFSET:
            major = buf[MAJOR_OFFSET]
            if major < ZMTP_MAJOR:
                raise GreetingError(_old_version_reason(major))
            self._sent_rest = True
            out += encode_greeting_rest(self._mechanism.rstrip(b"\x00"), self._as_server)
        if n == GREETING_SIZE and self.peer is None:
            mechanism = bytes(buf[MECHANISM_OFFSET:_MECHANISM_END])
            if mechanism != self._mechanism:
                raise GreetingError(
                    f"mechanism mismatch: peer uses {_show(mechanism)},"
                    f" we use {_show(self._mechanism)}",
                    ProtocolError.ZMTP_MECHANISM_MISMATCH,
                )
            self.peer = PeerGreeting(
                major=buf[MAJOR_OFFSET],
                minor=buf[MINOR_OFFSET],
                mechanism=mechanism.rstrip(b"\x00"),
                as_server=bool(buf[AS_SERVER_OFFSET]),
            )
        return consumed, out


def _old_version_reason(major: int) -> str:
    if major == 1:
        return "ZMTP 2.0 peers are not supported (greeting major version 1)"
    if major == 0:
        return "ZMTP 1.0 peers are not supported (greeting major version 0)"
    return f"ZMTP major version {major} is not supported (need 3 or later)"


def _show(mechanism: bytes) -> str:
    return repr(mechanism.rstrip(b"\x00").decode("ascii", "replace"))
