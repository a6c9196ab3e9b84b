"""The PLAIN mechanism (RFC 24), as libzmq 4.3 speaks it (plain_client.cpp, plain_server.cpp).

::

    C: HELLO    05 "HELLO"    <ulen(1)> <username> <plen(1)> <password>
    S: WELCOME  07 "WELCOME"                      (nothing else: libzmq checks the size)
    C: INITIATE 08 "INITIATE" <metadata>
    S: READY    05 "READY"    <metadata>          | S: ERROR (after HELLO, on ZAP denial)

The server answers nothing until the ZAP handler (RFC 27) has judged HELLO: libzmq's PLAIN
server *always* asks ZAP, even with an empty domain, so :class:`PlainServerMechanism`
always emits a ``ZapRequest`` (mechanism "PLAIN", credentials username and password).
With no handler bound libzmq closes the connection after HELLO without a word; the engine
does the same when it has nobody to ask (ZMTP digest 2.2, OBS 8a).

ZAP answers: 200 -> WELCOME (and later READY with the ZAP user id and metadata as peer
properties); 300 -> nothing is sent and the handshake timeout ends the connection, as
libzmq does [OBS 5c]; 400/500 -> a well-formed ERROR with the code as reason, then
failure (auth). libzmq's own PLAIN server sends a *malformed* ERROR (``5e "RROR"``, a C
hex-escape bug); the connection recognises both forms on the client side before the
mechanism sees them (``commands.parse_error_command``).
"""

from __future__ import annotations

from collections.abc import Mapping

from purezmq.constants import Errno, ProtocolError
from purezmq.error import ZMQError
from purezmq.zmtp.commands import READY, encode_command, parse_command
from purezmq.zmtp.mechanisms.base import HandshakeParams, Mechanism, MechanismError

__all__ = [
    "HELLO",
    "INITIATE",
    "MAX_PASSWORD_SIZE",
    "MAX_USERNAME_SIZE",
    "WELCOME",
    "PlainClientMechanism",
    "PlainServerMechanism",
    "encode_hello",
    "parse_hello",
]

HELLO = b"HELLO"
WELCOME = b"WELCOME"
INITIATE = b"INITIATE"

#: RFC 24: the username length travels in one byte (libzmq's PLAIN_USERNAME: 0..255).
MAX_USERNAME_SIZE = 255
#: RFC 24: the password length travels in one byte (libzmq's PLAIN_PASSWORD: 0..255).
MAX_PASSWORD_SIZE = 255

#: The exact WELCOME body; libzmq's client rejects a WELCOME of any other size.
_WELCOME_BODY = encode_command(WELCOME)
_MALFORMED_HELLO = ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO


def encode_hello(username: bytes, password: bytes) -> bytes:
    """Return a PLAIN HELLO command body.

    Raises:
        ValueError: username or password longer than 255 bytes.
    """
    if len(username) > MAX_USERNAME_SIZE or len(password) > MAX_PASSWORD_SIZE:
        raise ValueError("PLAIN username and password are limited to 255 bytes each")
    return encode_command(
        HELLO, bytes((len(username),)) + username + bytes((len(password),)) + password
    )


def parse_hello(data: bytes) -> tuple[bytes, bytes]:
    """Parse the data of a HELLO (after the name) into ``(username, password)``.

    Every length is checked against the bytes that remain, and nothing may follow the
    password, as libzmq's plain_server.cpp requires.

    Raises:
        MechanismError: ZMTP_MALFORMED_COMMAND_HELLO.
    """
    end = len(data)
    if end < 1:
        raise MechanismError("HELLO without a username length", _MALFORMED_HELLO)
    ulen = data[0]
    pos = 1
    if ulen > end - pos:
        raise MechanismError("HELLO username exceeds the command", _MALFORMED_HELLO)
    username = data[pos : pos + ulen]
    pos += ulen
    if pos >= end:
        raise MechanismError("HELLO without a password length", _MALFORMED_HELLO)
    plen = data[pos]
    pos += 1
    if plen > end - pos:
        raise MechanismError("HELLO password exceeds the command", _MALFORMED_HELLO)
    password = data[pos : pos + plen]
    pos += plen
    if pos != end:
        raise MechanismError("HELLO has bytes after the password", _MALFORMED_HELLO)
    return username, password


