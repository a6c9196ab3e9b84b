"""The CURVE mechanism (RFC 25 ZMTP-CURVE, RFC 26 CurveZMQ), as libzmq 4.3 speaks it.

This is the only module that imports NaCl (PyNaCl, the ``curve`` extra). The import is
guarded: without PyNaCl, importing purezmq (and this module) works, :func:`has_curve`
returns False, and constructing a mechanism or generating keys raises
:class:`CurveUnavailableError`.

Keys are raw 32-byte Curve25519 keys; Z85 (RFC 32) belongs to the socket layer.
C/c and S/s are the client's and server's permanent public/secret keys, C'/c' and S'/s'
the per-connection transient ones. ``Box[X](A->B)`` is NaCl ``crypto_box`` of X with A's
secret and B's public key, sent in the "easy" form (16-byte MAC, then ciphertext).
Command bodies (ZMTP digest 2.3, RFC 26 grammar)::

    HELLO    (200)  05 HELLO | 01 00 | 72 zeros | C' | N | Box[64 zeros](C'->S)
    WELCOME  (168)  07 WELCOME | W(16) | Box[S' + cookie](S->C')
                    cookie = K(16) + secretbox[C' + s'](cookie key)    (96 bytes)
    INITIATE (>=257) 08 INITIATE | cookie | N | Box[C + V(16) + vouch + metadata](C'->S')
                    vouch = Box[C' + S](C->S')                          (80 bytes)
    READY    (>=30)  05 READY | N | Box[metadata](S'->C')
    MESSAGE  (>=33)  07 MESSAGE | N | Box[flags + data](sender' -> receiver')

Nonces are a 16- or 8-byte ASCII prefix plus an 8-byte big-endian counter (the short
nonce N, sent in clear) or 16 random bytes (W, K, V). Counters start like libzmq's:
client HELLO=1, INITIATE=2, first MESSAGE=3; server READY=1, first MESSAGE=2. Every short
nonce from the peer must be strictly greater than the last one seen (gaps are fine, as in
libzmq; a repeat or a lower one fails with ZMTP_INVALID_SEQUENCE).

After the handshake every frame, data and commands alike (PING/PONG/SUBSCRIBE/...),
travels as one MESSAGE whose encrypted first byte carries the flags (bit 0 MORE, bit 1
COMMAND: a libzmq extension of RFC 26). MESSAGE goes out in an *ordinary* frame with MORE
clear, because libzmq 4.3 silently drops a MESSAGE sent in a COMMAND frame; on input
either frame kind is accepted and only the inner flags count (digest 2.3, OBS 6a-6c).

ZAP (RFC 27): with ``zap=True`` the server asks, after a valid INITIATE, with mechanism
"CURVE" and the client's permanent key C as the single credential. libzmq asks whenever
a handler is bound and otherwise accepts every client that completes the cryptography;
the engine decides and passes ``zap`` accordingly (:attr:`CurveServerMechanism.uses_zap`).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping

from purezmq.constants import Errno, ProtocolError
from purezmq.error import ZMQError
from purezmq.zmtp.commands import READY, parse_command
from purezmq.zmtp.errors import ProtocolStateError
from purezmq.zmtp.frames import FLAG_COMMAND, FLAG_MORE
from purezmq.zmtp.mechanisms.base import HandshakeParams, Mechanism, MechanismError

try:
    from nacl.bindings import crypto_box_beforenm as _beforenm
    from nacl.bindings import crypto_box_easy as _box
    from nacl.bindings import crypto_box_easy_afternm as _box_afternm
    from nacl.bindings import crypto_box_keypair as _keypair
    from nacl.bindings import crypto_box_open_easy as _box_open
    from nacl.bindings import crypto_box_open_easy_afternm as _box_open_afternm
    from nacl.bindings import crypto_scalarmult_base as _scalarmult_base
    from nacl.bindings import crypto_secretbox_easy as _secretbox
    from nacl.bindings import crypto_secretbox_open_easy as _secretbox_open
    from nacl.exceptions import CryptoError as _CryptoError

    _HAVE_NACL = True
    try:
        # PyNaCl's own cffi handle on libsodium, which nacl.bindings wraps. The MESSAGE
        # codec calls it directly: that skips PyNaCl's argument checks (our sizes are
        # fixed by construction) and two copies per frame (measured: 16-byte frames
        # about 1.5x faster, 64 KiB frames 1.6-2.8x). It is private to PyNaCl, hence
        # optional: without it the public nacl.bindings functions are used.
        from nacl._sodium import ffi as _ffi  # type: ignore[import-not-found]
        from nacl._sodium import lib as _lib

        _HAVE_SODIUM_FFI = hasattr(_lib, "crypto_box_easy_afternm") and hasattr(
            _lib, "crypto_box_open_easy_afternm"
        )
    except ImportError:  # pragma: no cover - depends on the PyNaCl build
        _HAVE_SODIUM_FFI = False
except ImportError:  # pragma: no cover - exercised in a subprocess test
    _HAVE_NACL = False
    _HAVE_SODIUM_FFI = False

__all__ = [
    "HELLO_SIZE",
    "KEY_SIZE",
    "MAX_SHORT_NONCE",
    "MIN_INITIATE_SIZE",
    "MIN_MESSAGE_SIZE",
    "MIN_READY_SIZE",
    "WELCOME_SIZE",
    "CurveClientMechanism",
    "CurveServerMechanism",
    "CurveUnavailableError",
    "RandomBytes",
    "curve_keypair",
    "curve_public",
    "has_curve",
]

#: Curve25519 public and secret keys are 32 bytes (RFC 25).
KEY_SIZE = 32
#: NaCl's Poly1305 authenticator, at the front of every box in the easy form.
MAC_SIZE = 16
#: RFC 26: HELLO is exactly 200 bytes (its padding makes it as large as WELCOME's body,
#: so a spoofed HELLO cannot amplify traffic); libzmq rejects any other size.
HELLO_SIZE = 200
#: RFC 26: WELCOME is exactly 168 bytes; libzmq's client rejects any other size.
WELCOME_SIZE = 168
#: RFC 26: name(9) + cookie(96) + nonce(8) + Box[C + V + vouch](16+32+16+80) with empty
#: metadata; libzmq rejects anything shorter.
MIN_INITIATE_SIZE = 257
#: RFC 26: name(6) + nonce(8) + an empty box (16); libzmq rejects anything shorter.
MIN_READY_SIZE = 30
#: RFC 26 + libzmq: name(8) + nonce(8) + box(16) + the flags byte.
MIN_MESSAGE_SIZE = 33
#: The short nonce is an unsigned 64-bit counter; it must never wrap (a nonce is never
#: reused with the same key), so the connection cannot send more than this many boxes.
MAX_SHORT_NONCE = (1 << 64) - 1

#: RFC 26 nonce prefixes (16 bytes before a short nonce, 8 before a long one).
_HELLO_NONCE = b"CurveZMQHELLO---"
_WELCOME_NONCE = b"WELCOME-"
_COOKIE_NONCE = b"COOKIE--"
_INITIATE_NONCE = b"CurveZMQINITIATE"
_VOUCH_NONCE = b"VOUCH---"
_READY_NONCE = b"CurveZMQREADY---"
_MESSAGE_NONCE_CLIENT = b"CurveZMQMESSAGEC"
_MESSAGE_NONCE_SERVER = b"CurveZMQMESSAGES"

#: Long nonces (W, K, V) and the random part of the cookie nonce.
_LONG_NONCE_SIZE = 16
#: The HELLO signature box hides 64 zero bytes (RFC 26).
_HELLO_ZEROS = bytes(64)
#: RFC 26 grammar and libzmq: 72 zero bytes of anti-amplification padding (RFC 26's prose
#: says 70; the grammar and every implementation use 72).
_HELLO_PADDING = bytes(72)
#: Version 1.0 of CurveZMQ; libzmq rejects every other.
_HELLO_VERSION = b"\x01\x00"
_HELLO_PREFIX = b"\x05HELLO"
_WELCOME_PREFIX = b"\x07WELCOME"
_INITIATE_PREFIX = b"\x08INITIATE"
_READY_PREFIX = b"\x05READY"
_MESSAGE_PREFIX = b"\x07MESSAGE"
_HELLO = b"HELLO"
_WELCOME = b"WELCOME"
_INITIATE = b"INITIATE"
#: A short nonce: an 8-byte big-endian counter.
_SHORT_NONCE_SIZE = 8
#: The cookie: its random nonce K, then secretbox[C' + s'] (RFC 26): 96 bytes.
_COOKIE_SIZE = _LONG_NONCE_SIZE + MAC_SIZE + 2 * KEY_SIZE

# Command body offsets (RFC 26 grammar; ZMTP digest 2.3). The sizes checked before any
# of them is used guarantee that every slice below is complete.
_HELLO_VERSION_AT = 6
_HELLO_KEY_AT = 80  # C'
_HELLO_NONCE_AT = _HELLO_KEY_AT + KEY_SIZE  # 112
_HELLO_BOX_AT = _HELLO_NONCE_AT + _SHORT_NONCE_SIZE  # 120
_WELCOME_NONCE_AT = 8
_WELCOME_BOX_AT = _WELCOME_NONCE_AT + _LONG_NONCE_SIZE  # 24
_INITIATE_COOKIE_AT = 9
_INITIATE_NONCE_AT = _INITIATE_COOKIE_AT + _COOKIE_SIZE  # 105
_INITIATE_BOX_AT = _INITIATE_NONCE_AT + _SHORT_NONCE_SIZE  # 113
_READY_NONCE_AT = 6
_READY_BOX_AT = _READY_NONCE_AT + _SHORT_NONCE_SIZE  # 14
_MESSAGE_NONCE_AT = 8
_MESSAGE_BOX_AT = _MESSAGE_NONCE_AT + _SHORT_NONCE_SIZE  # 16
# INITIATE plaintext: C | vouch nonce | vouch box | metadata.
_VOUCH_NONCE_AT = KEY_SIZE  # 32
_VOUCH_AT = _VOUCH_NONCE_AT + _LONG_NONCE_SIZE  # 48
_VOUCH_END = _VOUCH_AT + MAC_SIZE + 2 * KEY_SIZE  # 128

#: ZMTP frame flags -> the inner flags byte (bit 0 MORE, bit 1 COMMAND).
_INNER_FLAGS = tuple(
    bytes(((1 if f & FLAG_MORE else 0) | (2 if f & FLAG_COMMAND else 0),)) for f in range(8)
)
#: The inner flags byte (other bits ignored, as libzmq does) -> ZMTP frame flags.
_FRAME_FLAGS = tuple((FLAG_MORE if b & 1 else 0) | (FLAG_COMMAND if b & 2 else 0) for b in range(4))

_CRYPTO = ProtocolError.ZMTP_CRYPTOGRAPHIC

#: Supplies random bytes (os.urandom by default; tests inject fixed values).
RandomBytes = Callable[[int], bytes]


class CurveUnavailableError(ImportError):
    """CURVE needs PyNaCl, which is not installed (``pip install purezmq[curve]``)."""

    def __init__(self) -> None:
        super().__init__(
            "CURVE security needs PyNaCl: install the curve extra (pip install purezmq[curve])"
        )


def has_curve() -> bool:
    """Return True if CURVE is available (PyNaCl is installed), like ``zmq.has("curve")``."""
    return _HAVE_NACL


def _require_nacl() -> None:
    if not _HAVE_NACL:
        raise CurveUnavailableError()


def _check_key(key: bytes, what: str) -> bytes:
    if not isinstance(key, (bytes, bytearray, memoryview)) or len(key) != KEY_SIZE:
        raise ZMQError(Errno.EINVAL, f"{what} must be {KEY_SIZE} raw bytes")
    return bytes(key)


def curve_keypair() -> tuple[bytes, bytes]:
    """Generate a new permanent key pair.

    Returns:
        ``(public, secret)``, 32 raw bytes each (the socket layer encodes them in Z85).

    Raises:
        CurveUnavailableError: PyNaCl is not installed.
    """
    _require_nacl()
    public, secret = _keypair()
    return public, secret


def curve_public(secret_key: bytes) -> bytes:
    """Derive the public key of a 32-byte secret key (Curve25519 scalar multiplication).

    Raises:
        CurveUnavailableError: PyNaCl is not installed.
        ZMQError: EINVAL if the key is not 32 bytes.
    """
    _require_nacl()
    return _scalarmult_base(_check_key(secret_key, "secret key"))


def _fail(reason: str, code: int = _CRYPTO) -> MechanismError:
    return MechanismError(f"CURVE: {reason}", code)


def _unexpected(name: bytes) -> MechanismError:
    return _fail(f"unexpected command {name!r}", ProtocolError.ZMTP_UNEXPECTED_COMMAND)


# --- the MESSAGE codec's crypto (the hot path) ---------------------------------------------


def _seal_message_portable(nonce_prefix: bytes, short: bytes, plain: bytes, key: bytes) -> bytes:
    """Return the MESSAGE body ``07 MESSAGE | short | Box[plain]`` (public PyNaCl API)."""
    return _MESSAGE_PREFIX + short + _box_afternm(plain, nonce_prefix + short, key)


def _open_message_portable(body: bytes, nonce_prefix: bytes, key: bytes) -> tuple[int, bytes]:
    """Open a MESSAGE body (at least MIN_MESSAGE_SIZE bytes); return (inner flags, data).

    Raises:
        CryptoError: the box does not open.
    """
    nonce = nonce_prefix + body[_MESSAGE_NONCE_AT:_MESSAGE_BOX_AT]
    plain = _box_open_afternm(body[_MESSAGE_BOX_AT:], nonce, key)
    return plain[0], plain[1:]


def _seal_message_ffi(nonce_prefix: bytes, short: bytes, plain: bytes, key: bytes) -> bytes:
    """:func:`_seal_message_portable` writing name, nonce and box into one buffer."""
    size = _MESSAGE_BOX_AT + MAC_SIZE + len(plain)
    out = _ffi.new("unsigned char[]", size)
    _ffi.memmove(out, _MESSAGE_PREFIX + short, _MESSAGE_BOX_AT)
    box = out + _MESSAGE_BOX_AT
    if _lib.crypto_box_easy_afternm(box, plain, len(plain), nonce_prefix + short, key):
        raise _CryptoError("crypto_box_easy_afternm failed")  # pragma: no cover
    return bytes(_ffi.buffer(out, size))


def _open_message_ffi(body: bytes, nonce_prefix: bytes, key: bytes) -> tuple[int, bytes]:
    """:func:`_open_message_portable` reading the box in place and copying the data once."""
    clen = len(body) - _MESSAGE_BOX_AT
    size = clen - MAC_SIZE
    out = _ffi.new("unsigned char[]", size)
    box = _ffi.from_buffer(body) + _MESSAGE_BOX_AT
    nonce = nonce_prefix + body[_MESSAGE_NONCE_AT:_MESSAGE_BOX_AT]
    if _lib.crypto_box_open_easy_afternm(out, box, clen, nonce, key):
        raise _CryptoError("MESSAGE box does not open")
    flags: int = out[0]
    data: bytes = _ffi.buffer(out, size)[1:]
    return flags, data


if _HAVE_NACL and _HAVE_SODIUM_FFI:
    _seal_message = _seal_message_ffi
    _open_message = _open_message_ffi
else:  # pragma: no cover - depends on the PyNaCl build
    _seal_message = _seal_message_portable
    _open_message = _open_message_portable


class _CurveMechanism(Mechanism):
    """What both roles share: nonce counters, the session key and the MESSAGE codec."""

    name = b"CURVE"
    wraps_frames = True

    #: Our MESSAGE nonce prefix and the peer's.
    _tx_prefix: bytes
    _rx_prefix: bytes

    def __init__(self, random_bytes: RandomBytes | None) -> None:
        _require_nacl()
        super().__init__()
        self._random: RandomBytes = random_bytes if random_bytes is not None else os.urandom
        #: The next short nonce we send.
        self._nonce = 1
        #: The last short nonce the peer sent (-1: none yet; the first may be anything).
        self._peer_nonce = -1
        #: crypto_box_beforenm(peer transient, our transient secret): computed once, used
        #: for INITIATE/READY and every MESSAGE (the hot path).
        self._key = b""
        self._done = False

    @property
    def is_complete(self) -> bool:
        """True once the handshake is done in both directions."""
        return self._done

    def _next_nonce(self) -> bytes:
        n = self._nonce
        if n > MAX_SHORT_NONCE:
            raise ProtocolStateError("CURVE nonce space exhausted: reconnect")
        self._nonce = n + 1
        return n.to_bytes(8, "big")

    def _check_nonce(self, short: bytes) -> int:
        n = int.from_bytes(short, "big")
        if n <= self._peer_nonce:
            raise _fail(
                f"short nonce {n} does not follow {self._peer_nonce}",
                ProtocolError.ZMTP_INVALID_SEQUENCE,
            )
        return n

    # --- traffic ----------------------------------------------------------------------

    def encode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        """Wrap one frame in a MESSAGE: an ordinary frame, MORE clear, flags inside.

        Raises:
            ProtocolStateError: 2**64 boxes were sent (the nonce would repeat).
        """
        n = self._nonce
        if n > MAX_SHORT_NONCE:
            raise ProtocolStateError("CURVE nonce space exhausted: reconnect")
        self._nonce = n + 1
        short = n.to_bytes(8, "big")
        return 0, _seal_message(self._tx_prefix, short, _INNER_FLAGS[flags & 7] + body, self._key)

    def decode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        """Open one MESSAGE (in a command or an ordinary frame; the outer flags are
        ignored) and return the inner ``(flags, data)``.

        Raises:
            MechanismError: too short (ZMTP_MALFORMED_COMMAND_MESSAGE), not a MESSAGE
                (ZMTP_UNEXPECTED_COMMAND), a replayed or lower nonce
                (ZMTP_INVALID_SEQUENCE), or a box that does not open (ZMTP_CRYPTOGRAPHIC).
        """
        if len(body) < MIN_MESSAGE_SIZE:
            if body[:_MESSAGE_NONCE_AT] != _MESSAGE_PREFIX:
                raise _unexpected(body[1:_MESSAGE_NONCE_AT])
            raise _fail(
                f"MESSAGE of {len(body)} bytes", ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE
            )
        if body[:_MESSAGE_NONCE_AT] != _MESSAGE_PREFIX:
            raise _unexpected(body[1 : 1 + body[0]])
        n = int.from_bytes(body[_MESSAGE_NONCE_AT:_MESSAGE_BOX_AT], "big")
        if n <= self._peer_nonce:
            raise _fail(
                f"MESSAGE nonce {n} does not follow {self._peer_nonce}",
                ProtocolError.ZMTP_INVALID_SEQUENCE,
            )
        try:
            inner, data = _open_message(body, self._rx_prefix, self._key)
        except _CryptoError:
            raise _fail("MESSAGE box does not open") from None
        self._peer_nonce = n
        return _FRAME_FLAGS[inner & 3], data

    # --- helpers ----------------------------------------------------------------------

    def _metadata_box(self, prefix: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
        """Seal ``plaintext`` with the session key and our next short nonce."""
        short = self._next_nonce()
        return short, _box_afternm(plaintext, prefix + short, self._key)


class CurveClientMechanism(_CurveMechanism):
    """The CURVE client: it knows the server's permanent public key in advance.

    Args:
        public_key: our permanent public key C (32 raw bytes).
        secret_key: our permanent secret key c.
        server_key: the server's permanent public key S.
        random_bytes: the randomness source (default ``os.urandom``). The first draw
            (32 bytes, at start) is the transient secret key c'; then 16 bytes for the
            vouch nonce. Tests inject fixed values to reproduce vectors.

    Raises:
        CurveUnavailableError: PyNaCl is not installed.
        ZMQError: EINVAL if a key is not 32 bytes.
    """

    def __init__(
        self,
        public_key: bytes,
        secret_key: bytes,
        server_key: bytes,
        *,
        random_bytes: RandomBytes | None = None,
    ) -> None:
        super().__init__(random_bytes)
        self._public = _check_key(public_key, "public key")
        self._secret = _check_key(secret_key, "secret key")
        self._server_key = _check_key(server_key, "server key")
        self._tx_prefix = _MESSAGE_NONCE_CLIENT
        self._rx_prefix = _MESSAGE_NONCE_SERVER
        self._cn_secret = b""
        self._cn_public = b""
        self._welcome_received = False

    def start(self, params: HandshakeParams) -> None:
        """Make the transient key pair and send HELLO (RFC 26: the client speaks first).

        Raises:
            MechanismError: the server key is unusable (ZMTP_KEY_EXCHANGE).
        """
        super().start(params)
        cn_secret = bytes(self._random(KEY_SIZE))
        self._cn_secret = cn_secret
        self._cn_public = _scalarmult_base(cn_secret)
        short = self._next_nonce()
        try:
            signature = _box(_HELLO_ZEROS, _HELLO_NONCE + short, self._server_key, cn_secret)
        except _CryptoError:
            raise _fail("cannot box for the server key", ProtocolError.ZMTP_KEY_EXCHANGE) from None
        self._send(
            _HELLO_PREFIX + _HELLO_VERSION + _HELLO_PADDING + self._cn_public + short + signature
        )

    def process_command(self, body: bytes) -> None:
        """WELCOME -> INITIATE; READY -> done. ERROR is handled by the connection.

        Raises:
            MechanismError: a command out of order, a wrong size, a box that does not
                open, a nonce out of sequence, or bad READY metadata.
        """
        name, _ = parse_command(body)
        if name == _WELCOME and not self._welcome_received:
            self._on_welcome(body)
        elif name == READY and self._welcome_received and not self._done:
            self._on_ready(body)
        else:
            raise _unexpected(name)

    def _on_welcome(self, body: bytes) -> None:
        if len(body) != WELCOME_SIZE:
            raise _fail(
                f"WELCOME of {len(body)} bytes, {WELCOME_SIZE} expected",
                ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME,
            )
        try:
            plain = _box_open(
                body[_WELCOME_BOX_AT:],
                _WELCOME_NONCE + body[_WELCOME_NONCE_AT:_WELCOME_BOX_AT],
                self._server_key,
                self._cn_secret,
            )
        except _CryptoError:
            raise _fail("WELCOME box does not open") from None
        server_transient = plain[:KEY_SIZE]
        cookie = plain[KEY_SIZE:]
        vouch_nonce = bytes(self._random(_LONG_NONCE_SIZE))
        try:
            self._key = _beforenm(server_transient, self._cn_secret)
            vouch = _box(
                self._cn_public + self._server_key,
                _VOUCH_NONCE + vouch_nonce,
                server_transient,
                self._secret,
            )
        except _CryptoError:
            raise _fail("unusable server transient key", ProtocolError.ZMTP_KEY_EXCHANGE) from None
        self._welcome_received = True
        short, box = self._metadata_box(
            _INITIATE_NONCE, self._public + vouch_nonce + vouch + self._local_metadata()
        )
        self._send(_INITIATE_PREFIX + cookie + short + box)

    def _on_ready(self, body: bytes) -> None:
        if len(body) < MIN_READY_SIZE:
            raise _fail(f"READY of {len(body)} bytes", ProtocolError.ZMTP_MALFORMED_COMMAND_READY)
        short = body[_READY_NONCE_AT:_READY_BOX_AT]
        n = self._check_nonce(short)
        try:
            metadata = _box_open_afternm(body[_READY_BOX_AT:], _READY_NONCE + short, self._key)
        except _CryptoError:
            raise _fail("READY box does not open") from None
        self._peer_nonce = n
        self._accept_peer_metadata(metadata)
        self._done = True


class CurveServerMechanism(_CurveMechanism):
    """The CURVE server: it proves its identity with its permanent key pair and learns
    (and, through ZAP, judges) the client's permanent public key.

    Args:
        public_key: our permanent public key S (32 raw bytes).
        secret_key: our permanent secret key s.
        zap: ask ZAP ("CURVE", [client key]) after a valid INITIATE and send READY only
            on a 200. libzmq asks whenever a handler is bound at ``inproc://zeromq.zap.01``
            and otherwise accepts every client that completes the cryptography (unless
            ZAP_ENFORCE_DOMAIN: then pass True and close the connection, without sending
            anything, when the ZapRequest event arrives and nobody can answer).
        random_bytes: the randomness source (default ``os.urandom``). Draws, all when
            HELLO arrives: 32 bytes for the transient secret s', 32 for the cookie key,
            16 for the cookie nonce, 16 for the WELCOME nonce.

    Raises:
        CurveUnavailableError: PyNaCl is not installed.
        ZMQError: EINVAL if a key is not 32 bytes.
    """

    def __init__(
        self,
        public_key: bytes,
        secret_key: bytes,
        *,
        zap: bool = False,
        random_bytes: RandomBytes | None = None,
    ) -> None:
        super().__init__(random_bytes)
        self._public = _check_key(public_key, "public key")
        self._secret = _check_key(secret_key, "secret key")
        self._zap = zap
        self._tx_prefix = _MESSAGE_NONCE_SERVER
        self._rx_prefix = _MESSAGE_NONCE_CLIENT
        self._cn_client = b""
        self._cn_secret = b""
        self._cookie_key = b""
        self._hello_received = False
        self._initiate_received = False
        #: The client's permanent public key C, once INITIATE was verified.
        self.client_key: bytes | None = None

    @property
    def as_server(self) -> bool:
        """True: we play the CURVE server role (libzmq sends 0 here and ignores it)."""
        return True

    @property
    def uses_zap(self) -> bool:
        """True if the handshake waits for a ZAP decision after INITIATE."""
        return self._zap

    def process_command(self, body: bytes) -> None:
        """HELLO -> WELCOME; INITIATE -> ZAP or READY.

        Raises:
            MechanismError: a command out of order (anything while the ZAP decision is
                pending included), a wrong size or version, a box or cookie that does not
                open, a nonce out of sequence, a vouch for another key, or bad metadata.
        """
        name, _ = parse_command(body)
        if name == _HELLO and not self._hello_received:
            self._on_hello(body)
        elif name == _INITIATE and self._hello_received and not self._initiate_received:
            self._on_initiate(body)
        else:
            raise _unexpected(name)

    def _on_hello(self, body: bytes) -> None:
        if len(body) != HELLO_SIZE:
            raise _fail(
                f"HELLO of {len(body)} bytes, {HELLO_SIZE} expected",
                ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO,
            )
        version = body[_HELLO_VERSION_AT : _HELLO_VERSION_AT + len(_HELLO_VERSION)]
        if version != _HELLO_VERSION:
            raise _fail(
                f"HELLO version {version[0]}.{version[1]}, 1.0 expected",
                ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO,
            )
        cn_client = body[_HELLO_KEY_AT:_HELLO_NONCE_AT]
        short = body[_HELLO_NONCE_AT:_HELLO_BOX_AT]
        n = self._check_nonce(short)
        try:
            # The signature box proves the client holds c' and knows S (RFC 26). Its
            # content (64 zeros) is not checked, as in libzmq.
            _box_open(body[_HELLO_BOX_AT:], _HELLO_NONCE + short, cn_client, self._secret)
        except _CryptoError:
            raise _fail("HELLO box does not open") from None
        self._peer_nonce = n
        self._hello_received = True
        self._cn_client = cn_client
        rand = self._random
        self._cn_secret = cn_secret = bytes(rand(KEY_SIZE))
        cn_public = _scalarmult_base(cn_secret)
        # A fresh cookie key per connection: a cookie from another connection never opens.
        self._cookie_key = bytes(rand(KEY_SIZE))
        cookie_nonce = bytes(rand(_LONG_NONCE_SIZE))
        cookie = cookie_nonce + _secretbox(
            cn_client + cn_secret, _COOKIE_NONCE + cookie_nonce, self._cookie_key
        )
        welcome_nonce = bytes(rand(_LONG_NONCE_SIZE))
        box = _box(cn_public + cookie, _WELCOME_NONCE + welcome_nonce, cn_client, self._secret)
        self._send(_WELCOME_PREFIX + welcome_nonce + box)

    def _on_initiate(self, body: bytes) -> None:
        if len(body) < MIN_INITIATE_SIZE:
            raise _fail(
                f"INITIATE of {len(body)} bytes", ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE
            )
        cookie_nonce = body[_INITIATE_COOKIE_AT : _INITIATE_COOKIE_AT + _LONG_NONCE_SIZE]
        try:
            cookie = _secretbox_open(
                body[_INITIATE_COOKIE_AT + _LONG_NONCE_SIZE : _INITIATE_NONCE_AT],
                _COOKIE_NONCE + cookie_nonce,
                self._cookie_key,
            )
        except _CryptoError:
            raise _fail("INITIATE cookie does not open") from None
        if not hmac.compare_digest(cookie, self._cn_client + self._cn_secret):
            raise _fail("INITIATE cookie belongs to another handshake")
        short = body[_INITIATE_NONCE_AT:_INITIATE_BOX_AT]
        n = self._check_nonce(short)
        try:
            key = _beforenm(self._cn_client, self._cn_secret)
            plain = _box_open_afternm(body[_INITIATE_BOX_AT:], _INITIATE_NONCE + short, key)
        except _CryptoError:
            raise _fail("INITIATE box does not open") from None
        client_key = plain[:KEY_SIZE]
        try:
            vouch = _box_open(
                plain[_VOUCH_AT:_VOUCH_END],
                _VOUCH_NONCE + plain[_VOUCH_NONCE_AT:_VOUCH_AT],
                client_key,
                self._cn_secret,
            )
        except _CryptoError:
            raise _fail("INITIATE vouch does not open") from None
        # libzmq compares C' only; RFC 26 also names S, which every client puts there.
        if not hmac.compare_digest(vouch, self._cn_client + self._public):
            raise _fail("the vouch is for another key", ProtocolError.ZMTP_KEY_EXCHANGE)
        self._peer_nonce = n
        self._key = key
        self._accept_peer_metadata(plain[_VOUCH_END:])
        self._initiate_received = True
        self._cookie_key = b""  # RFC 26: forget the cookie key once the cookie was used
        self.client_key = client_key
        if self._zap:
            self._request_zap([client_key])
        else:
            self._send_ready()

    def _send_ready(self) -> None:
        short, box = self._metadata_box(_READY_NONCE, self._local_metadata())
        self._send(_READY_PREFIX + short + box)
        self._done = True

    def zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        """200 -> READY; 300 -> nothing (timeout); 400/500 -> ERROR and failure."""
        super().zap_reply(status_code, user_id, metadata)
        if status_code == "200":
            self._send_ready()
