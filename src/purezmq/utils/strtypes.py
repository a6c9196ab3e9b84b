"""Text/bytes helpers kept for code written against old pyzmq releases.

pyzmq deprecated this module in version 23; :func:`cast_bytes` and
:func:`cast_unicode` warn with :class:`DeprecationWarning` as they do there. New code
should call ``str.encode`` / ``bytes.decode`` itself.
"""

from __future__ import annotations

import builtins
import warnings

__all__ = [
    "asbytes",
    "b",
    "basestring",
    "bytes",
    "cast_bytes",
    "cast_unicode",
    "u",
    "unicode",
]

bytes = builtins.bytes
unicode = str
basestring = (str,)

_DEPRECATED = "purezmq.utils.strtypes is deprecated (as zmq.utils.strtypes is since pyzmq 23)."


def cast_bytes(
    s: str | builtins.bytes, encoding: str = "utf8", errors: str = "strict"
) -> builtins.bytes:
    """Return ``s`` as bytes, encoding text with ``encoding``.

    Args:
        s: text or bytes.
        encoding: the codec for text.
        errors: the codec's error handling (``"strict"``, ``"replace"``, ...).

    Raises:
        TypeError: ``s`` is neither text nor bytes.
    """
    warnings.warn(_DEPRECATED, DeprecationWarning, stacklevel=2)
    if isinstance(s, builtins.bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding, errors)
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


def cast_unicode(s: str | builtins.bytes, encoding: str = "utf8", errors: str = "strict") -> str:
    """Return ``s`` as text, decoding bytes with ``encoding``.

    Args:
        s: text or bytes.
        encoding: the codec for bytes.
        errors: the codec's error handling (``"strict"``, ``"replace"``, ...).

    Raises:
        TypeError: ``s`` is neither text nor bytes.
    """
    warnings.warn(_DEPRECATED, DeprecationWarning, stacklevel=2)
    if isinstance(s, builtins.bytes):
        return s.decode(encoding, errors)
    if isinstance(s, str):
        return s
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


#: Short aliases pyzmq has always exported.
b = asbytes = cast_bytes
u = cast_unicode
