"""zmtp/timers.py: deadline bookkeeping as pure functions of now."""

from __future__ import annotations

import pytest

from purezmq.constants import Errno
from purezmq.error import ZMQError
from purezmq.zmtp.timers import MAX_HEARTBEAT_TTL, ConnectionTimers, Due, ping_ttl_field


def test_lifecycle() -> None:
    t = ConnectionTimers(heartbeat_ivl=1.0, handshake_ivl=5.0, now=10.0)
    assert t.heartbeat_timeout == 1.0  # defaults to the interval, like libzmq
    assert t.next_deadline() == 15.0
    assert t.due(14.9) is None
    assert t.due(15.0) is Due.HANDSHAKE
    t.handshake_done(11.0)
    assert t.next_deadline() == 12.0
    assert t.due(12.0) is Due.PING
    t.ping_sent(12.0)
    assert (t.ping, t.timeout) == (13.0, 13.0)
    assert t.due(13.0) is Due.TIMEOUT  # the timeout wins over the next PING
    t.data_received()
    assert t.due(13.0) is Due.PING
    t.ping_received(5, 13.0)
    assert t.ttl == 13.5
    t.ping_received(0, 13.2)  # ttl 0 arms nothing
    assert t.ttl == 13.5
    t.ping_sent(13.0)
    assert t.due(13.5) is Due.TTL
    t.clear()
    assert t.next_deadline() is None and t.due(1e9) is None


def test_no_heartbeat_no_handshake_limit() -> None:
    t = ConnectionTimers(heartbeat_ivl=0.0, handshake_ivl=0.0)
    assert t.next_deadline() is None
    t.handshake_done(1.0)
    assert t.next_deadline() is None


def test_zero_timeout_disables_it() -> None:
    t = ConnectionTimers(heartbeat_ivl=1.0, heartbeat_timeout=0.0)
    t.handshake_done(0.0)
    t.ping_sent(1.0)
    assert t.timeout is None


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
@pytest.mark.parametrize("arg", ["heartbeat_ivl", "heartbeat_timeout", "handshake_ivl"])
def test_bad_durations(arg: str, bad: float) -> None:
    with pytest.raises(ZMQError) as info:
        ConnectionTimers(**{arg: bad})
    assert info.value.errno == Errno.EINVAL


def test_ping_ttl_field() -> None:
    assert ping_ttl_field(2.0) == 20
    assert ping_ttl_field(0.0) == 0
    assert ping_ttl_field(0.099) == 0
    assert ping_ttl_field(MAX_HEARTBEAT_TTL) == 0xFFFF
    for bad in (-0.1, MAX_HEARTBEAT_TTL + 0.1, float("nan")):
        with pytest.raises(ZMQError):
            ping_ttl_field(bad)
