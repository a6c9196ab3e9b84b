"""Z85: the ZeroMQ base-85 text encoding of binary data (RFC 32/Z85).

Z85 turns every 4 bytes (one big-endian 32-bit word) into 5 printable characters, so
the input of :func:`encode` must be a multiple of 4 bytes long and the input of
:func:`decode` a multiple of 5 characters. CURVE keys are usually exchanged this way
(32 bytes <-> 40 characters).

Example (the test vector of RFC 32)::

    >>> encode(bytes.fromhex("864fd26fb559f75b"))
    b'HelloWorld'
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["Z85CHARS", "Z85MAP", "decode", "encode"]

#: The 85 characters of the alphabet, in digit order (RFC 32, "Formal Specification").
Z85CHARS: Final = (
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)
#: Character code -> digit value, for decoding.
Z85MAP: Final[dict[int, int]] = {char: digit for digit, char in enumerate(Z85CHARS)}

# 256-entry digit table: -1 marks bytes outside the alphabet
_DIGIT: Final[list[int]] = [Z85MAP.get(code, -1) for code in range(256)]
_WORD_MAX: Final = 0xFFFFFFFF


def encode(rawbytes: bytes | bytearray | memoryview) -> bytes:
    """Encode binary data as Z85.

    Args:
        rawbytes: the data; its length must be a multiple of 4.

    Returns:
        The encoded text as ASCII bytes, 5 characters per 4 input bytes.

    Raises:
        ValueError: the length is not a multiple of 4.
    """
    data = memoryview(rawbytes).cast("B")
    if len(data) % 4:
        raise ValueError(f"length must be multiple of 4, not {len(data)}")
    chars = Z85CHARS
    out = bytearray()
    for (word,) in struct.iter_unpack(">I", data):
        word, d4 = divmod(word, 85)
        word, d3 = divmod(word, 85)
        word, d2 = divmod(word, 85)
        d0, d1 = divmod(word, 85)
        out += bytes((chars[d0], chars[d1], chars[d2], chars[d3], chars[d4]))
    return bytes(out)


def decode(z85bytes: str | bytes | bytearray | memoryview) -> bytes:
    """Decode Z85 text back to binary data.

    Args:
        z85bytes: the encoded text (ASCII ``str`` or bytes); its length must be a
            multiple of 5.

    Returns:
        The decoded bytes, 4 per 5 input characters.

    Raises:
        ValueError: the length is not a multiple of 5, the text has a character outside
            the Z85 alphabet, or a 5-character group exceeds 32 bits.
    """
    if isinstance(z85bytes, str):
        try:
            data: bytes | memoryview = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters") from None
    else:
        data = memoryview(z85bytes).cast("B")
    if len(data) % 5:
        raise ValueError(f"Z85 length must be multiple of 5, not {len(data)}")
    digit = _DIGIT
    words = []
    for i in range(0, len(data), 5):
        value = 0
        for code in data[i : i + 5]:
            d = digit[code]
            if d < 0:
                raise ValueError(f"invalid Z85 character {chr(code)!r} at offset {i}")
            value = value * 85 + d
        if value > _WORD_MAX:
            raise ValueError(f"Z85 group at offset {i} does not fit in 32 bits")
        words.append(value)
    return struct.pack(f">{len(words)}I", *words)
