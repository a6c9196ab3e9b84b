"""CURVE certificates on disk, in the format czmq, libzmq's tools and pyzmq share.

A certificate is a small text file in ZPL (ZeroMQ Property Language, RFC 4): comment
lines start with ``#``, sections are names at the start of a line, and properties are
indented ``name = "value"`` lines::

    #   ZeroMQ CURVE Public Certificate
    metadata
    curve
        public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

``create_certificates`` writes two files: ``NAME.key`` (public key only, to hand out)
and ``NAME.key_secret`` (public and secret key, plus optional metadata). Keys are the
40-character Z85 form. ``load_certificates`` reads every ``*.key`` file of a directory,
which is how an :class:`~purezmq.auth.Authenticator` learns the allowed client keys.
"""

from __future__ import annotations

import datetime
import glob
import os
from collections.abc import Mapping

from purezmq.auth._keys import z85_keypair

__all__ = ["create_certificates", "load_certificate", "load_certificates"]

_SECRET_BANNER = """#   ****  Generated on {0} by purezmq  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

"""

_PUBLIC_BANNER = """#   ****  Generated on {0} by purezmq  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

"""

#: Owner read/write only: a secret certificate holds a private key.
_SECRET_FILE_MODE = 0o600
_PUBLIC_FILE_MODE = 0o644

#: Characters stripped around a property value (ZPL allows quotes of either kind).
_VALUE_STRIP = b" \t'\""


def _text(value: str | bytes, encoding: str = "utf-8") -> str:
    return value.decode(encoding) if isinstance(value, bytes) else value


def _write_key_file(
    key_filename: str | os.PathLike[str],
    banner: str,
    public_key: str | bytes,
    secret_key: str | bytes | None = None,
    metadata: Mapping[str | bytes, str | bytes] | None = None,
    encoding: str = "utf-8",
) -> None:
    """Write one certificate file (public or secret) in ZPL."""
    lines = [banner, "metadata\n"]
    for key, value in (metadata or {}).items():
        lines.append(f"    {_text(key, encoding)} = {_text(value, encoding)}\n")
    lines.append("curve\n")
    lines.append(f'    public-key = "{_text(public_key, encoding)}"\n')
    mode = _PUBLIC_FILE_MODE
    if secret_key:
        lines.append(f'    secret-key = "{_text(secret_key, encoding)}"\n')
        mode = _SECRET_FILE_MODE
    # Create with the final permissions so a secret key is never world-readable.
    fd = os.open(key_filename, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "w", encoding="utf-8") as f:
        f.write("".join(lines))


def create_certificates(
    key_dir: str | os.PathLike[str],
    name: str,
    metadata: Mapping[str | bytes, str | bytes] | None = None,
) -> tuple[str, str]:
    """Create a new CURVE key pair and store it as two certificate files.

    Args:
        key_dir: an existing directory to write into.
        name: the base file name: ``NAME.key`` and ``NAME.key_secret`` are written.
        metadata: optional properties stored in the secret certificate's ``metadata``
            section.

    Returns:
        ``(public_key_file, secret_key_file)``, the paths written.

    Raises:
        ZMQError: ENOTSUP if CURVE is unavailable (PyNaCl is not installed).
    """
    public_key, secret_key = z85_keypair()
    base_filename = os.path.join(key_dir, name)
    public_key_file = f"{base_filename}.key"
    secret_key_file = f"{base_filename}.key_secret"
    now = datetime.datetime.now()
    _write_key_file(public_key_file, _PUBLIC_BANNER.format(now), public_key)
    _write_key_file(
        secret_key_file,
        _SECRET_BANNER.format(now),
        public_key,
        secret_key=secret_key,
        metadata=metadata,
    )
    return public_key_file, secret_key_file


def load_certificate(filename: str | os.PathLike[str]) -> tuple[bytes, bytes | None]:
    """Read the keys of a certificate file.

    Args:
        filename: a public (``.key``) or secret (``.key_secret``) certificate.

    Returns:
        ``(public_key, secret_key)`` as Z85 bytes; ``secret_key`` is None when the file
        holds only the public key.

    Raises:
        OSError: the file does not exist.
        ValueError: the file has no public key.
    """
    if not os.path.exists(filename):
        raise OSError(f"Invalid certificate file: {os.fspath(filename)}")
    public_key: bytes | None = None
    secret_key: bytes | None = None
    with open(filename, "rb") as f:
        for raw_line in f:
            line = raw_line.strip()
            if line.startswith(b"#"):
                continue
            if line.startswith(b"public-key"):
                public_key = line.split(b"=", 1)[1].strip(_VALUE_STRIP)
            elif line.startswith(b"secret-key"):
                secret_key = line.split(b"=", 1)[1].strip(_VALUE_STRIP)
            if public_key and secret_key:
                break
    if public_key is None:
        raise ValueError(f"No public key found in {os.fspath(filename)}")
    return public_key, secret_key


def load_certificates(directory: str | os.PathLike[str] = ".") -> dict[bytes, bool]:
    """Load the public keys of every ``*.key`` certificate in a directory.

    Args:
        directory: the directory to scan (not recursively). Secret certificates
            (``*.key_secret``) are ignored, as in czmq.

    Returns:
        A mapping of Z85 public key to True, the form
        :meth:`~purezmq.auth.Authenticator.configure_curve` keeps per domain.

    Raises:
        OSError: ``directory`` is not a directory.
        ValueError: a certificate has no public key.
    """
    if not os.path.isdir(directory):
        raise OSError(f"Invalid certificate directory: {os.fspath(directory)}")
    certs: dict[bytes, bool] = {}
    for cert_file in sorted(glob.glob(os.path.join(glob.escape(os.fspath(directory)), "*.key"))):
        public_key, _ = load_certificate(cert_file)
        if public_key:
            certs[public_key] = True
    return certs
