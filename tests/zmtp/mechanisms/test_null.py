"""zmtp/mechanisms/null.py: the NULL handshake, alone and with ZAP."""

from __future__ import annotations

import pytest

from purezmq.constants import ProtocolError
from purezmq.zmtp import (
    ConnectionFailed,
    ErrorCommandReceived,
    HandshakeComplete,
    HandshakeParams,
    MechanismError,
    NullMechanism,
    ProtocolStateError,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_properties, encode_ready
from purezmq.zmtp.errors import ZMTPProtocolError
from tests.zmtp.helpers import greeting, messages, peer_ready, pump, vec

# --- the mechanism alone ----------------------------------------------------------------------


def test_ready_sent_at_start_and_complete_after_peer_ready() -> None:
    mech = NullMechanism()
    assert mech.name == b"NULL" and not mech.as_server and not mech.wraps_frames
    assert not mech.started
    with pytest.raises(ProtocolStateError):
        _ = mech.params
    mech.start(HandshakeParams("DEALER", b"me", {"X-A": b"1"}))
    assert mech.take_commands() == [encode_ready("DEALER", b"me", {"X-A": b"1"})]
    assert mech.take_commands() == []
    assert not mech.is_complete
    mech.process_command(encode_ready("ROUTER"))
    assert mech.is_complete
    assert mech.peer_properties == {"Socket-Type": b"ROUTER", "Identity": b""}
    assert mech.take_zap_request() is None
    with pytest.raises(ProtocolStateError):
        mech.start(HandshakeParams("DEALER"))
    # traffic: identity codec
    assert mech.encode_frame(1, b"x") == (1, b"x")
    assert mech.decode_frame(4, b"y") == (4, b"y")


def test_zap_reply_without_request_is_misuse() -> None:
    mech = NullMechanism()
    mech.start(HandshakeParams("PULL"))
    assert not mech.zap_pending
    with pytest.raises(ProtocolStateError):
        mech.zap_reply("200", b"", {})


def test_peer_ready_may_come_first() -> None:
    mech = NullMechanism(zap=True)
    mech.start(HandshakeParams("PULL"))
    mech.process_command(encode_ready("PUSH"))
    assert not mech.is_complete  # our READY waits for ZAP
    assert mech.take_commands() == []


@pytest.mark.parametrize(
    ("body", "exc", "code"),
    [
        (b"\x05HELLO", MechanismError, ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (b"\x04PING\x00\x00", MechanismError, ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (b"\x05READY\x01", ZMTPProtocolError, ProtocolError.ZMTP_INVALID_METADATA),
        (b"\x07READY", ZMTPProtocolError, ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
    ],
)
def test_bad_commands(body: bytes, exc: type[Exception], code: int) -> None:
    mech = NullMechanism()
    mech.start(HandshakeParams("PULL"))
    with pytest.raises(exc) as info:
        mech.process_command(body)
    assert isinstance(info.value, ZMTPProtocolError) and info.value.code == code


def test_incompatible_peer() -> None:
    mech = NullMechanism()
    mech.start(HandshakeParams("PULL"))
    with pytest.raises(MechanismError) as info:
        mech.process_command(b"\x05READY" + encode_properties([("Socket-Type", b"PULL")]))
    assert info.value.code == ProtocolError.ZMTP_INVALID_METADATA
    assert info.value.error_reason is None and not info.value.auth


@pytest.mark.parametrize("name", ["null_error_400_libzmq", "plain_error_400_libzmq_MALFORMED"])
def test_error_commands(name: str) -> None:
    mech = NullMechanism()
    mech.start(HandshakeParams("PULL"))
    with pytest.raises(ErrorCommandReceived) as info:
        mech.process_command(vec(name)[2:])
    assert info.value.reason == "400"


# --- ZAP through the connection -------------------------------------------------------------


def zap_connection() -> tuple[ZMTPConnection, list[object]]:
    conn = ZMTPConnection("PULL", mechanism=NullMechanism(zap=True), handshake_ivl=5.0)
    conn.data_to_send()
    events: list[object] = list(conn.receive_data(greeting() + peer_ready("PUSH"), 1.0))
    return conn, events


def test_zap_request_before_ready() -> None:
    conn, events = zap_connection()
    assert events == [ZapRequest("NULL", [])]
    assert conn.mechanism.zap_pending
    # greeting stages went out, but no READY yet (libzmq asks ZAP first)
    assert b"READY" not in conn.data_to_send()


def test_zap_200_completes_with_user_id_and_metadata() -> None:
    conn, _ = zap_connection()
    conn.data_to_send()
    events = conn.zap_reply("200", b"joe", encode_properties([("X-Zap", b"yes")]), now=2.0)
    assert conn.data_to_send() == vec("ready_pull")
    (event,) = events
    assert isinstance(event, HandshakeComplete)
    assert event.properties == {"Socket-Type": b"PUSH", "X-Zap": b"yes", "User-Id": b"joe"}
    assert conn.next_deadline() is None
    # the engine may pass a dict, and an int code
    conn, _ = zap_connection()
    (event,) = conn.zap_reply(200, b"", {"X-D": b"1"})
    assert isinstance(event, HandshakeComplete) and event.properties["X-D"] == b"1"


def test_zap_reply_processes_buffered_traffic() -> None:
    conn = ZMTPConnection("PULL", mechanism=NullMechanism(zap=True))
    conn.receive_data(greeting(), 0.0)
    # the peer's READY arrives while the decision is pending
    conn.receive_data(peer_ready("PUSH"), 0.0)
    events = conn.zap_reply("200")
    assert [type(e) for e in events] == [HandshakeComplete]
    assert messages(conn.receive_data(vec("frame_short_hello"), 0.0)) == [[b"hello"]]


@pytest.mark.parametrize("status", ["400", "500"])
def test_zap_denied_sends_error_and_fails(status: str) -> None:
    conn, _ = zap_connection()
    conn.data_to_send()
    (fail,) = conn.zap_reply(status)
    assert isinstance(fail, ConnectionFailed)
    assert fail.auth and fail.handshake and fail.code == int(status)
    expected = vec("null_error_400_libzmq")[:-3] + status.encode()
    assert conn.data_to_send() == expected  # flushed before closing
    assert conn.closed
    assert conn.zap_reply("200") == []  # a late reply is harmless


def test_zap_300_waits_for_handshake_timeout() -> None:
    conn, _ = zap_connection()
    conn.data_to_send()
    assert conn.zap_reply("300") == []
    assert conn.data_to_send() == b""  # libzmq sends nothing
    assert conn.next_deadline() == 5.0  # handshake_ivl from creation at t=0
    (fail,) = conn.handle_timer(5.0)
    assert isinstance(fail, ConnectionFailed) and fail.auth and fail.code == 300


@pytest.mark.parametrize(
    ("status", "metadata", "code"),
    [
        ("201", b"", ProtocolError.ZAP_INVALID_STATUS_CODE),
        ("200", b"\x03abc", ProtocolError.ZAP_INVALID_METADATA),
    ],
)
def test_zap_bad_reply(status: str, metadata: bytes, code: int) -> None:
    conn, _ = zap_connection()
    (fail,) = conn.zap_reply(status, b"", metadata)
    assert isinstance(fail, ConnectionFailed) and fail.code == code and not fail.auth


def test_zap_pending_twice_is_misuse() -> None:
    conn, _ = zap_connection()
    conn.zap_reply("200")
    with pytest.raises(ProtocolStateError):
        conn.zap_reply("200")


def test_zap_both_sides_back_to_back() -> None:
    a = ZMTPConnection("REQ", mechanism=NullMechanism(zap=True))
    b = ZMTPConnection("REP")
    ea, eb = pump(a, b)
    assert ea == [ZapRequest("NULL", [])] and eb == []
    events = a.zap_reply("200", b"u")
    ea, eb = pump(a, b)
    assert [type(e) for e in events + eb] == [HandshakeComplete, HandshakeComplete]
