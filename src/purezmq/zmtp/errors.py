"""Exceptions of the ZMTP layer.

Two families, kept apart on purpose (ARCHITECTURE.md habit 4):

* :class:`ZMTPProtocolError` and its subclasses describe something the *peer* did wrong.
  The codecs raise them; :class:`~purezmq.zmtp.connection.ZMTPConnection` catches every
  one of them and turns it into a ``ConnectionFailed`` event, so they never escape
  ``receive_data``.
* :class:`ProtocolStateError` is *local* misuse (sending before the handshake completed,
  answering a ZAP request nobody asked for, ...). It is a :class:`~purezmq.error.ZMQError`
  with errno ``EFSM``, the errno libzmq gives for "operation not valid in this state".
"""

from __future__ import annotations

from purezmq.constants import Errno, ProtocolError
from purezmq.error import ZMQError

__all__ = [
    "ErrorCommandReceived",
    "ProtocolStateError",
    "ZMTPProtocolError",
]


class ZMTPProtocolError(Exception):
    """The peer broke the protocol; the connection must be closed.

    Attributes:
        reason: a human-readable explanation (goes into ``ConnectionFailed.reason``).
        code: a :class:`~purezmq.constants.ProtocolError` value for the monitor event,
            or 0 when the failure is not a protocol violation (a local limit, say).
    """

    def __init__(self, reason: str, code: int = ProtocolError.ZMTP_UNSPECIFIED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = int(code)


class ErrorCommandReceived(Exception):
    """The peer sent an ERROR command (RFC 23 / RFC 37): the connection is over.

    Attributes:
        reason: the decoded reason text (0..255 characters).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProtocolStateError(ZMQError):
    """A ZMTP operation was called in a state where it is not allowed (errno EFSM).

    Raised for local misuse only, e.g. ``send_message`` before the handshake completed or
    after the connection failed.
    """

    def __init__(self, msg: str) -> None:
        super().__init__(Errno.EFSM, msg)
