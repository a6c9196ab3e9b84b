"""purezmq.zmtp.mechanisms: security mechanisms (NULL now; PLAIN, CURVE later)."""

from __future__ import annotations

from purezmq.zmtp.mechanisms.base import HandshakeParams, Mechanism, MechanismError
from purezmq.zmtp.mechanisms.null import NullMechanism

__all__ = ["HandshakeParams", "Mechanism", "MechanismError", "NullMechanism"]
