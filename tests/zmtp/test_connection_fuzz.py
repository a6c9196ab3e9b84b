"""Adversarial input: whatever the peer sends, ``receive_data`` only returns events, and
after a terminal event (ConnectionFailed, ErrorReceived) it returns nothing more
(ARCHITECTURE.md habit 6)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.zmtp import (
    ConnectionFailed,
    ErrorReceived,
    Event,
    HandshakeComplete,
    MessageReceived,
    NullMechanism,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.frames import frame_header
from tests.zmtp.helpers import greeting, peer_ready, split_at

ALLOWED = (HandshakeComplete, MessageReceived, ErrorReceived, ConnectionFailed, ZapRequest)
TERMINAL = (ErrorReceived, ConnectionFailed)


def check(conn: ZMTPConnection, chunks: list[bytes], now: float = 0.0) -> list[Event]:
    seen: list[Event] = []
    ended = False
    for i, chunk in enumerate(chunks):
        events = conn.receive_data(chunk, now + i * 0.01)
        assert all(isinstance(e, ALLOWED) for e in events), events
        if ended:
            assert events == []
        if any(isinstance(e, TERMINAL) for e in events):
            assert isinstance(events[-1], TERMINAL)
            assert sum(isinstance(e, TERMINAL) for e in events) == 1
            ended = True
            assert conn.closed
        seen += events
        conn.data_to_send()
    for t in (1.0, 100.0):
        events = conn.handle_timer(t)
        assert all(isinstance(e, ALLOWED) for e in events)
        assert not (ended and events)
    return seen


cuts_st = st.lists(st.integers(min_value=0, max_value=10_000), max_size=8)

# Building blocks a hostile peer would mix: real commands, odd flags, lying lengths.
piece = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"\x04\x07\x04PING\x00\x05",
            b"\x04\x05\x04PONG",
            b"\x04\x0a\x09SUBSCRIBE",
            b"\x04\x07\x06CANCEL",
            b"\x04\x0a\x05ERROR\x03400",
            b"\x04\x09\x5eRROR\x03400",
            b"\x04\x06\x05READY",
            b"\x04\x00",
            b"\x01\x00",
            b"\x00\x00",
            b"\x02" + (2**62).to_bytes(8, "big"),
            b"\x06" + b"\xff" * 8,
        ]
    ),
    st.tuples(st.integers(0, 255), st.binary(max_size=300)).map(
        lambda fb: frame_header(len(fb[1]), fb[0]) + fb[1]
    ),
)
stream_st = st.lists(piece, max_size=12).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200), cuts=cuts_st)
def test_fuzz_from_the_first_byte(data: bytes, cuts: list[int]) -> None:
    check(ZMTPConnection("DEALER"), split_at(data, cuts))


@settings(max_examples=200, deadline=None)
@given(data=stream_st, cuts=cuts_st, zap=st.booleans())
def test_fuzz_handshake_after_a_valid_greeting(data: bytes, cuts: list[int], zap: bool) -> None:
    conn = ZMTPConnection("DEALER", mechanism=NullMechanism(zap=zap), max_msg_size=200)
    events = check(conn, split_at(greeting() + data, cuts))
    if zap and events and isinstance(events[0], ZapRequest) and not conn.closed:
        for event in conn.zap_reply("200"):
            assert isinstance(event, ALLOWED)


@settings(max_examples=250, deadline=None)
@given(data=stream_st, cuts=cuts_st, minor=st.sampled_from([0, 1]))
def test_fuzz_traffic_after_a_valid_handshake(data: bytes, cuts: list[int], minor: int) -> None:
    conn = ZMTPConnection("XPUB", heartbeat_ivl=0.5, max_msg_size=250)
    events = check(conn, split_at(greeting(minor=minor) + peer_ready("SUB") + data, cuts))
    assert isinstance(events[0], HandshakeComplete)
    assert events[0].minor_version == minor


@settings(max_examples=250, deadline=None)
@given(data=stream_st, cuts=cuts_st, minor=st.sampled_from([0, 1]))
def test_fuzz_receive_into_agrees_with_receive_data(
    data: bytes, cuts: list[int], minor: int
) -> None:
    """The engine's read path (messages appended to a list) gives the same messages,
    the same other events, in the same order, and the same output as receive_data."""
    wire = greeting(minor=minor) + peer_ready("SUB") + data
    chunks = split_at(wire, cuts)
    ref = ZMTPConnection("XPUB", heartbeat_ivl=0.5, max_msg_size=250)
    sink = ZMTPConnection("XPUB", heartbeat_ivl=0.5, max_msg_size=250)
    want_msgs: list[list[bytes]] = []
    want_other: list[Event] = []
    got_msgs: list[list[bytes]] = []
    got_other: list[Event] = []
    for i, chunk in enumerate(chunks):
        for e in ref.receive_data(chunk, i * 0.01):
            if isinstance(e, MessageReceived):
                want_msgs.append(e.frames)
            else:
                want_other.append(e)
        for e in sink.receive_into(chunk, i * 0.01, got_msgs):
            assert not isinstance(e, MessageReceived)
            got_other.append(e)
        assert got_msgs == want_msgs and got_other == want_other
        assert sink.data_to_send() == ref.data_to_send()
    assert sink.closed == ref.closed
