"""zmtp/connection.py timers: handshake timeout, heartbeat PING cadence, timeout, ttl."""

from __future__ import annotations

import pytest

from purezmq.zmtp import ConnectionFailed, ZMTPConnection
from purezmq.zmtp.frames import encode_command_frame
from tests.zmtp.helpers import greeting, handshaken, peer_ready, vec


def test_handshake_timeout() -> None:
    conn = ZMTPConnection("PULL", handshake_ivl=0.5, now=10.0)
    assert conn.next_deadline() == 10.5
    assert conn.handle_timer(10.49) == []
    conn.receive_data(greeting(), 10.2)  # greeting alone is not a handshake
    (fail,) = conn.handle_timer(10.5)
    assert isinstance(fail, ConnectionFailed)
    assert fail.handshake and fail.code == 0 and not fail.auth
    assert "handshake" in fail.reason
    assert conn.closed and conn.next_deadline() is None


def test_handshake_timer_disarmed_on_completion() -> None:
    conn = ZMTPConnection("PULL", handshake_ivl=0.5)
    conn.receive_data(greeting() + peer_ready("PUSH"), 0.1)
    assert conn.next_deadline() is None
    assert conn.handle_timer(100.0) == []


def test_no_handshake_timeout_when_zero() -> None:
    conn = ZMTPConnection("PULL", handshake_ivl=0)
    assert conn.next_deadline() is None
    assert conn.handle_timer(1e9) == []


def test_ping_cadence_and_bytes() -> None:
    conn = handshaken("PUSH", "PULL", now=100.0, heartbeat_ivl=1.0, heartbeat_ttl=2.0)
    assert conn.next_deadline() == 101.0
    assert conn.handle_timer(100.5) == []
    assert conn.data_to_send() == b""
    assert conn.handle_timer(101.0) == []
    # libzmq's PING: no context, ttl in deciseconds (2000 ms -> 00 14)
    assert conn.data_to_send() == vec("ping_ttl_2000ms_libzmq")
    # timeout defaults to the interval: both the next PING and the timeout are at 102
    assert conn.next_deadline() == 102.0
    conn.receive_data(vec("pong_empty_libzmq"), 101.2)  # any data disarms the timeout
    assert conn.handle_timer(102.0) == []
    assert conn.data_to_send() == vec("ping_ttl_2000ms_libzmq")
    conn.receive_data(vec("frame_short_hello"), 102.9)  # a message is liveness too
    assert conn.handle_timer(103.0) == []
    assert conn.data_to_send() == vec("ping_ttl_2000ms_libzmq")


def test_ping_without_ttl() -> None:
    conn = handshaken(heartbeat_ivl=0.5)
    conn.handle_timer(0.5)
    assert conn.data_to_send() == vec("ping_no_ttl_libzmq")


@pytest.mark.parametrize(("ttl", "field"), [(0.15, 1), (0.29, 2), (0.3, 3), (6553.5, 65535)])
def test_ttl_rounding_like_libzmq(ttl: float, field: int) -> None:
    conn = handshaken(heartbeat_ivl=1.0, heartbeat_ttl=ttl)
    conn.handle_timer(1.0)
    assert conn.data_to_send() == encode_command_frame(b"\x04PING" + field.to_bytes(2, "big"))


def test_heartbeat_timeout_after_unanswered_ping() -> None:
    conn = handshaken(heartbeat_ivl=1.0, heartbeat_timeout=0.7)
    conn.handle_timer(1.0)
    assert conn.next_deadline() == pytest.approx(1.7)
    assert conn.handle_timer(1.69) == []
    (fail,) = conn.handle_timer(1.7)
    assert isinstance(fail, ConnectionFailed)
    assert not fail.handshake and fail.code == 0 and "heartbeat timeout" in fail.reason


def test_timeout_not_rearmed_by_later_pings() -> None:
    # libzmq arms the timeout timer only if it is not already running
    conn = handshaken(heartbeat_ivl=1.0, heartbeat_timeout=2.5)
    conn.handle_timer(1.0)
    conn.handle_timer(2.0)
    assert conn.data_to_send().count(b"PING") == 2
    assert conn.handle_timer(3.0) == []
    (fail,) = conn.handle_timer(3.5)
    assert isinstance(fail, ConnectionFailed)


def test_zero_timeout_never_fails() -> None:
    conn = handshaken(heartbeat_ivl=1.0, heartbeat_timeout=0.0)
    for t in range(1, 10):
        assert conn.handle_timer(float(t)) == []
    assert conn.data_to_send().count(b"PING") == 9


def test_peer_ping_ttl_arms_timer() -> None:
    conn = handshaken(now=5.0)
    assert conn.next_deadline() is None
    conn.receive_data(vec("ping_ttl_1s_ctx123_sent"), 5.0)  # ttl 10 ds = 1 s
    assert conn.next_deadline() == 6.0
    conn.receive_data(b"\x00", 5.5)  # half a frame is still data: disarms
    assert conn.next_deadline() is None
    conn.receive_data(b"\x00" + encode_command_frame(b"\x04PING\x00\x05"), 5.6)
    assert conn.next_deadline() == pytest.approx(6.1)
    assert conn.handle_timer(6.0) == []
    (fail,) = conn.handle_timer(6.1)
    assert isinstance(fail, ConnectionFailed)
    assert "ttl" in fail.reason and not fail.handshake


def test_peer_ping_without_ttl_arms_nothing() -> None:
    conn = handshaken()
    conn.receive_data(vec("ping_no_ttl_libzmq"), 1.0)
    assert conn.next_deadline() is None
    assert conn.data_to_send() == vec("pong_empty_libzmq")


def test_handle_timer_early_and_often_is_harmless() -> None:
    conn = handshaken(heartbeat_ivl=2.0)
    for t in (0.0, 0.5, 1.0, 1.999):
        assert conn.handle_timer(t) == []
    assert conn.data_to_send() == b""
    assert conn.next_deadline() == 2.0