def _unexpected(name: bytes, state: str) -> MechanismError:
    return MechanismError(
        f"unexpected command {name!r} {state} (PLAIN)", ProtocolError.ZMTP_UNEXPECTED_COMMAND
    )


class PlainClientMechanism(Mechanism):
    """The PLAIN client (the side with the credentials; usually the connecting side).

    Args:
        username: 0..255 bytes.
        password: 0..255 bytes.

    Raises:
        ZMQError: EINVAL if a credential is longer than 255 bytes.
    """

    name = b"PLAIN"

    def __init__(self, username: bytes, password: bytes) -> None:
        super().__init__()
        if len(username) > MAX_USERNAME_SIZE or len(password) > MAX_PASSWORD_SIZE:
            raise ZMQError(Errno.EINVAL, "PLAIN username and password are limited to 255 bytes")
        self._hello = encode_hello(bytes(username), bytes(password))
        self._welcome_received = False
        self._ready_received = False

    @property
    def is_complete(self) -> bool:
        """True once the server's READY arrived (our INITIATE went before it)."""
        return self._ready_received

    def start(self, params: HandshakeParams) -> None:
        """Send HELLO at once (RFC 24)."""
        super().start(params)
        self._send(self._hello)

    def process_command(self, body: bytes) -> None:
        """WELCOME -> send INITIATE; READY -> done. ERROR is handled by the connection.

        Raises:
            MechanismError: an unexpected command, a WELCOME that is not exactly 8 bytes
                (ZMTP_MALFORMED_COMMAND_WELCOME), or bad READY metadata.
        """
        name, data = parse_command(body)
        if name == WELCOME:
            if self._welcome_received:
                raise _unexpected(name, "after WELCOME")
            if data:
                # libzmq plain_client.cpp: the WELCOME command is exactly 8 bytes.
                raise MechanismError(
                    f"WELCOME carries {len(data)} unexpected bytes",
                    ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME,
                )
            self._welcome_received = True
            self._send(encode_command(INITIATE, self._local_metadata()))
        elif name == READY:
            if not self._welcome_received or self._ready_received:
                raise _unexpected(name, "out of order")
            self._accept_peer_metadata(data)
            self._ready_received = True
        else:
            raise _unexpected(name, "during the handshake")


class PlainServerMechanism(Mechanism):
    """The PLAIN server: checks HELLO through ZAP, always (libzmq behaviour).

    The engine receives a ``ZapRequest("PLAIN", [username, password])`` event after HELLO
    and answers with ``ZMTPConnection.zap_reply``. With no ZAP handler, close the
    connection without sending anything (libzmq does so right after HELLO).
    """

    name = b"PLAIN"

    #: libzmq's PLAIN server asks ZAP for every client.
    uses_zap = True

    def __init__(self) -> None:
        super().__init__()
        self._hello_received = False
        self._welcome_sent = False
        self._done = False

    @property
    def as_server(self) -> bool:
        """True: we play the PLAIN server role (libzmq sends 0 here and ignores it)."""
        return True

    @property
    def is_complete(self) -> bool:
        """True once READY was sent in answer to INITIATE."""
        return self._done

    def process_command(self, body: bytes) -> None:
        """HELLO -> ask ZAP; INITIATE (after WELCOME) -> READY.

        Raises:
            MechanismError: a malformed HELLO, a command out of order (INITIATE while the
                ZAP decision is pending included), or bad INITIATE metadata.
        """
        name, data = parse_command(body)
        if name == HELLO:
            if self._hello_received:
                raise _unexpected(name, "after HELLO")
            username, password = parse_hello(data)
            self._hello_received = True
            self._request_zap([username, password])
        elif name == INITIATE:
            if not self._welcome_sent or self._done:
                raise _unexpected(name, "out of order")
            self._accept_peer_metadata(data)
            self._send(encode_command(READY, self._local_metadata()))
            self._done = True
        else:
            raise _unexpected(name, "during the handshake")

    def zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        """200 -> WELCOME; 300 -> nothing (timeout); 400/500 -> ERROR and failure."""
        super().zap_reply(status_code, user_id, metadata)
        if status_code == "200":
            self._send(_WELCOME_BODY)
            self._welcome_sent = True
