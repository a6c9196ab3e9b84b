"""CURVE key pairs as Z85 text, the form pyzmq's ``zmq.curve_keypair`` returns.

The mechanism module works with raw 32-byte keys and is the only one that touches
PyNaCl; certificates and ``curve_keygen`` want the 40-character Z85 form (RFC 32).
"""

from __future__ import annotations

from purezmq.constants import Errno
from purezmq.error import ZMQError
from purezmq.utils import z85
from purezmq.zmtp.mechanisms import curve

__all__ = ["z85_keypair", "z85_public"]

#: Z85 turns the 32 bytes of a Curve25519 key into 40 characters.
Z85_KEY_LENGTH = 40


def _unavailable(exc: ImportError) -> ZMQError:
    # pyzmq raises ZMQError when libzmq lacks CURVE; callers catch that to skip CURVE.
    return ZMQError(Errno.ENOTSUP, str(exc))


def z85_keypair() -> tuple[bytes, bytes]:
    """Generate a new CURVE key pair.

    Returns:
        ``(public, secret)``, each 40 bytes of Z85 text.

    Raises:
        ZMQError: ENOTSUP if PyNaCl (the ``curve`` extra) is not installed.
    """
    try:
        public, secret = curve.curve_keypair()
    except ImportError as exc:
        raise _unavailable(exc) from None
    return z85.encode(public), z85.encode(secret)


def z85_public(secret_key: bytes | str) -> bytes:
    """Derive the Z85 public key of a Z85 secret key.

    Args:
        secret_key: the secret key, 40 characters of Z85 (``str`` or bytes).

    Returns:
        The public key, 40 bytes of Z85 text.

    Raises:
        ValueError: the key is not 40 valid Z85 characters.
        ZMQError: ENOTSUP if PyNaCl (the ``curve`` extra) is not installed.
    """
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("utf-8")
    if len(secret_key) != Z85_KEY_LENGTH:
        raise ValueError("secret key must be a 40 byte z85 encoded string")
    raw = z85.decode(secret_key)
    try:
        public = curve.curve_public(raw)
    except ImportError as exc:
        raise _unavailable(exc) from None
    return z85.encode(public)
