"""zmtp/connection.py: handshake, traffic, refusals and local misuse (timers and fuzzing
live in their own files)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from typing import Any

import pytest

from purezmq.constants import Errno, ProtocolError, SocketType
from purezmq.error import ZMQError
from purezmq.zmtp import (
    ConnectionFailed,
    ErrorReceived,
    HandshakeComplete,
    MessageReceived,
    NullMechanism,
    Phase,
    ProtocolStateError,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_properties, encode_ready
from purezmq.zmtp.connection import MAX_HANDSHAKE_COMMAND_SIZE
from purezmq.zmtp.frames import ZERO_COPY_MIN_SIZE, encode_command_frame, encode_message
from tests.zmtp.helpers import (
    chunkings,
    failures,
    feed,
    for_each_chunking,
    greeting,
    handshaken,
    messages,
    peer_ready,
    pump,
    vec,
)

LIBZMQ_GREETING = vec("greeting_full_null_v31_libzmq")
PAIRS = [("DEALER", "ROUTER"), ("REQ", "REP"), ("PUSH", "PULL"), ("PUB", "SUB"), ("PAIR", "PAIR")]

# --- what we send ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "socket_type",
    ["PAIR", "PUB", "SUB", "XPUB", "XSUB", "PUSH", "PULL", "REQ", "REP", "DEALER", "ROUTER"],
)
def test_our_bytes_equal_libzmq_stage_by_stage(socket_type: str) -> None:
    conn = ZMTPConnection(socket_type)
    assert conn.phase is Phase.GREETING
    assert conn.data_to_send() == vec("greeting_signature_libzmq_no_routing_id")
    assert conn.data_to_send() == b""
    assert conn.receive_data(LIBZMQ_GREETING[:10], 0.0) == []
    assert conn.data_to_send() == vec("greeting_major_libzmq")
    assert conn.receive_data(LIBZMQ_GREETING[10:11], 0.0) == []
    assert conn.data_to_send() == vec("greeting_rest_null_v31_libzmq")
    assert conn.receive_data(LIBZMQ_GREETING[11:], 0.0) == []
    # READY goes out as soon as the greetings are done, before the peer's
    assert conn.phase.value == "handshake"
    assert conn.data_to_send() == vec(f"ready_{socket_type.lower()}")


def test_routing_id_padding_and_identity() -> None:
    conn = ZMTPConnection("DEALER", routing_id=b"abc")
    assert conn.data_to_send() == vec("greeting_signature_libzmq_routing_id_abc")
    conn = ZMTPConnection(SocketType.DEALER, routing_id=b"id-DEALER", metadata={"X-Foo": b"bar"})
    conn.receive_data(LIBZMQ_GREETING, 0.0)
    out = conn.data_to_send()
    assert out.endswith(
        encode_command_frame(encode_ready("DEALER", b"id-DEALER", {"X-Foo": b"bar"}))
    )
    conn = ZMTPConnection("DEALER", metadata={"X-Foo": b"bar"})
    conn.receive_data(LIBZMQ_GREETING, 0.0)
    assert conn.data_to_send().endswith(vec("ready_dealer_with_X-Foo_bar"))


# --- what we accept from libzmq ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "name", "peer_type", "identity"),
    [
        ("PAIR", "ready_pair", "PAIR", None),
        ("SUB", "ready_pub", "PUB", None),
        ("PUB", "ready_sub", "SUB", None),
        ("SUB", "ready_xpub", "XPUB", None),
        ("XPUB", "ready_xsub", "XSUB", None),
        ("PULL", "ready_push", "PUSH", None),
        ("PUSH", "ready_pull", "PULL", None),
        ("REP", "ready_req", "REQ", b""),
        ("REQ", "ready_rep", "REP", None),
        ("ROUTER", "ready_dealer", "DEALER", b""),
        ("DEALER", "ready_router", "ROUTER", b""),
        ("ROUTER", "ready_dealer_identity_id-DEALER", "DEALER", b"id-DEALER"),
        ("ROUTER", "ready_dealer_with_X-Foo_bar", "DEALER", b""),
        ("PULL", "plain_ready_pull_libzmq", "PULL", None),  # NULL READY bytes are the same
    ],
)
def test_libzmq_ready_completes_handshake(
    local: str, name: str, peer_type: str, identity: bytes | None
) -> None:
    if name == "plain_ready_pull_libzmq":
        local = "PUSH"
    data = LIBZMQ_GREETING + vec(name)

    def run(chunks: list[bytes]) -> list[object]:
        conn = ZMTPConnection(local)
        return list(feed(conn, chunks))

    (event,) = for_each_chunking(data, run)
    assert isinstance(event, HandshakeComplete)
    assert event.socket_type == peer_type
    assert event.identity == (identity or b"")
    assert event.minor_version == 1
    assert event.properties["Socket-Type"] == peer_type.encode()
    assert ("Identity" in event.properties) == (identity is not None)
    if name.endswith("X-Foo_bar"):
        assert event.properties["X-Foo"] == b"bar"


def test_whole_libzmq_stream_any_chunking() -> None:
    stream = (
        LIBZMQ_GREETING
        + vec("ready_push")
        + vec("frame_short_hello")
        + vec("frame_empty")
        + vec("multipart_part1_empty_part3")
        + vec("frame_long_256")
        + vec("ping_no_ttl_libzmq")
        + vec("frame_short_255")
    )

    def run(chunks: list[bytes]) -> tuple[list[object], bytes]:
        conn = ZMTPConnection("PULL")
        events = feed(conn, chunks)
        out = conn.data_to_send()
        names: list[object] = [type(e).__name__ for e in events]
        return names + list(messages(events)), out[-7:]

    result, tail = for_each_chunking(stream, run)
    assert result == [
        "HandshakeComplete",
        "MessageReceived",
        "MessageReceived",
        "MessageReceived",
        "MessageReceived",
        "MessageReceived",
        [b"hello"],
        [b""],
        [b"part1", b"", b"part3"],
        [b"y" * 256],
        [b"x" * 255],
    ]
    assert tail == vec("pong_empty_libzmq")  # the PING was answered


def test_zmtp_3_0_peer() -> None:
    conn = ZMTPConnection("SUB")
    events = conn.receive_data(vec("greeting_full_null_v30") + vec("ready_pub"), 0.0)
    assert conn.peer_minor_version == 0
    (event,) = events
    assert isinstance(event, HandshakeComplete) and event.minor_version == 0
    conn.data_to_send()
    conn.send_subscribe(b"topic", True)
    assert conn.data_to_send() == vec("subscribe_topic_v30")
    conn.send_subscribe(b"", True)
    assert conn.data_to_send() == vec("subscribe_all_v30")
    conn.send_subscribe(b"topic", False)
    assert conn.data_to_send() == vec("cancel_topic_v30")


def test_zmtp_3_1_peer_gets_subscription_commands() -> None:
    conn = handshaken("SUB", "PUB")
    assert conn.peer_minor_version == 1
    conn.send_subscribe(b"topic", True)
    conn.send_subscribe(b"", True)
    conn.send_subscribe(b"topic", False)
    assert conn.data_to_send() == (
        vec("subscribe_topic_v31") + vec("subscribe_all_v31") + vec("cancel_topic_v31")
    )


def test_subscriptions_received_in_both_forms() -> None:
    stream = (
        vec("subscribe_topic_v31")
        + vec("subscribe_all_v31")
        + vec("cancel_topic_v31")
        + vec("subscribe_topic_v30")
        + vec("cancel_topic_v30")
    )

    def run(chunks: list[bytes]) -> list[list[bytes]]:
        return messages(feed(handshaken("XPUB", "SUB"), chunks))

    assert for_each_chunking(stream, run) == [
        [b"\x01topic"],
        [b"\x01"],
        [b"\x00topic"],
        [b"\x01topic"],
        [b"\x00topic"],
    ]


# --- back to back ------------------------------------------------------------------------------


@pytest.mark.parametrize(("left", "right"), PAIRS)
def test_back_to_back_handshake_and_messages(left: str, right: str) -> None:
    a = ZMTPConnection(left, routing_id=b"A-id", metadata={"X-Side": b"a"})
    b = ZMTPConnection(right)
    ea, eb = pump(a, b)
    (ha,) = ea
    (hb,) = eb
    assert isinstance(ha, HandshakeComplete) and isinstance(hb, HandshakeComplete)
    assert ha.socket_type == right and hb.socket_type == left
    assert hb.properties["X-Side"] == b"a"
    if left in ("REQ", "DEALER", "ROUTER"):
        assert hb.identity == b"A-id"
    assert a.handshake_complete and b.handshake_complete
    big = bytes(range(256)) * 300
    a.send_message([b"one"])
    a.send_message([b"", b"two", big])
    b.send_message([big[:300], b""])
    ea, eb = pump(a, b)
    assert messages(eb) == [[b"one"], [b"", b"two", big]]
    assert messages(ea) == [[big[:300], b""]]


def test_back_to_back_subscriptions() -> None:
    pub = ZMTPConnection("XPUB")
    sub = ZMTPConnection("SUB")
    pump(pub, sub)
    sub.send_subscribe(b"news", True)
    sub.send_subscribe(b"news", False)
    ep, _ = pump(pub, sub)
    assert messages(ep) == [[b"\x01news"], [b"\x00news"]]


def test_take_output_is_zero_copy_and_matches_data_to_send() -> None:
    a, b = handshaken("DEALER", "ROUTER"), handshaken("DEALER", "ROUTER")
    big = b"Z" * ZERO_COPY_MIN_SIZE * 2
    a.send_message([b"head", big, b"tail"])
    b.send_message([b"head", big, b"tail"])
    pieces = a.take_output()
    assert any(p is big for p in pieces)
    assert a.take_output() == [] and not a.has_output
    assert b.has_output
    assert b"".join(pieces) == b.data_to_send() == encode_message([b"head", big, b"tail"])


# --- refusals -----------------------------------------------------------------------------------


def only_failure(events: Sequence[object]) -> ConnectionFailed:
    assert len(events) == 1, events
    (event,) = events
    assert isinstance(event, ConnectionFailed)
    return event


@pytest.mark.parametrize("peer_type", ["PUSH", "PUB", "push", "STREAM", "BOGUS"])
def test_socket_type_mismatch_fails_without_error(peer_type: str) -> None:
    conn = ZMTPConnection("PUSH")
    conn.receive_data(LIBZMQ_GREETING, 0.0)
    conn.data_to_send()
    ready = encode_command_frame(
        b"\x05READY" + encode_properties([("Socket-Type", peer_type.encode())])
    )
    fail = only_failure(conn.receive_data(ready, 0.0))
    assert fail.code == ProtocolError.ZMTP_INVALID_METADATA
    assert fail.handshake and not fail.auth
    assert conn.data_to_send() == b""  # no ERROR, like libzmq
    assert conn.closed and conn.receive_data(vec("ready_pull"), 0.0) == []


def test_missing_socket_type_is_accepted_and_names_match_case_insensitively() -> None:
    conn = ZMTPConnection("PUSH")
    (event,) = conn.receive_data(LIBZMQ_GREETING + encode_command_frame(b"\x05READY"), 0.0)
    assert isinstance(event, HandshakeComplete) and event.socket_type == ""
    conn = ZMTPConnection("PUSH")
    ready = b"\x05READY" + encode_properties([("socket-type", b"PULL"), ("IDENTITY", b"me")])
    (event,) = conn.receive_data(LIBZMQ_GREETING + encode_command_frame(ready), 0.0)
    assert isinstance(event, HandshakeComplete)
    assert (event.socket_type, event.identity) == ("PULL", b"me")


def test_mechanism_mismatch() -> None:
    conn = ZMTPConnection("PUSH")
    fail = only_failure(conn.receive_data(vec("greeting_full_plain_server_libzmq"), 0.0))
    assert fail.code == ProtocolError.ZMTP_MECHANISM_MISMATCH and fail.handshake


def test_zmtp_2_0_is_refused() -> None:
    conn = ZMTPConnection("SUB")
    data = vec("greeting_signature_libzmq_no_routing_id") + b"\x01\x01\x00\x00"
    fail = only_failure(conn.receive_data(data, 0.0))
    assert "ZMTP 2.0 peers are not supported" in fail.reason
    # only our signature went out: nothing after a refusal
    assert conn.data_to_send() == vec("greeting_signature_libzmq_no_routing_id")


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"\x01\x00\x06\x00hello",  # a ZMTP 1.0 peer: refused, never guessed
        b"\xff" + bytes(8) + b"\x00",
    ],
)
def test_garbage_is_refused_not_taken_for_zmtp_1_0(garbage: bytes) -> None:
    for _, chunks in chunkings(garbage):
        conn = ZMTPConnection("PULL")
        fail = only_failure(feed(conn, chunks))
        assert "not a ZMTP 3.x peer" in fail.reason and fail.handshake
        assert conn.receive_data(b"more", 1.0) == []
        assert conn.next_deadline() is None


def test_message_frame_before_ready_fails() -> None:
    conn = ZMTPConnection("PULL")
    fail = only_failure(conn.receive_data(LIBZMQ_GREETING + vec("frame_short_hello"), 0.0))
    assert fail.code == ProtocolError.ZMTP_UNEXPECTED_COMMAND and fail.handshake


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (vec("ping_no_ttl_libzmq"), ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (vec("subscribe_all_v31"), ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (encode_command_frame(b"\x09READ"), ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
        (encode_command_frame(b""), ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED),
        (encode_command_frame(b"\x05READY\x03abc"), ProtocolError.ZMTP_INVALID_METADATA),
        (vec("ready_push") + vec("ready_push"), ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (encode_command_frame(b"\x05ERROR\x09"), ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR),
    ],
)
def test_bad_handshake_commands(command: bytes, code: int) -> None:
    # a ZAP-enabled NULL delays our READY, so even a second READY arrives mid-handshake
    conn = ZMTPConnection("PULL", mechanism=NullMechanism(zap=True))
    events = conn.receive_data(LIBZMQ_GREETING + command, 0.0)
    (fail,) = failures(events)
    assert fail.code == code and fail.handshake


@pytest.mark.parametrize("name", ["null_error_400_libzmq", "plain_error_400_libzmq_MALFORMED"])
def test_error_during_handshake(name: str) -> None:
    def run(chunks: list[bytes]) -> list[object]:
        conn = ZMTPConnection("PUSH")
        events = feed(conn, chunks)
        assert conn.closed and conn.next_deadline() is None
        return list(events)

    assert for_each_chunking(LIBZMQ_GREETING + vec(name), run) == [ErrorReceived("400")]


def test_after_handshake_ignored_commands() -> None:
    conn = handshaken("PULL", "PUSH")
    stream = (
        encode_command_frame(b"\x06FOOBAR123")
        + vec("ready_push")
        + vec("pong_ctx123_libzmq")
        + vec("null_error_400_libzmq")
        + encode_command_frame(b"\x00")
        + vec("frame_short_hello")
    )
    events = conn.receive_data(stream, 0.0)
    assert messages(events) == [[b"hello"]] and len(events) == 1
    assert conn.data_to_send() == b""


@pytest.mark.parametrize(
    "command", [encode_command_frame(b""), encode_command_frame(b"\x07FOO"), b"\x04\x05\x04PING"]
)
def test_after_handshake_malformed_commands_fail(command: bytes) -> None:
    conn = handshaken("PULL", "PUSH")
    events = conn.receive_data(vec("frame_short_hello") + command + vec("frame_empty"), 0.0)
    assert messages(events) == [[b"hello"]]
    (fail,) = failures(events)
    assert fail.code == ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED
    assert not fail.handshake


def test_ping_answered_with_pong_context_truncated() -> None:
    conn = handshaken("PULL", "PUSH")
    assert conn.receive_data(vec("ping_ttl_1s_ctx123_sent"), 0.0) == []
    assert conn.data_to_send() == vec("pong_ctx123_libzmq")
    conn.receive_data(encode_command_frame(b"\x04PING\x00\x00" + bytes(range(19))), 0.0)
    assert conn.data_to_send() == encode_command_frame(b"\x04PONG" + bytes(range(16)))


def test_frame_over_max_msg_size() -> None:
    conn = handshaken("PULL", "PUSH", max_msg_size=255)
    assert conn.max_msg_size == 255
    events = conn.receive_data(vec("frame_short_255") + vec("frame_long_256")[:9], 0.0)
    assert messages(events) == [[b"x" * 255]]
    (fail,) = failures(events)
    assert not fail.handshake and "exceeds" in fail.reason


def test_max_msg_size_applies_to_handshake_commands_too() -> None:
    conn = ZMTPConnection("PULL", max_msg_size=10)
    fail = only_failure(conn.receive_data(LIBZMQ_GREETING + vec("ready_push"), 0.0))
    assert fail.handshake


def test_handshake_command_size_is_bounded() -> None:
    conn = ZMTPConnection("PULL")
    header = b"\x06" + (MAX_HANDSHAKE_COMMAND_SIZE + 1).to_bytes(8, "big")
    fail = only_failure(conn.receive_data(LIBZMQ_GREETING + header, 0.0))
    assert fail.handshake and "exceeds" in fail.reason


def test_huge_length_after_handshake_allocates_nothing() -> None:
    conn = handshaken("PULL", "PUSH")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert conn.receive_data(b"\x02" + (2**62).to_bytes(8, "big") + b"abc", 0.0) == []
        grown = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024
    assert not conn.closed
    fail = only_failure(handshaken("PULL", "PUSH").receive_data(b"\x06" + b"\xff" * 8, 0.0))
    assert fail.code == ProtocolError.ZMTP_UNSPECIFIED and "top bit" in fail.reason


# --- local misuse --------------------------------------------------------------------------------


def test_local_misuse_raises() -> None:
    conn = ZMTPConnection("DEALER")
    with pytest.raises(ProtocolStateError) as info:
        conn.send_message([b"early"])
    assert info.value.errno == Errno.EFSM
    with pytest.raises(ProtocolStateError):
        conn.send_subscribe(b"x", True)
    with pytest.raises(ProtocolStateError):
        conn.zap_reply("200")
    conn = handshaken()
    with pytest.raises(ZMQError) as zinfo:
        conn.send_message([])
    assert zinfo.value.errno == Errno.EINVAL
    conn.close()
    assert conn.closed and conn.phase is Phase.CLOSED
    with pytest.raises(ProtocolStateError):
        conn.send_message([b"late"])
    assert conn.handle_timer(100.0) == []
    assert conn.zap_reply("200") == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"socket_type": "STREAM"},
        {"socket_type": "nope"},
        {"socket_type": 99},
        {"routing_id": b"x" * 256},
        {"metadata": {"bad name": b""}},
        {"metadata": {"Socket-Type": b"PUB"}},
        {"metadata": {"X-Ok": "not bytes"}},
        {"heartbeat_ivl": -1.0},
        {"heartbeat_ivl": float("nan")},
        {"handshake_ivl": float("inf")},
        {"heartbeat_ttl": 6553.6},
        {"heartbeat_timeout": -0.5},
        {"max_msg_size": -2},
    ],
)
def test_bad_arguments_raise_einval(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"socket_type": "DEALER", **kwargs}
    with pytest.raises(ZMQError) as info:
        ZMTPConnection(**args)  # type: ignore[arg-type]
    assert info.value.errno == Errno.EINVAL


def test_mechanism_object_serves_one_connection() -> None:
    mech = NullMechanism()
    a = ZMTPConnection("PAIR", mechanism=mech)
    assert a.mechanism is mech and a.socket_type == "PAIR"
    pump(a, ZMTPConnection("PAIR"))
    with pytest.raises(ProtocolStateError):
        ZMTPConnection("PAIR", mechanism=mech)


def test_phase_table() -> None:
    conn = ZMTPConnection("PAIR")
    seen = [conn.phase]
    conn.receive_data(greeting(), 0.0)
    seen.append(conn.phase)
    conn.receive_data(peer_ready("PAIR"), 0.0)
    seen.append(conn.phase)
    conn.close()
    seen.append(conn.phase)
    assert seen == [Phase.GREETING, Phase.HANDSHAKE, Phase.TRAFFIC, Phase.CLOSED]
    assert conn.receive_data(b"", 0.0) == []


def test_empty_data_is_a_no_op() -> None:
    conn = handshaken(heartbeat_ivl=1.0)
    conn.handle_timer(1.0)
    deadline = conn.next_deadline()
    assert conn.receive_data(b"", 1.5) == []
    assert conn.next_deadline() == deadline


def test_message_received_is_a_slotted_dataclass() -> None:
    event = MessageReceived([b"x"])
    with pytest.raises(AttributeError):
        event.other = 1  # type: ignore[attr-defined]


class _Sub:
    """A subscription as the routing layer queues it (duck-typed by send_messages)."""

    def __init__(self, topic: bytes, subscribe: bool) -> None:
        self.topic = topic
        self.subscribe = subscribe


def _batch_queue() -> list[object]:
    return [
        [b"one"],
        [b""],
        [b"a", b"", b"c" * 300],
        [b"x" * 255],
        [b"y" * 256],
        [b"z" * 70000],  # past ZERO_COPY_MIN_SIZE: its own piece
        _Sub(b"topic", True),
        _Sub(b"topic", False),
        (b"t", b"uple"),
    ]


@pytest.mark.parametrize("minor", [0, 1])
def test_send_messages_encodes_a_queue_as_send_message_would(minor: int) -> None:
    """The engine's batched flush gives the very bytes of one call per message."""
    from collections import deque

    one = handshaken("SUB", "PUB", minor=minor)
    for item in _batch_queue():
        if isinstance(item, _Sub):
            one.send_subscribe(item.topic, item.subscribe)
        else:
            one.send_message(list(item))  # type: ignore[call-overload]
    batch = handshaken("SUB", "PUB", minor=minor)
    q: deque[object] = deque(_batch_queue())
    left = batch.send_messages(q, 1 << 30)
    assert not q and left < 1 << 30
    assert batch.data_to_send() == one.data_to_send()


