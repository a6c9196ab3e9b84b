"""zmtp/commands.py: READY/ERROR/SUBSCRIBE/CANCEL/PING/PONG bodies and metadata."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.constants import ProtocolError
from purezmq.zmtp.commands import (
    MAX_PING_CONTEXT_SIZE,
    CommandError,
    encode_cancel,
    encode_command,
    encode_error,
    encode_ping,
    encode_pong,
    encode_properties,
    encode_ready,
    encode_subscribe,
    get_property,
    is_compatible,
    is_valid_property_name,
    parse_command,
    parse_error,
    parse_error_command,
    parse_malformed_error,
    parse_ping,
    parse_properties,
)
from purezmq.zmtp.frames import FrameDecoder, encode_command_frame
from tests.zmtp.helpers import for_each_chunking, vec

READY_TYPES = [
    "PAIR",
    "PUB",
    "SUB",
    "XPUB",
    "XSUB",
    "PUSH",
    "PULL",
    "REQ",
    "REP",
    "DEALER",
    "ROUTER",
]


def command_bodies(chunks: list[bytes]) -> list[bytes]:
    """Decode command frames from chunks (via the frame decoder)."""
    dec = FrameDecoder()
    out: list[object] = []

    def on_command(body: bytes, sink: list[object]) -> bool:
        sink.append(body)
        return True

    for chunk in chunks:
        dec.read_messages(chunk, out, list, on_command)
    return [b for b in out if isinstance(b, bytes)]


@pytest.mark.parametrize("socket_type", READY_TYPES)
def test_ready_equals_libzmq_bytes(socket_type: str) -> None:
    wire = vec(f"ready_{socket_type.lower()}")
    assert encode_command_frame(encode_ready(socket_type)) == wire
    (body,) = for_each_chunking(wire, command_bodies)
    name, data = parse_command(body)
    assert name == b"READY"
    props = parse_properties(data)
    assert list(props) == (
        ["Socket-Type", "Identity"]
        if socket_type in ("REQ", "DEALER", "ROUTER")
        else ["Socket-Type"]
    )
    assert props["Socket-Type"] == socket_type.encode()


def test_ready_with_identity_and_metadata_equals_libzmq() -> None:
    assert encode_command_frame(encode_ready("DEALER", b"id-DEALER")) == vec(
        "ready_dealer_identity_id-DEALER"
    )
    wire = vec("ready_dealer_with_X-Foo_bar")
    assert encode_command_frame(encode_ready("DEALER", b"", {"X-Foo": b"bar"})) == wire
    (body,) = for_each_chunking(wire, command_bodies)
    props = parse_properties(parse_command(body)[1])
    assert props == {"Socket-Type": b"DEALER", "Identity": b"", "X-Foo": b"bar"}


def test_plain_vectors_parse_as_commands() -> None:
    # the metadata codec also serves PLAIN INITIATE/READY (later)
    (body,) = for_each_chunking(vec("plain_initiate_push_libzmq"), command_bodies)
    name, data = parse_command(body)
    assert name == b"INITIATE" and parse_properties(data) == {"Socket-Type": b"PUSH"}
    (body,) = command_bodies([vec("plain_hello_admin_secret_libzmq")])
    assert parse_command(body) == (b"HELLO", b"\x05admin\x06secret")
    (body,) = command_bodies([vec("plain_welcome_libzmq")])
    assert parse_command(body) == (b"WELCOME", b"")


def test_properties_are_case_insensitive_on_lookup() -> None:
    props = parse_properties(encode_properties([("socket-TYPE", b"PUSH"), ("x-a", b"1")]))
    assert get_property(props, "Socket-Type") == b"PUSH"
    assert get_property(props, "X-A") == b"1"
    assert get_property(props, "Identity") is None
    assert get_property({"Identity": b"exact"}, "Identity") == b"exact"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",  # empty name
        b"\x05Sock",  # name truncated
        b"\x03abc\x00\x00",  # value length truncated
        b"\x03abc\x00\x00\x00\x05four",  # value shorter than announced
        b"\x03abc\xff\xff\xff\xff",  # value length far beyond the data (no allocation)
        b"\x03abc\x80\x00\x00\x00",  # above the RFC's 2**31-1
        b"\x03a c\x00\x00\x00\x00",  # bad name character
        b"\x03abc\x00\x00\x00\x00\x07",  # leftover byte after the last property
    ],
)
def test_bad_metadata_is_invalid_metadata(data: bytes) -> None:
    with pytest.raises(CommandError) as info:
        parse_properties(data)
    assert info.value.code == ProtocolError.ZMTP_INVALID_METADATA


def test_property_name_rules() -> None:
    assert is_valid_property_name("X-Foo.bar_1+2")
    assert is_valid_property_name("a" * 255)
    assert not is_valid_property_name("")
    assert not is_valid_property_name("a" * 256)
    assert not is_valid_property_name("X Foo")
    assert not is_valid_property_name("X-Fö")
    with pytest.raises(ValueError):
        encode_properties([("bad name", b"")])


def test_value_above_the_rfc_limit_is_refused_locally() -> None:
    class Huge(bytes):
        def __len__(self) -> int:
            return 2**31

    with pytest.raises(ValueError):
        encode_properties([("X-Big", Huge())])


def test_compatibility_table() -> None:
    assert is_compatible("REQ", "ROUTER") and is_compatible("REQ", "REP")
    assert not is_compatible("REQ", "REQ")
    assert is_compatible("XPUB", "SUB") and is_compatible("SUB", "XPUB")
    assert not is_compatible("PUSH", "push")  # values are compared exactly
    assert not is_compatible("STREAM", "STREAM")
    assert is_compatible("CLIENT", "SERVER") and is_compatible("DISH", "RADIO")


def test_generic_command_codec() -> None:
    assert encode_command(b"FOOBAR", b"x") == b"\x06FOOBARx"
    assert parse_command(b"\x06FOOBARx") == (b"FOOBAR", b"x")
    assert parse_command(b"\x00") == (b"", b"")
    with pytest.raises(ValueError):
        encode_command(b"")
    with pytest.raises(ValueError):
        encode_command(b"x" * 256)
    for bad in (b"", b"\x05READ"):
        with pytest.raises(CommandError) as info:
            parse_command(bad)
        assert info.value.code == ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED


# --- ERROR -----------------------------------------------------------------------------------


def test_error_well_formed_matches_libzmq() -> None:
    wire = vec("null_error_400_libzmq")
    assert encode_command_frame(encode_error("400")) == wire
    (body,) = for_each_chunking(wire, command_bodies)
    assert parse_error_command(body) == "400"
    assert parse_error(parse_command(body)[1]) == "400"


def test_error_malformed_plain_form_is_recognised() -> None:
    wire = vec("plain_error_400_libzmq_MALFORMED")
    (body,) = for_each_chunking(wire, command_bodies)
    assert body.startswith(b"\x5eRROR")
    assert parse_malformed_error(body) == "400"
    assert parse_error_command(body) == "400"
    # its name length (0x5e) would run past the body: not a parseable command
    with pytest.raises(CommandError):
        parse_command(body)


def test_error_edge_cases() -> None:
    assert parse_error_command(b"\x05READY") is None
    assert parse_error_command(encode_error("")) == ""
    assert parse_error_command(encode_error(b"x" * 255)) == "x" * 255
    assert parse_error(b"\x02okEXTRA") == "ok"  # trailing bytes ignored, like libzmq
    for bad in (b"\x05ERROR", b"\x05ERROR\x04abc", b"\x5eRROR", b"\x5eRROR\x09"):
        with pytest.raises(CommandError) as info:
            parse_error_command(bad)
        assert info.value.code == ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR
    with pytest.raises(CommandError):
        parse_malformed_error(b"\x05ERROR\x00")
    with pytest.raises(ValueError):
        encode_error("x" * 256)


# --- subscriptions and heartbeats --------------------------------------------------------------


def test_subscription_commands_match_libzmq() -> None:
    assert encode_command_frame(encode_subscribe(b"topic")) == vec("subscribe_topic_v31")
    assert encode_command_frame(encode_subscribe(b"")) == vec("subscribe_all_v31")
    assert encode_command_frame(encode_cancel(b"topic")) == vec("cancel_topic_v31")
    for name in ("subscribe_topic_v31", "subscribe_all_v31", "cancel_topic_v31"):
        (body,) = for_each_chunking(vec(name), command_bodies)
        assert parse_command(body)[0] in (b"SUBSCRIBE", b"CANCEL")


def test_ping_pong_match_libzmq() -> None:
    assert encode_command_frame(encode_ping(20)) == vec("ping_ttl_2000ms_libzmq")
    assert encode_command_frame(encode_ping(0)) == vec("ping_no_ttl_libzmq")
    assert encode_command_frame(encode_ping(10, b"ctx123")) == vec("ping_ttl_1s_ctx123_sent")
    assert encode_command_frame(encode_pong(b"ctx123")) == vec("pong_ctx123_libzmq")
    assert encode_command_frame(encode_pong()) == vec("pong_empty_libzmq")
    (body,) = for_each_chunking(vec("ping_ttl_1s_ctx123_sent"), command_bodies)
    assert parse_ping(parse_command(body)[1]) == (10, b"ctx123")
    (body,) = for_each_chunking(vec("ping_ttl_2000ms_libzmq"), command_bodies)
    assert parse_ping(parse_command(body)[1]) == (20, b"")


def test_ping_limits() -> None:
    assert parse_ping(b"\x00\x01" + b"c" * 19) == (1, b"c" * MAX_PING_CONTEXT_SIZE)
    assert encode_pong(b"c" * 19) == b"\x04PONG" + b"c" * 16
    with pytest.raises(CommandError):
        parse_ping(b"\x00")
    with pytest.raises(ValueError):
        encode_ping(65536)
    with pytest.raises(ValueError):
        encode_ping(-1)
    with pytest.raises(ValueError):
        encode_ping(0, b"c" * 17)


# --- hypothesis ------------------------------------------------------------------------------

names = st.text(alphabet="ABCXYZabcxyz0189-_.+", min_size=1, max_size=255)
props_st = st.lists(st.tuples(names, st.binary(max_size=300)), max_size=6, unique_by=lambda p: p[0])


@settings(max_examples=200, deadline=None)
@given(props=props_st)
def test_roundtrip_properties(props: list[tuple[str, bytes]]) -> None:
    assert parse_properties(encode_properties(props)) == dict(props)


@settings(max_examples=200, deadline=None)
@given(
    name=st.binary(min_size=1, max_size=255),
    data=st.binary(max_size=400),
)
def test_roundtrip_commands(name: bytes, data: bytes) -> None:
    body = encode_command(name, data)
    (got,) = command_bodies([encode_command_frame(body)])
    assert parse_command(got) == (name, data)


@settings(max_examples=200, deadline=None)
@given(ttl=st.integers(0, 0xFFFF), ctx=st.binary(max_size=16), reason=st.binary(max_size=255))
def test_roundtrip_ping_error(ttl: int, ctx: bytes, reason: bytes) -> None:
    assert parse_ping(parse_command(encode_ping(ttl, ctx))[1]) == (ttl, ctx)
    assert parse_error_command(encode_error(reason)) == reason.decode("ascii", "replace")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=120))
def test_fuzz_metadata_parser(data: bytes) -> None:
    try:
        props = parse_properties(data)
    except CommandError as exc:
        assert exc.code == ProtocolError.ZMTP_INVALID_METADATA
    else:
        assert parse_properties(encode_properties(props.items())) == props
