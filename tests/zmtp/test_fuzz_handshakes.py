"""Fuzz the frame decoder, the greeting parser and every mechanism's handshake.

``test_connection_fuzz.py`` throws random pieces at a NULL connection; this file goes
deeper. For each mechanism and role (NULL, NULL+ZAP, PLAIN client and server, CURVE
client and server, CURVE server with ZAP) it records the bytes a real peer sends in a
complete exchange (greeting, handshake, then traffic: messages, a long frame, a PING,
subscriptions), with deterministic randomness so the target's CURVE keys and cookies are
the same every run. Each example replays a *valid prefix* of that transcript, then
mutated bytes (flips, insertions, deletions, garbage), at an arbitrary chunking, with
ZAP answers and timer calls drawn by the fuzzer. That reaches every handshake step, not
only the first command.

Invariants (ARCHITECTURE.md habit 6):

* nothing raises out of ``receive_data``, ``handle_timer`` or ``zap_reply``;
* only events are returned; a failure carries a documented code (a ProtocolError value,
  0 for a timeout or local limit, or a ZAP status code);
* after a terminal event (ConnectionFailed, ErrorReceived) nothing more is returned;
* the decoder never holds more than it was given (no peer-sized allocation);
* an unmutated prefix never fails and yields exactly the transcript's messages so far.

The same ``run_*`` functions are driven for millions of inputs by ``tools/fuzz_long.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("nacl")

from purezmq.constants import ProtocolError  # noqa: E402
from purezmq.zmtp import (  # noqa: E402
    ConnectionFailed,
    ErrorReceived,
    Event,
    HandshakeComplete,
    Mechanism,
    MessageReceived,
    NullMechanism,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.frames import FLAG_COMMAND, FLAG_MORE, FrameDecoder, FrameError  # noqa: E402
from purezmq.zmtp.greeting import (  # noqa: E402
    GREETING_SIZE,
    Greeting,
    GreetingError,
    encode_greeting,
    encode_mechanism_name,
)
from purezmq.zmtp.mechanisms.curve import (  # noqa: E402
    CurveClientMechanism,
    CurveServerMechanism,
    curve_keypair,
)
from purezmq.zmtp.mechanisms.plain import (  # noqa: E402
    PlainClientMechanism,
    PlainServerMechanism,
)

ALLOWED = (HandshakeComplete, MessageReceived, ErrorReceived, ConnectionFailed, ZapRequest)
TERMINAL = (ErrorReceived, ConnectionFailed)
#: Every code a ConnectionFailed may carry: a ProtocolError, 0 (timeouts, max_msg_size),
#: or a ZAP status code (auth failures).
DOCUMENTED_CODES = frozenset({0, 300, 400, 500} | {int(c) for c in ProtocolError})
ZAP_CODES = ("200", "200", "200", "300", "400", "500", "999")

RandomBytes = Callable[[int], bytes]


def seeded(seed: int) -> RandomBytes:
    """A deterministic randomness source: the same keys and cookies on every replay."""
    rng = random.Random(seed)
    return rng.randbytes


_SERVER_PUBLIC, _SERVER_SECRET = curve_keypair()
_CLIENT_PUBLIC, _CLIENT_SECRET = curve_keypair()


@dataclass(frozen=True)
class Scenario:
    """A target connection and the peer whose bytes it is fed."""

    name: str
    target_type: str
    peer_type: str
    target: Callable[[RandomBytes], Mechanism]
    peer: Callable[[RandomBytes], Mechanism]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("null", "XPUB", "SUB", lambda r: NullMechanism(), lambda r: NullMechanism()),
        Scenario(
            "null_zap",
            "ROUTER",
            "DEALER",
            lambda r: NullMechanism(zap=True),
            lambda r: NullMechanism(),
        ),
        Scenario(
            "plain_server",
            "PULL",
            "PUSH",
            lambda r: PlainServerMechanism(),
            lambda r: PlainClientMechanism(b"admin", b"secret"),
        ),
        Scenario(
            "plain_client",
            "PUSH",
            "PULL",
            lambda r: PlainClientMechanism(b"admin", b"secret"),
            lambda r: PlainServerMechanism(),
        ),
        Scenario(
            "curve_server",
            "REP",
            "REQ",
            lambda r: CurveServerMechanism(_SERVER_PUBLIC, _SERVER_SECRET, random_bytes=r),
            lambda r: CurveClientMechanism(
                _CLIENT_PUBLIC, _CLIENT_SECRET, _SERVER_PUBLIC, random_bytes=r
            ),
        ),
        Scenario(
            "curve_server_zap",
            "SUB",
            "PUB",
            lambda r: CurveServerMechanism(
                _SERVER_PUBLIC, _SERVER_SECRET, zap=True, random_bytes=r
            ),
            lambda r: CurveClientMechanism(
                _CLIENT_PUBLIC, _CLIENT_SECRET, _SERVER_PUBLIC, random_bytes=r
            ),
        ),
        Scenario(
            "curve_client",
            "DEALER",
            "ROUTER",
            lambda r: CurveClientMechanism(
                _CLIENT_PUBLIC, _CLIENT_SECRET, _SERVER_PUBLIC, random_bytes=r
            ),
            lambda r: CurveServerMechanism(_SERVER_PUBLIC, _SERVER_SECRET, random_bytes=r),
        ),
    )
}
TARGET_SEED = 1
PEER_SEED = 2


def make_target(scenario: Scenario) -> ZMTPConnection:
    """A fresh target connection (same randomness as when the transcript was recorded)."""
    return ZMTPConnection(
        scenario.target_type,
        mechanism=scenario.target(seeded(TARGET_SEED)),
        routing_id=b"target",
        max_msg_size=1000,
    )


@dataclass(frozen=True)
class Transcript:
    """Everything the peer sent in one good exchange, and what the target received."""

    wire: bytes
    messages: list[list[bytes]]
    #: Offsets in ``wire`` where the peer waited for the target's answer: a real peer
    #: sends nothing past them earlier (no data before READY, no INITIATE before WELCOME).
    turns: tuple[int, ...]
    #: Offset of every frame's first byte (after the 64-byte greeting), so mutations can
    #: aim at a given field of a given command.
    frame_starts: tuple[int, ...]
    #: Where the handshake ends in ``wire`` (traffic follows).
    handshake_end: int


def _answer_zap(conn: ZMTPConnection, events: list[Event]) -> list[Event]:
    if any(isinstance(e, ZapRequest) for e in events) and not conn.closed:
        events = events + conn.zap_reply("200", b"user")
    return events


@cache
def transcript(name: str) -> Transcript:
    """Record a complete handshake plus traffic between a target and a real peer."""
    scenario = SCENARIOS[name]
    target = make_target(scenario)
    peer = ZMTPConnection(
        scenario.peer_type,
        mechanism=scenario.peer(seeded(PEER_SEED)),
        routing_id=b"peer" if scenario.peer_type in ("REQ", "DEALER", "ROUTER") else b"",
        heartbeat_ivl=1.0,
    )
    wire = bytearray()
    turns: list[int] = []
    got: list[Event] = []

    def shuttle() -> None:
        for _ in range(10):
            to_target = peer.data_to_send()
            to_peer = target.data_to_send()
            if not to_target and not to_peer:
                return
            wire.extend(to_target)
            turns.append(len(wire))
            got.extend(_answer_zap(target, target.receive_data(to_target, 0.0)))
            _answer_zap(peer, peer.receive_data(to_peer, 0.0))

    shuttle()
    assert target.handshake_complete and peer.handshake_complete, (name, got)
    handshake_end = len(wire)
    if scenario.peer_type == "SUB":
        peer.send_subscribe(b"topic", True)
        peer.send_subscribe(b"topic", False)
    elif scenario.peer_type in ("REQ", "DEALER", "ROUTER"):
        # REQ/REP and ROUTER/DEALER traffic carries an envelope delimiter.
        peer.send_message([b"", b"request"])
    peer.send_message([b"hello"])
    peer.send_message([b"multi", b"part", b""])
    peer.send_message([bytes(range(256)) * 2])  # a LONG header
    peer.handle_timer(5.0)  # a PING, answered with PONG
    peer.send_message([b"last"])
    shuttle()
    expected = [e.frames for e in got if isinstance(e, MessageReceived)]
    assert not [e for e in got if isinstance(e, TERMINAL)], got
    assert expected and expected[-1] == [b"last"], expected
    starts = [0, GREETING_SIZE]
    decoder = FrameDecoder()
    decoder.feed(bytes(wire[GREETING_SIZE:]))
    while (frame := decoder.next_frame()) is not None:
        body = frame[1]
        starts.append(starts[-1] + (2 if len(body) < 256 else 9) + len(body))
    assert starts[-1] == len(wire)
    return Transcript(bytes(wire), expected, tuple(turns), tuple(starts), handshake_end)


# --- the checks shared with tools/fuzz_long.py --------------------------------------------


class Checker:
    """Feeds one connection and asserts the invariants on every call's events."""

    def __init__(self, conn: ZMTPConnection, zap_codes: Sequence[str] = ("200",)) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self.ended = False
        self.fed = 0
        self.zap_codes = list(zap_codes) or ["200"]
        self.zap_index = 0

    def _check(self, events: list[Event]) -> None:
        assert all(isinstance(e, ALLOWED) for e in events), events
        if self.ended:
            assert events == [], events
        terminal = [e for e in events if isinstance(e, TERMINAL)]
        if terminal:
            assert len(terminal) == 1 and events[-1] is terminal[0], events
            assert self.conn.closed
            self.ended = True
            failure = terminal[0]
            if isinstance(failure, ConnectionFailed):
                assert failure.code in DOCUMENTED_CODES, failure
                assert isinstance(failure.reason, str) and failure.reason
        for e in events:
            if isinstance(e, MessageReceived):
                assert e.frames and all(isinstance(f, bytes) for f in e.frames)
        # Memory: the decoder never holds more than the peer actually sent.
        assert self.conn._decoder.buffered <= self.fed  # noqa: SLF001
        self.events += events

    def feed(self, chunk: bytes, now: float) -> None:
        self.fed += len(chunk)
        events = self.conn.receive_data(chunk, now)
        self._check(events)
        if any(isinstance(e, ZapRequest) for e in events) and not self.conn.closed:
            code = self.zap_codes[self.zap_index % len(self.zap_codes)]
            self.zap_index += 1
            self._check(self.conn.zap_reply(code, b"user", {"X-Fuzz": b"1"}, now))
        self.conn.data_to_send()

    def timer(self, now: float) -> None:
        self._check(self.conn.handle_timer(now))
        self.conn.data_to_send()

    def finish(self) -> None:
        """After the input: late timers (handshake timeout) also end cleanly."""
        for now in (40.0, 1000.0):
            self.timer(now)
        completes = [e for e in self.events if isinstance(e, HandshakeComplete)]
        assert len(completes) <= 1
        if self.events and any(isinstance(e, MessageReceived) for e in self.events):
            first = next(e for e in self.events if not isinstance(e, ZapRequest))
            assert isinstance(first, HandshakeComplete), self.events


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (modulo its length, deduplicated, sorted)."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


