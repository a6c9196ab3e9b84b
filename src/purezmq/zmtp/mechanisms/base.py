"""The security mechanism interface (RFC 23 "Security mechanisms", RFC 27 ZAP).

A mechanism is a small sans-I/O state machine owned by one
:class:`~purezmq.zmtp.connection.ZMTPConnection`. The connection drives it:

1. ``start(params)`` once both greetings are done; the mechanism may queue commands
   (NULL: READY at once, as libzmq does) or ask for a ZAP decision.
2. ``process_command(body)`` for every command frame the peer sends until the handshake
   completes. Several steps are fine (PLAIN: HELLO/WELCOME/INITIATE/READY; CURVE: the
   same with boxes).
3. After every call the connection collects ``take_commands()`` (command bodies to send,
   in order), ``take_zap_request()`` (turned into a ``ZapRequest`` event for the engine)
   and checks ``is_complete``.
4. An authentication decision is asynchronous: the mechanism calls
   :meth:`Mechanism._request_zap` and waits; the engine later calls
   ``ZMTPConnection.zap_reply``, which lands in :meth:`Mechanism.zap_reply`.
5. After the handshake, ``encode_frame``/``decode_frame`` transform every frame (NULL and
   PLAIN: identity; CURVE: each frame becomes an encrypted MESSAGE command). Mechanisms
   that transform set ``wraps_frames = True`` so the connection leaves its fast path.

Failures are raised: :class:`MechanismError` (or any ZMTPProtocolError) fails the
connection, optionally after sending an ERROR command; :class:`ErrorCommandReceived`
means the peer sent ERROR.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from purezmq.constants import ProtocolError
from purezmq.zmtp.commands import (
    PROPERTY_SOCKET_TYPE,
    PROPERTY_USER_ID,
    CommandError,
    encode_properties,
    get_property,
    is_compatible,
    parse_properties,
    ready_properties,
)
from purezmq.zmtp.errors import ErrorCommandReceived, ProtocolStateError, ZMTPProtocolError
from purezmq.zmtp.events import ZapRequest

__all__ = [
    "ZAP_STATUS_CODES",
    "ErrorCommandReceived",
    "HandshakeParams",
    "Mechanism",
    "MechanismError",
]

#: RFC 27 status codes a ZAP handler may answer with.
ZAP_STATUS_CODES = frozenset({"200", "300", "400", "500"})


class MechanismError(ZMTPProtocolError):
    """The handshake failed.

    Args:
        reason: for logs and ``ConnectionFailed.reason``.
        code: a ProtocolError value, or the ZAP status code for an auth failure.
        auth: True for an authentication failure (HANDSHAKE_FAILED_AUTH).
        error_reason: if not None, the connection sends ``ERROR(error_reason)`` to the
            peer before failing (libzmq: after a ZAP 400/500, the code as reason).
    """

    def __init__(
        self,
        reason: str,
        code: int = ProtocolError.ZMTP_UNSPECIFIED,
        *,
        auth: bool = False,
        error_reason: str | None = None,
    ) -> None:
        super().__init__(reason, code)
        self.auth = auth
        self.error_reason = error_reason


@dataclass(slots=True)
class HandshakeParams:
    """What a mechanism knows about the local socket and the peer's greeting.

    Attributes:
        socket_type: our Socket-Type name.
        routing_id: our ROUTING_ID (sent as Identity by REQ/DEALER/ROUTER).
        metadata: the user's extra properties (ZMQ_METADATA).
        peer_minor_version: 0 for a ZMTP 3.0 peer, 1 otherwise.
    """

    socket_type: str
    routing_id: bytes = b""
    metadata: Mapping[str, bytes] = field(default_factory=dict)
    peer_minor_version: int = 1


class Mechanism(ABC):
    """Base class of the security mechanisms. One instance per connection."""

    #: The name in the greeting (at most 20 ASCII bytes).
    name: ClassVar[bytes]
    #: True if post-handshake frames are transformed (CURVE); NULL/PLAIN leave them alone
    #: so the connection can use its fast path.
    wraps_frames: ClassVar[bool] = False

    def __init__(self) -> None:
        self._params: HandshakeParams | None = None
        self._commands: list[bytes] = []
        self._zap_request: ZapRequest | None = None
        self._zap_pending = False
        #: The peer's properties (READY / INITIATE metadata), names as sent.
        self.peer_properties: dict[str, bytes] = {}
        #: User-Id and the metadata of a successful ZAP reply (become peer properties).
        self.zap_properties: dict[str, bytes] = {}
        #: The status code of a ZAP "300" (temporary failure): libzmq then sends nothing
        #: and lets the handshake time out; the connection reports that as auth failure.
        self.zap_failure: int = 0

    # --- driven by the connection -------------------------------------------------------

    @property
    def as_server(self) -> bool:
        """Our as-server greeting byte: True when this mechanism plays the server role."""
        return False

    @property
    def started(self) -> bool:
        """True once :meth:`start` ran (a mechanism object serves one connection)."""
        return self._params is not None

    @property
    def params(self) -> HandshakeParams:
        """The parameters given to :meth:`start`.

        Raises:
            ProtocolStateError: not started yet.
        """
        if self._params is None:
            raise ProtocolStateError("mechanism not started")
        return self._params

    def start(self, params: HandshakeParams) -> None:
        """Called once, when both greetings are done. Subclasses extend it.

        Raises:
            ProtocolStateError: called twice.
        """
        if self._params is not None:
            raise ProtocolStateError("a mechanism object serves a single connection")
        self._params = params

    @abstractmethod
    def process_command(self, body: bytes) -> None:
        """Handle one handshake command body (``name_len name data``) from the peer.

        Raises:
            ZMTPProtocolError: the handshake failed (MechanismError for details).
            ErrorCommandReceived: the peer sent ERROR.
        """

    @property
    @abstractmethod
    def is_complete(self) -> bool:
        """True once the handshake is done in both directions."""

    @property
    def zap_pending(self) -> bool:
        """True while a ZAP request waits for :meth:`zap_reply`."""
        return self._zap_pending

    def take_commands(self) -> list[bytes]:
        """Return and forget the command bodies queued for sending, in order."""
        commands = self._commands
        self._commands = []
        return commands

    def take_zap_request(self) -> ZapRequest | None:
        """Return and forget a new ZAP request, if the mechanism made one."""
        request = self._zap_request
        self._zap_request = None
        return request

    def zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        """Resume the handshake with the ZAP handler's decision.

        The base class validates and records the reply (see :meth:`_accept_zap_reply`);
        subclasses call it and then continue their handshake.

        Raises:
            ProtocolStateError: no ZAP request is pending (local misuse).
            MechanismError: denied (400/500, auth) or a malformed reply.
        """
        if not self._zap_pending:
            raise ProtocolStateError("no ZAP request is pending")
        self._zap_pending = False
        self._accept_zap_reply(status_code, user_id, metadata)

    # --- traffic phase ---------------------------------------------------------------------

    def encode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        """Transform one outgoing frame after the handshake: ``(flags, body)`` in, the
        wire frame's ``(flags, body)`` out. Identity unless ``wraps_frames``."""
        return flags, body

    def decode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        """Transform one incoming frame after the handshake (inverse of
        :meth:`encode_frame`). Identity unless ``wraps_frames``.

        Raises:
            ZMTPProtocolError: the frame cannot be decoded (bad box, replayed nonce, ...).
        """
        return flags, body

    # --- helpers for subclasses ---------------------------------------------------------

    def _send(self, body: bytes) -> None:
        """Queue a command body for the connection to send."""
        self._commands.append(body)

    def _request_zap(self, credentials: list[bytes]) -> None:
        """Ask the engine for a ZAP decision; the handshake waits for :meth:`zap_reply`."""
        self._zap_pending = True
        self._zap_request = ZapRequest(self.name.decode("ascii"), credentials)

    def _local_metadata(self) -> bytes:
        """Our metadata block for READY/INITIATE, in libzmq's property order."""
        params = self.params
        return encode_properties(
            ready_properties(params.socket_type, params.routing_id, params.metadata)
        )

    def _accept_peer_metadata(self, data: bytes) -> None:
        """Parse the peer's metadata and check its Socket-Type (RFC 37; libzmq
        check_socket_type). A missing Socket-Type is accepted, like libzmq [OBS 3g]; an
        incompatible one fails without an ERROR, like libzmq.

        Raises:
            CommandError: malformed metadata (ZMTP_INVALID_METADATA).
            MechanismError: incompatible Socket-Type (ZMTP_INVALID_METADATA).
        """
        props = parse_properties(data)
        peer_type = get_property(props, PROPERTY_SOCKET_TYPE)
        local = self.params.socket_type
        if peer_type is not None and not is_compatible(local, peer_type.decode("latin-1")):
            raise MechanismError(
                f"peer Socket-Type {peer_type.decode('latin-1')!r} cannot talk to {local}",
                ProtocolError.ZMTP_INVALID_METADATA,
            )
        self.peer_properties = props

    def _accept_zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        """Validate a ZAP reply like libzmq (zap_client.cpp).

        200 records ``User-Id`` and the metadata; 300 sets :attr:`zap_failure` and
        returns (libzmq sends nothing and waits for the handshake timeout); 400/500 raise
        an auth :class:`MechanismError` that makes the connection send ERROR with the
        code as reason.

        Raises:
            MechanismError: 400/500 (auth), an invalid status code or invalid metadata.
        """
        if status_code not in ZAP_STATUS_CODES:
            raise MechanismError(
                f"invalid ZAP status code {status_code!r}", ProtocolError.ZAP_INVALID_STATUS_CODE
            )
        if status_code == "300":
            self.zap_failure = 300
            return
        if status_code != "200":
            raise MechanismError(
                f"ZAP handler denied the peer ({status_code})",
                int(status_code),
                auth=True,
                error_reason=status_code,
            )
        if isinstance(metadata, (bytes, bytearray, memoryview)):
            try:
                props = parse_properties(metadata)
            except CommandError as exc:
                raise MechanismError(
                    f"invalid ZAP metadata: {exc.reason}", ProtocolError.ZAP_INVALID_METADATA
                ) from None
        else:
            props = dict(metadata)
        props[PROPERTY_USER_ID] = bytes(user_id)
        self.zap_properties = props