@pytest.mark.parametrize("minor", [0, 1])
def test_one_frame_messages_queued_as_their_bytes_encode_as_lists_would(minor: int) -> None:
    """Pipe.bare_frames: ``frame`` in the queue is the message ``[frame]``, alone, in a
    bulk run, or among lists and subscriptions (then the run is encoded as lists)."""
    from collections import deque

    bare = [b"", b"one", b"x" * 255, b"y" * 256, b"z" * 70000]
    runs: list[list[object]] = [
        bare,  # a run that is too short for the bulk path, a zero-copy frame in it
        [b"%d" % i for i in range(40)],  # all bare: the bulk path's bare case
        [b"m%d" % i if i % 2 else [b"l%d" % i] for i in range(40)],  # bare among lists
        [b"a", [b"b", b"c"], b"d" * 300, _Sub(b"t", True), b"e"],  # a subscription too
    ]
    for run in runs:
        one = handshaken("SUB", "PUB", minor=minor)
        for item in run:
            if isinstance(item, _Sub):
                one.send_subscribe(item.topic, item.subscribe)
            else:
                one.send_message(item if type(item) is list else [item])  # type: ignore[list-item]
        batch = handshaken("SUB", "PUB", minor=minor)
        q: deque[object] = deque(run)
        while q:
            batch.send_messages(q, 1 << 20)
        assert batch.data_to_send() == one.data_to_send()


