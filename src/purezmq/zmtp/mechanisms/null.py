"""The NULL mechanism (RFC 23 / RFC 37; libzmq null_mechanism.cpp behaviour).

Each side sends READY (Socket-Type, Identity for REQ/DEALER/ROUTER, user properties) as
soon as the greetings are done, without waiting for the peer's: libzmq sends READY
before ours [OBS exp1]. The handshake is complete when READY was both sent and received.
An ERROR from the peer ends the connection.

Optional ZAP (libzmq: a non-empty ZAP_DOMAIN and a bound handler; the engine decides and
passes ``zap=True``): the ZAP request goes out before our READY, and READY is sent only
after a 200 reply; 400/500 send ERROR with the code as reason; 300 sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from purezmq.constants import ProtocolError
from purezmq.zmtp.commands import READY, encode_command, parse_command, parse_error_command
from purezmq.zmtp.errors import ErrorCommandReceived
from purezmq.zmtp.mechanisms.base import HandshakeParams, Mechanism, MechanismError

__all__ = ["NullMechanism"]


class NullMechanism(Mechanism):
    """No security: READY both ways.

    Args:
        zap: ask the engine for a ZAP decision (mechanism "NULL", no credentials) before
            sending READY.
    """

    name = b"NULL"

    def __init__(self, zap: bool = False) -> None:
        super().__init__()
        self._zap = zap
        self._ready_sent = False
        self._ready_received = False

    @property
    def is_complete(self) -> bool:
        """True once READY was both sent and received."""
        return self._ready_sent and self._ready_received

    def start(self, params: HandshakeParams) -> None:
        """Send READY at once, or ask ZAP first when ``zap`` is set."""
        super().start(params)
        if self._zap:
            self._request_zap([])
        else:
            self._send_ready()

    def _send_ready(self) -> None:
        self._send(encode_command(READY, self._local_metadata()))
        self._ready_sent = True

    def process_command(self, body: bytes) -> None:
        """Accept the peer's READY (once) or ERROR; anything else is unexpected."""
        reason = parse_error_command(body)
        if reason is not None:
            raise ErrorCommandReceived(reason)
        name, data = parse_command(body)
        if name != READY:
            raise MechanismError(
                f"unexpected command {name!r} during the NULL handshake",
                ProtocolError.ZMTP_UNEXPECTED_COMMAND,
            )
        if self._ready_received:
            raise MechanismError(
                "READY received twice during the handshake", ProtocolError.ZMTP_UNEXPECTED_COMMAND
            )
        self._accept_peer_metadata(data)
        self._ready_received = True

    def zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        """On 200 send READY; see :meth:`Mechanism.zap_reply` for the rest."""
        super().zap_reply(status_code, user_id, metadata)
        if status_code == "200":
            self._send_ready()