Mutation = tuple[int, int, bytes]  # (kind, offset, bytes)


def mutate(tail: bytes, mutations: Sequence[Mutation]) -> bytes:
    """Apply flips (0), insertions (1), deletions (2), overwrites (3), truncation (4)."""
    buf = bytearray(tail)
    for kind, offset, blob in mutations:
        at = offset % (len(buf) + 1)
        if kind == 0 and buf and at < len(buf):
            buf[at] ^= blob[0] if blob else 0xFF
        elif kind == 1:
            buf[at:at] = blob
        elif kind == 2:
            del buf[at : at + 1 + len(blob)]
        elif kind == 3:
            buf[at : at + len(blob)] = blob
        elif kind == 4:
            del buf[at:]
    return bytes(buf)


def run_handshake(
    name: str,
    prefix: int,
    mutations: Sequence[Mutation],
    garbage: bytes,
    cuts: Sequence[int],
    zap_codes: Sequence[str],
    timers: Sequence[int],
    at_frame: bool = False,
) -> None:
    """One fuzz input for a mechanism scenario: a valid prefix of the transcript, the
    rest mutated, garbage appended; timers are fired after the chunks they index.

    With ``at_frame`` the prefix ends inside a chosen frame: ``prefix`` picks the frame
    (modulo their number) and, divided by that number, an offset of 0..15 into it, so
    mutations land on a given command's header, name or first field.
    """
    good = transcript(name)
    wire = good.wire
    if at_frame:
        starts = good.frame_starts
        prefix = min(starts[prefix % len(starts)] + (prefix // len(starts)) % 16, len(wire))
    prefix %= len(wire) + 1
    clean = not mutations and not garbage
    data = wire[:prefix] + mutate(wire[prefix:], mutations) + garbage
    if clean:
        # The real peer's pace: a chunk never runs past the point where it waited.
        cuts = [*cuts, *good.turns]
    chunks = split(data, cuts)
    checker = Checker(make_target(SCENARIOS[name]), zap_codes)
    fire = {t % (len(chunks) + 1) for t in timers}
    for i, chunk in enumerate(chunks):
        checker.feed(chunk, i * 0.01)
        if i in fire:
            checker.timer(i * 0.01 + 0.005)
    if clean and all(c == "200" for c in zap_codes[:1]):
        # A valid prefix (as the first ZAP answer approves the peer) never fails and
        # delivers exactly the transcript's messages so far.
        assert not [e for e in checker.events if isinstance(e, TERMINAL)], checker.events
        got = [e.frames for e in checker.events if isinstance(e, MessageReceived)]
        assert got == good.messages[: len(got)]
        if prefix == len(wire):
            assert got == good.messages
    checker.finish()


def run_frames(data: bytes, cuts: Sequence[int], limit: int) -> None:
    """The three decoder readers agree on any input and any chunking; each either yields
    frames or raises FrameError, holds no more than it was fed, and stays dead after an
    error."""
    chunks = split(data, cuts)
    reference: list[tuple[int, bytes]] = []
    ref_error = False
    dec = FrameDecoder(limit)
    try:
        for chunk in chunks:
            dec.feed(chunk)
            while (frame := dec.next_frame()) is not None:
                reference.append(frame)
            assert dec.buffered <= len(data)
    except FrameError as exc:
        ref_error = True
        assert exc.code in DOCUMENTED_CODES
        with pytest.raises(FrameError):
            dec.next_frame()

    frames: list[tuple[int, bytes]] = []
    dec = FrameDecoder(limit)
    error = False
    try:
        for chunk in chunks:
            dec.read_frames(chunk, frames)
            assert dec.buffered <= len(data)
    except FrameError:
        error = True
        with pytest.raises(FrameError):
            dec.read_frames(b"", [])
    assert (frames, error) == (reference, ref_error)

    # read_messages: commands at their place, messages assembled from MORE.
    expected: list[object] = []
    parts: list[bytes] = []
    for flags, body in reference:
        if flags & FLAG_COMMAND:
            expected.append(("cmd", body))
        else:
            parts.append(body)
            if not flags & FLAG_MORE:
                expected.append(("msg", parts))
                parts = []
    out: list[object] = []

    def on_command(body: bytes, sink: list[object]) -> bool:
        sink.append(("cmd", body))
        return True

    dec = FrameDecoder(limit)
    error = False
    try:
        for chunk in chunks:
            dec.read_messages(chunk, out, lambda p: ("msg", p), on_command)
    except FrameError:
        error = True
    assert (out, error) == (expected, ref_error)


def run_greeting(
    ours: bytes, theirs: bytes, minor: int, mutations: Sequence[Mutation], cuts: Sequence[int]
) -> None:
    """Greeting.receive accepts exactly the greetings the RFC says, at any chunking,
    consumes at most 64 bytes, and sends our two late stages exactly once each."""
    data = mutate(encode_greeting(theirs, False, 0, minor), mutations)
    greeting = Greeting(ours)
    consumed = 0
    sent = b""
    error = False
    for chunk in split(data, cuts):
        try:
            n, out = greeting.receive(chunk)
        except GreetingError as exc:
            assert exc.code in DOCUMENTED_CODES
            error = True
            break
        assert 0 <= n <= len(chunk)
        consumed += n
        sent += out
        if greeting.done:
            assert greeting.receive(b"more") == (0, b"")
    seen = data[:GREETING_SIZE]
    bad = (
        (len(seen) >= 1 and seen[0] != 0xFF)
        or (len(seen) >= 10 and not seen[9] & 1)
        or (len(seen) >= 11 and seen[10] < 3)
        or (len(seen) == GREETING_SIZE and seen[12:32] != encode_mechanism_name(ours))
    )
    assert error == bad, (data.hex(), error)
    if not error:
        assert consumed == len(seen)
        assert greeting.done == (len(seen) == GREETING_SIZE)
        # our major byte after the peer's signature, the rest after its major byte
        assert sent == encode_greeting(ours)[10 : 10 + (len(seen) >= 10) + 53 * (len(seen) >= 11)]


# --- hypothesis (bounded for CI) ------------------------------------------------------------

# Offsets mostly near the prefix's end (the next field), sometimes anywhere after it.
offset_st = st.one_of(st.integers(0, 16), st.integers(0, 1 << 16))
mutation_st = st.tuples(st.integers(0, 4), offset_st, st.binary(max_size=12))
cuts_st = st.lists(st.integers(0, 1 << 16), max_size=6)
zap_st = st.lists(st.sampled_from(ZAP_CODES), min_size=1, max_size=2)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_transcript_replays_cleanly(name: str) -> None:
    """The oracle itself: the whole transcript, whole and byte by byte, is accepted."""
    wire = transcript(name).wire
    run_handshake(name, len(wire), [], b"", [], ["200"], [])
    run_handshake(name, len(wire), [], b"", list(range(1, len(wire), 7)), ["200"], [])


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_byte_of_the_handshake_flipped(name: str) -> None:
    """Exhaustive, deterministic: each handshake byte the peer sends, flipped two ways
    (all bits, low bit), the stream fed whole and split at the flip."""
    good = transcript(name)
    for at in range(good.handshake_end):
        for xor in (0xFF, 0x01):
            run_handshake(name, at, [(0, 0, bytes((xor,)))], b"", [], ["200"], [])
            run_handshake(name, at, [(0, 0, bytes((xor,)))], b"", [at, at + 1], ["200"], [])


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@FUZZ
@given(
    prefix=st.integers(0, 1 << 16),
    mutations=st.lists(mutation_st, max_size=3),
    garbage=st.binary(max_size=40),
    cuts=cuts_st,
    zap_codes=zap_st,
    timers=st.lists(st.integers(0, 10), max_size=2),
    at_frame=st.booleans(),
)
def test_fuzz_handshake_prefix_then_mutation(
    name: str,
    prefix: int,
    mutations: list[Mutation],
    garbage: bytes,
    cuts: list[int],
    zap_codes: list[str],
    timers: list[int],
    at_frame: bool,
) -> None:
    run_handshake(name, prefix, mutations, garbage, cuts, zap_codes, timers, at_frame)


_frame_piece = st.one_of(
    st.binary(max_size=30),
    st.tuples(st.integers(0, 255), st.binary(max_size=300)).map(
        lambda fb: bytes((fb[0] & ~2, len(fb[1]) & 0xFF)) + fb[1][: len(fb[1]) & 0xFF]
    ),
    st.tuples(st.integers(0, 255), st.integers(0, (1 << 64) - 1), st.binary(max_size=40)).map(
        lambda f: bytes((f[0] | 2,)) + f[1].to_bytes(8, "big") + f[2]
    ),
    st.sampled_from([b"\x02" + (2**62).to_bytes(8, "big"), b"\x06" + b"\xff" * 8]),
)


@FUZZ
@given(
    data=st.lists(_frame_piece, max_size=8).map(b"".join),
    cuts=cuts_st,
    limit=st.sampled_from([-1, 0, 1, 255, 256, 1000]),
)
def test_fuzz_frame_decoder_readers_agree(data: bytes, cuts: list[int], limit: int) -> None:
    run_frames(data, cuts, limit)


@FUZZ
@given(
    ours=st.sampled_from([b"NULL", b"PLAIN", b"CURVE"]),
    theirs=st.sampled_from([b"NULL", b"PLAIN", b"CURVE", b"NULL\x00X", b"GSSAPI"]),
    minor=st.integers(0, 255),
    mutations=st.lists(mutation_st, max_size=3),
    cuts=cuts_st,
)
def test_fuzz_greeting_valid_then_mutated(
    ours: bytes, theirs: bytes, minor: int, mutations: list[Mutation], cuts: list[int]
) -> None:
    run_greeting(ours, theirs, minor, mutations, cuts)