def test_bare_frames_count_against_the_budget() -> None:
    from collections import deque

    conn = handshaken()
    q: deque[object] = deque(b"%03d" % i for i in range(100))
    left = conn.send_messages(q, 10 * 19)  # ten messages of 3 bytes (+16) fit exactly
    assert left == 0 and len(q) == 90
    q2: deque[object] = deque([b"x" * 100] * 5)
    conn.send_messages(q2, 250)  # two messages of 116 each fit, the third starts
    assert len(q2) == 2


def test_send_messages_stops_at_the_budget_and_keeps_the_rest() -> None:
    from collections import deque

    conn = handshaken()
    q: deque[object] = deque([b"%d" % i + b"x" * 100] for i in range(10))
    conn.send_messages(q, 250)  # two messages of 117 budget each fit, the third starts
    assert len(q) == 7
    peer = handshaken("ROUTER", "DEALER")
    got = messages(peer.receive_data(conn.data_to_send(), 0.0))
    assert [m[0][:1] for m in got] == [b"0", b"1", b"2"]


@pytest.mark.parametrize("minor", [0, 1])
def test_send_messages_bulk_path_gives_the_same_bytes_in_the_same_order(minor: int) -> None:
    """A run the bulk path declines (it holds a subscription or a large frame) is
    encoded one message at a time, order kept (bulk runs taken: the test below)."""
    from collections import deque

    small = [[b"m%d" % i] for i in range(20)] + [[b"a", b"", b"b" * 300] for _ in range(10)]
    items: list[object] = [*small, _Sub(b"t", True), *small, [b"z" * 70000], *small]
    one = handshaken("SUB", "PUB", minor=minor)
    for item in items:
        if isinstance(item, _Sub):
            one.send_subscribe(item.topic, item.subscribe)
        else:
            one.send_message(item)  # type: ignore[arg-type]
    batch = handshaken("SUB", "PUB", minor=minor)
    q: deque[object] = deque(items)
    while q:
        batch.send_messages(q, 1 << 20)
    assert batch.data_to_send() == one.data_to_send()


