"""purezmq.zmtp: the ZMTP 3.1 wire protocol, sans-I/O (RFC 23, RFC 37).

The engine's entry point is :class:`ZMTPConnection`; see ``docs/internals.md``.
"""

from __future__ import annotations

from purezmq.zmtp.connection import Phase, ZMTPConnection
from purezmq.zmtp.errors import ErrorCommandReceived, ProtocolStateError, ZMTPProtocolError
from purezmq.zmtp.events import (
    ConnectionFailed,
    ErrorReceived,
    Event,
    HandshakeComplete,
    MessageReceived,
    ZapRequest,
)
from purezmq.zmtp.mechanisms import HandshakeParams, Mechanism, MechanismError, NullMechanism

__all__ = [
    "ConnectionFailed",
    "ErrorCommandReceived",
    "ErrorReceived",
    "Event",
    "HandshakeComplete",
    "HandshakeParams",
    "Mechanism",
    "MechanismError",
    "MessageReceived",
    "NullMechanism",
    "Phase",
    "ProtocolStateError",
    "ZMTPConnection",
    "ZMTPProtocolError",
    "ZapRequest",
]
