"""zmtp/mechanisms/plain.py: the PLAIN handshake (RFC 24) as libzmq speaks it, step by step,
between two connections, against the captured libzmq bytes, and under hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.constants import Errno, ProtocolError
from purezmq.error import ZMQError
from purezmq.zmtp import (
    ConnectionFailed,
    ErrorReceived,
    HandshakeComplete,
    HandshakeParams,
    MechanismError,
    MessageReceived,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_command, encode_error, encode_properties, encode_ready
from purezmq.zmtp.errors import ZMTPProtocolError
from purezmq.zmtp.frames import encode_command_frame
from purezmq.zmtp.mechanisms.plain import (
    PlainClientMechanism,
    PlainServerMechanism,
    encode_hello,
    parse_hello,
)
from tests.zmtp.helpers import (
    chunkings,
    failures,
    feed,
    greeting,
    messages,
    pump,
    split_at,
    vec,
)


def frame_body(frame: bytes) -> bytes:
    """The body of one short command frame."""
    assert frame[0] == 0x04 and frame[1] == len(frame) - 2
    return frame[2:]


# --- the mechanisms alone, step by step ----------------------------------------------------


def test_client_steps_match_libzmq_bytes() -> None:
    mech = PlainClientMechanism(b"admin", b"secret")
    assert mech.name == b"PLAIN" and not mech.as_server and not mech.wraps_frames
    mech.start(HandshakeParams("PUSH"))
    assert mech.take_commands() == [frame_body(vec("plain_hello_admin_secret_libzmq"))]
    mech.process_command(frame_body(vec("plain_welcome_libzmq")))
    assert mech.take_commands() == [frame_body(vec("plain_initiate_push_libzmq"))]
    assert not mech.is_complete
    mech.process_command(frame_body(vec("plain_ready_pull_libzmq")))
    assert mech.is_complete
    assert mech.peer_properties == {"Socket-Type": b"PULL"}
    assert mech.take_zap_request() is None


def test_server_steps_match_libzmq_bytes() -> None:
    mech = PlainServerMechanism()
    assert mech.as_server and mech.uses_zap
    mech.start(HandshakeParams("PULL"))
    assert mech.take_commands() == []
    mech.process_command(frame_body(vec("plain_hello_admin_secret_libzmq")))
    assert mech.take_commands() == []  # nothing until ZAP has spoken
    request = mech.take_zap_request()
    assert request == ZapRequest("PLAIN", [b"admin", b"secret"])
    assert mech.zap_pending
    mech.zap_reply("200", b"joe", {"X-A": b"1"})
    assert mech.take_commands() == [frame_body(vec("plain_welcome_libzmq"))]
    assert not mech.is_complete
    mech.process_command(frame_body(vec("plain_initiate_push_libzmq")))
    assert mech.take_commands() == [frame_body(vec("plain_ready_pull_libzmq"))]
    assert mech.is_complete
    assert mech.peer_properties == {"Socket-Type": b"PUSH"}
    assert mech.zap_properties == {"X-A": b"1", "User-Id": b"joe"}


def test_hello_codec() -> None:
    assert encode_hello(b"", b"") == b"\x05HELLO\x00\x00"
    assert parse_hello(b"\x00\x00") == (b"", b"")
    long = b"u" * 255
    assert parse_hello(encode_hello(long, long)[6:]) == (long, long)
    with pytest.raises(ValueError):
        encode_hello(b"u" * 256, b"")


@pytest.mark.parametrize("username", [b"u" * 256, b"ok"])
def test_client_credential_limits(username: bytes) -> None:
    password = b"p" * 256 if username == b"ok" else b""
    with pytest.raises(ZMQError) as info:
        PlainClientMechanism(username, password)
    assert info.value.errno == Errno.EINVAL
    PlainClientMechanism(b"u" * 255, b"p" * 255)  # the limits themselves are fine


@pytest.mark.parametrize(
    "data",
    [
        b"",  # no username length
        b"\x05adm",  # username truncated
        b"\x05admin",  # no password length
        b"\x05admin\x06secr",  # password truncated
        b"\x05admin\x06secretX",  # trailing byte
    ],
)
def test_malformed_hello(data: bytes) -> None:
    mech = PlainServerMechanism()
    mech.start(HandshakeParams("PULL"))
    with pytest.raises(MechanismError) as info:
        mech.process_command(b"\x05HELLO" + data)
    assert info.value.code == ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO
    assert mech.take_zap_request() is None


def test_every_truncation_of_hello_fails_cleanly() -> None:
    body = frame_body(vec("plain_hello_admin_secret_libzmq"))
    for cut in range(len(body)):
        mech = PlainServerMechanism()
        mech.start(HandshakeParams("PULL"))
        with pytest.raises(ZMTPProtocolError):
            mech.process_command(body[:cut])


@pytest.mark.parametrize(
    ("commands", "code"),
    [
        # WELCOME with a byte more than the 8 libzmq accepts
        ([b"\x07WELCOMEx"], ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME),
        ([b"\x05READY"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),  # READY before WELCOME
        ([b"\x07WELCOME", b"\x07WELCOME"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        ([b"\x05HELLO\x00\x00"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        ([b"\x07WELCOME", b"\x05READY\x01"], ProtocolError.ZMTP_INVALID_METADATA),
        ([b"\x07WELCOME", b"\x08INITIATE"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        ([b""], ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
    ],
)
def test_client_rejects(commands: list[bytes], code: int) -> None:
    mech = PlainClientMechanism(b"u", b"p")
    mech.start(HandshakeParams("DEALER"))
    with pytest.raises(ZMTPProtocolError) as info:
        for body in commands:
            mech.process_command(body)
    assert info.value.code == code


def test_client_rejects_ready_twice() -> None:
    mech = PlainClientMechanism(b"u", b"p")
    mech.start(HandshakeParams("DEALER"))
    mech.process_command(b"\x07WELCOME")
    mech.process_command(encode_ready("ROUTER"))
    with pytest.raises(MechanismError):
        mech.process_command(encode_ready("ROUTER"))


@pytest.mark.parametrize(
    ("commands", "code"),
    [
        ([b"\x08INITIATE"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),  # before HELLO
        ([b"\x05HELLO\x00\x00", b"\x08INITIATE"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        ([b"\x05HELLO\x00\x00", b"\x05HELLO\x00\x00"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        ([b"\x05READY"], ProtocolError.ZMTP_UNEXPECTED_COMMAND),
    ],
)
def test_server_rejects(commands: list[bytes], code: int) -> None:
    mech = PlainServerMechanism()
    mech.start(HandshakeParams("ROUTER"))
    with pytest.raises(ZMTPProtocolError) as info:
        for body in commands:
            mech.process_command(body)
    assert info.value.code == code


def test_server_rejects_bad_initiate_metadata_and_second_initiate() -> None:
    mech = PlainServerMechanism()
    mech.start(HandshakeParams("ROUTER"))
    mech.process_command(b"\x05HELLO\x00\x00")
    mech.zap_reply("200", b"", b"")
    with pytest.raises(ZMTPProtocolError) as info:
        mech.process_command(b"\x08INITIATE\x03abc")
    assert info.value.code == ProtocolError.ZMTP_INVALID_METADATA
    mech2 = PlainServerMechanism()
    mech2.start(HandshakeParams("ROUTER"))
    mech2.process_command(b"\x05HELLO\x00\x00")
    mech2.zap_reply("200", b"", b"")
    mech2.process_command(b"\x08INITIATE")  # no metadata at all: accepted, like libzmq
    with pytest.raises(MechanismError):
        mech2.process_command(b"\x08INITIATE")


def test_incompatible_socket_type_in_initiate() -> None:
    mech = PlainServerMechanism()
    mech.start(HandshakeParams("PULL"))
    mech.process_command(b"\x05HELLO\x00\x00")
    mech.zap_reply("200", b"", b"")
    with pytest.raises(MechanismError) as info:
        mech.process_command(
            encode_command(b"INITIATE", encode_properties([("Socket-Type", b"PULL")]))
        )
    assert info.value.code == ProtocolError.ZMTP_INVALID_METADATA


# --- two connections -------------------------------------------------------------------------


def pair() -> tuple[ZMTPConnection, ZMTPConnection]:
    client = ZMTPConnection(
        "DEALER", mechanism=PlainClientMechanism(b"admin", b"secret"), routing_id=b"cli"
    )
    server = ZMTPConnection("ROUTER", mechanism=PlainServerMechanism())
    return client, server


def test_handshake_zap_200_and_traffic() -> None:
    client, server = pair()
    ec, es = pump(client, server)
    assert ec == [] and es == [ZapRequest("PLAIN", [b"admin", b"secret"])]
    es = server.zap_reply("200", b"user-joe", encode_properties([("X-Zap", b"yes")]))
    assert es == []
    ec, es = pump(client, server)
    (hc,) = ec
    (hs,) = es
    assert isinstance(hc, HandshakeComplete) and isinstance(hs, HandshakeComplete)
    assert hc.socket_type == "ROUTER"
    assert hs.identity == b"cli"
    assert hs.properties["User-Id"] == b"user-joe" and hs.properties["X-Zap"] == b"yes"
    client.send_message([b"a", b"b"])
    server.send_message([b"c"])
    ec, es = pump(client, server)
    assert messages(es) == [[b"a", b"b"]] and messages(ec) == [[b"c"]]


@pytest.mark.parametrize("code", ["400", "500"])
def test_handshake_zap_denied(code: str) -> None:
    client, server = pair()
    pump(client, server)
    (fail,) = server.zap_reply(code)
    assert isinstance(fail, ConnectionFailed)
    assert fail.auth and fail.handshake and fail.code == int(code)
    wire = server.data_to_send()
    assert wire == encode_command_frame(encode_error(code))  # well formed, code as reason
    (err,) = client.receive_data(wire, 0.0)
    assert err == ErrorReceived(code)
    assert client.closed


def test_handshake_zap_300_sends_nothing_then_times_out() -> None:
    client, server = pair()
    pump(client, server)
    assert server.zap_reply("300") == []
    assert server.data_to_send() == b""
    assert server.handle_timer(29.0) == []
    (fail,) = server.handle_timer(30.0)
    assert isinstance(fail, ConnectionFailed) and fail.auth and fail.code == 300


def test_zap_reply_with_invalid_metadata_fails() -> None:
    client, server = pair()
    pump(client, server)
    (fail,) = server.zap_reply("200", b"", b"\x03ab")
    assert isinstance(fail, ConnectionFailed)
    assert fail.code == ProtocolError.ZAP_INVALID_METADATA


@pytest.mark.parametrize(
    "error_frame", [vec("plain_error_400_libzmq_MALFORMED"), vec("null_error_400_libzmq")]
)
def test_client_accepts_both_error_forms(error_frame: bytes) -> None:
    for label, chunks in chunkings(error_frame):
        client = ZMTPConnection("PUSH", mechanism=PlainClientMechanism(b"admin", b"bad"))
        client.receive_data(greeting(b"PLAIN"), 0.0)
        assert client.data_to_send().endswith(b"\x04\x10\x05HELLO\x05admin\x03bad")
        events = feed(client, chunks)
        assert events == [ErrorReceived("400")], label


def test_client_against_captured_libzmq_server_bytes() -> None:
    client = ZMTPConnection("PUSH", mechanism=PlainClientMechanism(b"admin", b"secret"))
    server_bytes = (
        vec("greeting_full_plain_server_libzmq")
        + vec("plain_welcome_libzmq")
        + vec("plain_ready_pull_libzmq")
    )
    for label, chunks in chunkings(server_bytes):
        client = ZMTPConnection("PUSH", mechanism=PlainClientMechanism(b"admin", b"secret"))
        events = feed(client, chunks)
        assert [type(e) for e in events] == [HandshakeComplete], label
        out = client.data_to_send()
        assert out.endswith(
            vec("plain_hello_admin_secret_libzmq") + vec("plain_initiate_push_libzmq")
        )


def test_server_against_captured_libzmq_client_bytes() -> None:
    client_bytes = (
        greeting(b"PLAIN")
        + vec("plain_hello_admin_secret_libzmq")
        + vec("plain_initiate_push_libzmq")
    )
    server = ZMTPConnection("PULL", mechanism=PlainServerMechanism())
    # INITIATE arrives while ZAP is pending: a libzmq client never does that
    events = server.receive_data(client_bytes, 0.0)
    assert [type(e) for e in events] == [ZapRequest, ConnectionFailed]
    assert failures(events)[0].code == ProtocolError.ZMTP_UNEXPECTED_COMMAND

    server = ZMTPConnection("PULL", mechanism=PlainServerMechanism())
    (request,) = server.receive_data(
        greeting(b"PLAIN") + vec("plain_hello_admin_secret_libzmq"), 0.0
    )
    assert request == ZapRequest("PLAIN", [b"admin", b"secret"])
    assert server.zap_reply("200") == []
    assert server.data_to_send().endswith(vec("plain_welcome_libzmq"))
    (hs,) = server.receive_data(vec("plain_initiate_push_libzmq"), 0.0)
    assert isinstance(hs, HandshakeComplete) and hs.socket_type == "PUSH"
    assert server.data_to_send() == vec("plain_ready_pull_libzmq")


def test_message_frame_during_handshake_fails() -> None:
    server = ZMTPConnection("PULL", mechanism=PlainServerMechanism())
    events = server.receive_data(greeting(b"PLAIN") + b"\x00\x01x", 0.0)
    assert [type(e) for e in events] == [ConnectionFailed]


def test_mechanism_mismatch() -> None:
    server = ZMTPConnection("PULL", mechanism=PlainServerMechanism())
    (fail,) = server.receive_data(greeting(b"NULL"), 0.0)
    assert isinstance(fail, ConnectionFailed)
    assert fail.code == ProtocolError.ZMTP_MECHANISM_MISMATCH


def test_greeting_as_server_byte() -> None:
    server = ZMTPConnection("PULL", mechanism=PlainServerMechanism())
    client = ZMTPConnection("PUSH", mechanism=PlainClientMechanism(b"", b""))
    for conn, expected in ((server, 1), (client, 0)):
        conn.receive_data(greeting(b"PLAIN"), 0.0)
        assert conn.data_to_send()[32] == expected


# --- fuzz ----------------------------------------------------------------------------------------

ALLOWED = (HandshakeComplete, MessageReceived, ErrorReceived, ConnectionFailed, ZapRequest)

_PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            vec("plain_hello_admin_secret_libzmq"),
            vec("plain_initiate_push_libzmq"),
            vec("plain_welcome_libzmq"),
            vec("plain_ready_pull_libzmq"),
            vec("plain_error_400_libzmq_MALFORMED"),
            b"\x04\x07\x05HELLO\x05",
            b"\x04\x02\x08I",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_PIECES, max_size=6),
    st.lists(st.integers(0, 500), max_size=5),
    st.sampled_from(["200", "300", "400", "500", "999"]),
    st.booleans(),
)
def test_fuzz_handshake(pieces: list[bytes], cuts: list[int], code: str, server: bool) -> None:
    mech = PlainServerMechanism() if server else PlainClientMechanism(b"u", b"p")
    conn = ZMTPConnection("PULL", mechanism=mech)
    data = greeting(b"PLAIN") + b"".join(pieces)
    ended = False
    for chunk in split_at(data, cuts):
        events = conn.receive_data(chunk, 0.0)
        assert all(isinstance(e, ALLOWED) for e in events)
        assert not (ended and events)
        ended = conn.closed
        if any(isinstance(e, ZapRequest) for e in events) and not conn.closed:
            assert all(isinstance(e, ALLOWED) for e in conn.zap_reply(code))
            ended = conn.closed
        conn.data_to_send()