@pytest.mark.parametrize("minor", [0, 1])
def test_bulk_runs_and_queued_output_keep_their_order(
    minor: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk run's bytes are a piece of their own, not copied into the output buffer:
    whatever that buffer holds (a command, a subscription, a message encoded alone) is
    written before them, and what comes after them stays after."""
    from collections import deque

    from purezmq.zmtp import connection

    bulk_runs: list[int] = []
    real = connection.encode_messages

    def counting(msgs: list[Any], budget: int) -> tuple[bytes, int] | None:
        encoded = real(msgs, budget)
        if encoded is not None:
            bulk_runs.append(len(msgs))
        return encoded

    monkeypatch.setattr(connection, "encode_messages", counting)
    runs = [[[b"r%d-%d" % (r, i)] for i in range(10)] for r in range(3)]
    one = handshaken("SUB", "PUB", minor=minor)
    batch = handshaken("SUB", "PUB", minor=minor)
    for conn, bulk in ((one, False), (batch, True)):
        for r, run in enumerate(runs):
            if bulk:
                conn.send_messages(deque(run), 1 << 20)
            else:
                for m in run:
                    conn.send_message(m)
            if r == 0:
                conn.send_subscribe(b"t", True)  # queued between two runs
            elif r == 1:
                conn.send_message([b"alone", b"z" * 70000])  # a zero-copy piece too
    assert bulk_runs == [10, 10, 10]
    assert batch.data_to_send() == one.data_to_send()


def test_send_messages_bulk_path_keeps_the_budget() -> None:
    from collections import deque

    conn = handshaken()
    q: deque[object] = deque([b"%03d" % i] for i in range(100))
    left = conn.send_messages(q, 10 * 19)  # ten messages of 3 bytes (+16) fit exactly
    assert left == 0 and len(q) == 90
    peer = handshaken("ROUTER", "DEALER")
    got = messages(peer.receive_data(conn.data_to_send(), 0.0))
    assert [m[0] for m in got] == [b"%03d" % i for i in range(10)]


def test_send_messages_refuses_an_empty_message_and_before_the_handshake() -> None:
    from collections import deque

    conn = handshaken()
    with pytest.raises(ZMQError):
        conn.send_messages(deque([[]]), 100)
    fresh = ZMTPConnection("DEALER", now=0.0)
    with pytest.raises(ProtocolStateError):
        fresh.send_messages(deque([[b"x"]]), 100)


def _wire_traffic() -> bytes:
    ping = encode_command_frame(b"\x04PING\x00\x00ctx")
    sub = encode_command_frame(b"\x09SUBSCRIBE" + b"news")
    cancel = encode_command_frame(b"\x06CANCEL" + b"old")
    return (
        encode_message([b"a"])
        + ping
        + encode_message([b"b", b"", b"c" * 300])
        + sub
        + cancel
        + encode_message([b"d"])
    )


def test_receive_into_gives_what_receive_data_gives_at_every_chunking() -> None:
    """The engine's read path: the same messages (subscriptions included) in the same
    order as the events of receive_data, and the same output (PONG), at any chunking."""
    reference = handshaken("PUB", "SUB")
    want = messages(reference.receive_data(_wire_traffic(), 0.0))
    want_out = reference.data_to_send()
    assert want == [[b"a"], [b"b", b"", b"c" * 300], [b"\x01news"], [b"\x00old"], [b"d"]]

    def run(chunks: list[bytes]) -> None:
        conn = handshaken("PUB", "SUB")
        out: list[list[bytes]] = []
        for chunk in chunks:
            assert conn.receive_into(chunk, 0.0, out) == []
        assert out == want
        assert conn.data_to_send() == want_out

    for_each_chunking(_wire_traffic(), run)


def test_receive_into_during_the_handshake_returns_events_first() -> None:
    conn = ZMTPConnection("DEALER", now=0.0)
    out: list[list[bytes]] = []
    events = conn.receive_into(
        greeting() + peer_ready("ROUTER") + encode_message([b"early"]), 0.0, out
    )
    assert [type(e) for e in events] == [HandshakeComplete]
    assert out == [[b"early"]]


def test_receive_into_keeps_messages_before_a_failure() -> None:
    conn = handshaken(max_msg_size=100)
    out: list[list[bytes]] = []
    events = conn.receive_into(encode_message([b"ok"]) + encode_message([b"x" * 101]), 0.0, out)
    assert out == [[b"ok"]]
    assert [type(e) for e in events] == [ConnectionFailed]
    bad_cmd = handshaken()
    out = []
    events = bad_cmd.receive_into(encode_message([b"ok"]) + b"\x04\x00", 0.0, out)
    assert out == [[b"ok"]] and [type(e) for e in events] == [ConnectionFailed]
    assert bad_cmd.receive_into(encode_message([b"late"]), 0.0, out) == []
    assert out == [[b"ok"]]
