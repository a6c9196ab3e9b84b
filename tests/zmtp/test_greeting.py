"""zmtp/greeting.py: staged sending, lenient parsing, version and mechanism checks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.constants import ProtocolError
from purezmq.zmtp.greeting import (
    GREETING_SIZE,
    Greeting,
    GreetingError,
    PeerGreeting,
    encode_greeting,
    encode_greeting_rest,
    encode_mechanism_name,
    encode_signature,
)
from tests.zmtp.helpers import chunkings, for_each_chunking, vec


def run(chunks: list[bytes], mechanism: bytes = b"NULL") -> tuple[PeerGreeting | None, bytes, int]:
    """Feed chunks; return (peer greeting, everything we sent after the signature,
    total consumed)."""
    g = Greeting(mechanism)
    sent = b""
    consumed = 0
    for chunk in chunks:
        n, out = g.receive(chunk)
        consumed += n
        sent += out
    return g.peer, sent, consumed


def error_of(chunks: list[bytes], mechanism: bytes = b"NULL") -> tuple[str, int]:
    with pytest.raises(GreetingError) as info:
        run(chunks, mechanism)
    return info.value.reason, info.value.code


# --- encoding ---------------------------------------------------------------------------------


def test_signature_padding_like_libzmq() -> None:
    assert encode_signature() == vec("greeting_signature_libzmq_no_routing_id")
    assert encode_signature(len(b"abc")) == vec("greeting_signature_libzmq_routing_id_abc")
    assert Greeting(b"NULL", routing_id_size=3).signature == vec(
        "greeting_signature_libzmq_routing_id_abc"
    )


def test_full_greetings_match_libzmq() -> None:
    assert encode_greeting(b"NULL") == vec("greeting_full_null_v31_libzmq")
    assert encode_greeting(b"PLAIN") == vec("greeting_full_plain_server_libzmq")
    assert encode_greeting(b"CURVE") == vec("greeting_full_curve_server_libzmq")
    assert encode_greeting_rest(b"NULL", False) == vec("greeting_rest_null_v31_libzmq")
    assert encode_greeting(b"NULL")[10:11] == vec("greeting_major_libzmq")
    # as-server byte: 1 when our mechanism is in the server role
    assert encode_greeting(b"PLAIN", as_server=True)[32] == 1


def test_mechanism_name_bounds() -> None:
    assert encode_mechanism_name(b"NULL") == b"NULL" + bytes(16)
    with pytest.raises(ValueError):
        encode_mechanism_name(b"")
    with pytest.raises(ValueError):
        encode_mechanism_name(b"X" * 21)


# --- staging ---------------------------------------------------------------------------------


def test_staged_sending_like_libzmq() -> None:
    peer = vec("greeting_full_null_v31_libzmq")
    g = Greeting(b"NULL")
    assert g.signature == vec("greeting_signature_libzmq_no_routing_id")
    # nothing more until the peer's 10 signature bytes are in
    assert g.receive(peer[:9]) == (9, b"")
    # the 10th byte releases our major byte
    assert g.receive(peer[9:10]) == (1, vec("greeting_major_libzmq"))
    # the peer's major byte releases bytes 11..63
    assert g.receive(peer[10:11]) == (1, vec("greeting_rest_null_v31_libzmq"))
    assert not g.done
    assert g.receive(peer[11:63]) == (52, b"")
    assert not g.done
    assert g.receive(peer[63:] + b"extra") == (1, b"")
    assert g.done
    assert g.peer == PeerGreeting(3, 1, b"NULL", False)
    # further bytes are not the greeting's
    assert g.receive(b"more") == (0, b"")


@pytest.mark.parametrize(
    ("name", "minor_version"),
    [
        ("greeting_full_null_v31_libzmq", 1),
        ("greeting_full_null_v31_zero_padding", 1),
        ("greeting_full_null_v30", 0),
    ],
)
def test_accepts_libzmq_greetings_any_chunking(name: str, minor_version: int) -> None:
    data = vec(name) + b"\x04\x19"  # a READY header follows and is not consumed
    peer, sent, consumed = for_each_chunking(data, run)
    assert peer is not None
    assert peer.mechanism == b"NULL"
    assert peer.minor_version == minor_version
    assert sent == b"\x03" + vec("greeting_rest_null_v31_libzmq")
    assert consumed == GREETING_SIZE


@pytest.mark.parametrize(
    ("major", "minor", "expected"), [(3, 0, 0), (3, 1, 1), (3, 7, 1), (4, 0, 1), (255, 0, 1)]
)
def test_version_negotiation(major: int, minor: int, expected: int) -> None:
    data = bytearray(encode_greeting(b"NULL"))
    data[10], data[11] = major, minor
    peer, _, _ = run([bytes(data)])
    assert peer is not None and peer.minor_version == expected


def test_padding_is_never_validated_and_as_server_is_informational() -> None:
    data = bytearray(encode_greeting(b"NULL"))
    data[1:9] = b"\xde\xad\xbe\xef\x00\xff\x12\x34"
    data[9] = 0x01  # only bit 0 matters
    data[32] = 1
    data[40] = 0x55  # filler is not checked either
    peer, _, _ = run([bytes(data)])
    assert peer is not None and peer.as_server


# --- refusals ----------------------------------------------------------------------------------


def test_http_request_is_garbage_not_zmtp_1_0() -> None:
    data = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n" + bytes(40)
    for _, chunks in chunkings(data):
        reason, code = error_of(chunks)
        assert "not a ZMTP 3.x peer" in reason
        assert code == ProtocolError.ZMTP_UNSPECIFIED


def test_zmtp_1_0_long_length_is_refused() -> None:
    # ff + 8 bytes + byte 9 with bit 0 clear: a ZMTP 1.0 long identity frame
    data = b"\xff" + bytes(8) + b"\x00" + bytes(60)
    reason, _ = for_each_chunking(data, error_of)
    assert "bit 0 clear" in reason


@pytest.mark.parametrize(("major", "text"), [(0, "ZMTP 1.0"), (1, "ZMTP 2.0"), (2, "version 2")])
def test_old_versions_are_refused(major: int, text: str) -> None:
    # the ZMTP 2.0 peer of the digest: signature, revision 01, socket type, identity
    data = vec("greeting_signature_libzmq_no_routing_id") + bytes((major,)) + b"\x01\x00\x00"
    reason, code = for_each_chunking(data, error_of)
    assert text in reason and "not supported" in reason
    assert code == ProtocolError.ZMTP_UNSPECIFIED
    # we sent our major byte (the peer's signature was fine) but never bytes 11..63
    g = Greeting(b"NULL")
    with pytest.raises(GreetingError):
        g.receive(data)
    g2 = Greeting(b"NULL")
    assert g2.receive(data[:10]) == (10, b"\x03")


def test_mechanism_mismatch() -> None:
    data = vec("greeting_full_plain_server_libzmq")
    reason, code = for_each_chunking(data, error_of)
    assert code == ProtocolError.ZMTP_MECHANISM_MISMATCH
    assert "PLAIN" in reason and "NULL" in reason


def test_mechanism_must_match_all_20_bytes() -> None:
    data = bytearray(encode_greeting(b"NULL"))
    data[31] = ord("X")  # "NULL" + NULs + trailing junk is not NULL
    _, code = error_of([bytes(data)])
    assert code == ProtocolError.ZMTP_MECHANISM_MISMATCH
    peer, _, _ = run([vec("greeting_full_curve_server_libzmq")], mechanism=b"CURVE")
    assert peer is not None and peer.mechanism == b"CURVE"


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80), cut=st.integers(min_value=0, max_value=80))
def test_fuzz_greeting_only_accepts_or_raises_greeting_error(data: bytes, cut: int) -> None:
    try:
        peer, _, consumed = run([data[:cut], data[cut:]])
    except GreetingError:
        return
    assert consumed == min(len(data), GREETING_SIZE)
    if peer is not None:
        assert data[0] == 0xFF and data[9] & 1 and data[10] >= 3
