"""Z85 (RFC 32): the spec's vector, round trips, and the errors pyzmq raises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purezmq.utils import z85

# RFC 32, "Test Case"
RFC_RAW = bytes.fromhex("864fd26fb559f75b")
RFC_TEXT = b"HelloWorld"


def test_rfc32_vector() -> None:
    assert z85.encode(RFC_RAW) == RFC_TEXT
    assert z85.decode(RFC_TEXT) == RFC_RAW
    assert z85.decode(RFC_TEXT.decode()) == RFC_RAW


def test_edge_words() -> None:
    assert z85.encode(b"") == b""
    assert z85.decode(b"") == b""
    assert z85.encode(b"\x00" * 4) == b"00000"
    # 0xFFFFFFFF is the largest word: 85**5 - 1 would not fit, this does
    top = z85.encode(b"\xff" * 4)
    assert z85.decode(top) == b"\xff" * 4


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_buffer_inputs(kind: type) -> None:
    assert z85.encode(kind(RFC_RAW)) == RFC_TEXT
    assert z85.decode(kind(RFC_TEXT)) == RFC_RAW


@pytest.mark.parametrize("n", [1, 2, 3, 5, 31])
def test_encode_rejects_bad_length(n: int) -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        z85.encode(b"x" * n)


@pytest.mark.parametrize("n", [1, 4, 6, 39])
def test_decode_rejects_bad_length(n: int) -> None:
    with pytest.raises(ValueError, match="multiple of 5"):
        z85.decode(b"0" * n)


@pytest.mark.parametrize("text", [b"Hello Worl", b'abcd"', b"\x80bcde", "héllo"])
def test_decode_rejects_characters_outside_the_alphabet(text: bytes | str) -> None:
    with pytest.raises(ValueError):
        z85.decode(text)


def test_decode_rejects_group_over_32_bits() -> None:
    with pytest.raises(ValueError, match="32 bits"):
        z85.decode(b"#####")


def test_alphabet_tables() -> None:
    assert len(z85.Z85CHARS) == 85 == len(set(z85.Z85CHARS))
    assert all(z85.Z85CHARS[v] == c for c, v in z85.Z85MAP.items())


@given(st.binary(max_size=256).map(lambda b: b[: len(b) - len(b) % 4]))
def test_round_trip(raw: bytes) -> None:
    text = z85.encode(raw)
    assert len(text) == len(raw) // 4 * 5
    assert set(text) <= set(z85.Z85CHARS)
    assert z85.decode(text) == raw
    assert z85.decode(text.decode("ascii")) == raw


@given(st.binary(max_size=64).map(lambda b: b[: len(b) - len(b) % 4]))
def test_same_as_pyzmq(raw: bytes) -> None:
    pyzmq_z85 = pytest.importorskip("zmq.utils.z85")
    assert z85.encode(raw) == pyzmq_z85.encode(raw)
