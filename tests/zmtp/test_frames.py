"""zmtp/frames.py: encoder, incremental decoder, limits."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.constants import ProtocolError
from purezmq.routing.pipe import Subscription
from purezmq.zmtp import frames as frames_mod
from purezmq.zmtp.frames import (
    DIRECT_BODY_MAX,
    DIRECT_BODY_MIN,
    FLAG_COMMAND,
    FLAG_LONG,
    FLAG_MORE,
    MAX_FRAME_SIZE,
    RUN_CHUNK,
    ZERO_COPY_MIN_SIZE,
    BytesLike,
    FrameDecoder,
    FrameError,
    encode_command_frame,
    encode_frame,
    encode_message,
    encode_message_into,
    encode_messages,
    frame_header,
)
from tests.zmtp.helpers import for_each_chunking, split_at, vec

Item = list[bytes] | bytes


def read_messages(chunks: Sequence[BytesLike], max_frame_size: int = -1) -> list[Item]:
    """Fast-path decode: messages as lists, commands as bytes."""
    dec = FrameDecoder(max_frame_size)
    out: list[Item] = []

    def on_command(body: bytes, sink: list[Item]) -> bool:
        sink.append(body)
        return True

    for chunk in chunks:
        dec.read_messages(chunk, out, list, on_command)
    assert dec.buffered == 0
    assert not dec.in_message
    return out


def engine_read(
    chunks: Sequence[BytesLike], limit: int = -1, out: list[Item] | None = None
) -> tuple[list[Item], FrameDecoder]:
    """What the engine's read_messages call gives (make_message None), commands as
    bytes; into ``out`` if given (it holds what was decoded before an error)."""
    dec = FrameDecoder(limit)
    got: list[Item] = [] if out is None else out

    def on_command(body: bytes, sink: list[Item]) -> bool:
        sink.append(body)
        return True

    for chunk in chunks:
        dec.read_messages(chunk, got, None, on_command)
    return got, dec


def read_frames(chunks: list[bytes]) -> list[tuple[int, bytes]]:
    dec = FrameDecoder()
    out: list[tuple[int, bytes]] = []
    for chunk in chunks:
        dec.read_frames(chunk, out)
    assert dec.buffered == 0
    return out


def next_frames(chunks: list[bytes]) -> list[tuple[int, bytes]]:
    dec = FrameDecoder()
    out: list[tuple[int, bytes]] = []
    for chunk in chunks:
        dec.feed(chunk)
        while (frame := dec.next_frame()) is not None:
            out.append(frame)
    assert dec.buffered == 0
    return out


READERS = [read_messages, read_frames, next_frames]

# --- encoder against libzmq's bytes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("frame_short_hello", b"hello"),
        ("frame_empty", b""),
        ("frame_short_255", b"x" * 255),
        ("frame_long_256", b"y" * 256),
    ],
)
def test_single_frames_match_libzmq(name: str, body: bytes) -> None:
    assert encode_frame(body) == vec(name)
    assert encode_message([body]) == vec(name)
    assert for_each_chunking(vec(name), read_messages) == [[body]]
    assert for_each_chunking(vec(name), read_frames) == [(vec(name)[0], body)]
    assert for_each_chunking(vec(name), next_frames) == [(vec(name)[0], body)]


def test_multipart_matches_libzmq() -> None:
    data = vec("multipart_part1_empty_part3")
    assert encode_message([b"part1", b"", b"part3"]) == data
    assert for_each_chunking(data, read_messages) == [[b"part1", b"", b"part3"]]
    flags = [f for f, _ in for_each_chunking(data, read_frames)]
    assert flags == [FLAG_MORE, FLAG_MORE, 0]


def test_req_request_matches_libzmq() -> None:
    data = vec("req_request_hello_world")
    assert encode_message([b"", b"hello", b"world"]) == data
    assert for_each_chunking(data, read_messages) == [[b"", b"hello", b"world"]]


def test_curve_frames_parse_at_the_frame_layer() -> None:
    # CURVE itself comes later; its captured frames must already decode as frames.
    hello = vec("curve_hello_frame")
    ((flags, body),) = for_each_chunking(hello, next_frames)
    assert flags == FLAG_COMMAND and len(body) == 200 and body.startswith(b"\x05HELLO")
    message = vec("curve_message_client_hello_nonce3_frame")
    # libzmq puts MESSAGE in an ordinary (non-command) frame
    assert for_each_chunking(message, read_frames) == [(0, message[2:])]
    assert message[2:].startswith(b"\x07MESSAGE")


def test_long_header_for_small_body_is_accepted() -> None:
    # libzmq accepts 02 <8-byte 5> hello [OBS 3b]
    data = bytes.fromhex("02000000000000000568656c6c6f")
    assert for_each_chunking(data, read_messages) == [[b"hello"]]


def test_reserved_flag_bits_are_ignored() -> None:
    # libzmq delivered 80 03 abc [OBS 9a]
    data = bytes.fromhex("8003616263") + bytes.fromhex("fd026869") + b"\x00\x01z"
    # fd = reserved bits + COMMAND + MORE: a command (MORE on a command is ignored)
    assert for_each_chunking(data, read_messages) == [[b"abc"], b"hi", [b"z"]]


def test_header_helpers() -> None:
    assert frame_header(0) == b"\x00\x00"
    assert frame_header(255, FLAG_MORE) == b"\x01\xff"
    assert frame_header(3, FLAG_LONG | FLAG_COMMAND) == b"\x04\x03"  # LONG fixed from size
    assert frame_header(256, FLAG_COMMAND) == b"\x06" + (256).to_bytes(8, "big")
    assert frame_header(MAX_FRAME_SIZE)[0] == FLAG_LONG
    assert encode_command_frame(b"\x04PING\x00\x00") == bytes.fromhex("04070450494e470000")
    with pytest.raises(ValueError):
        frame_header(-1)
    with pytest.raises(ValueError):
        frame_header(MAX_FRAME_SIZE + 1)


def test_encode_message_into_zero_copy_for_large_bodies() -> None:
    big = b"B" * ZERO_COPY_MIN_SIZE
    medium = b"m" * 1000
    buf = bytearray()
    pieces: list[bytes] = []
    encode_message_into([b"a", big, medium, bytearray(big)], buf, pieces)
    # the bytes body is handed over as the very same object, not a copy
    assert any(p is big for p in pieces)
    joined = b"".join([*pieces, bytes(buf)])
    assert joined == encode_message([b"a", big, medium, big])
    assert read_messages([joined]) == [[b"a", big, medium, big]]


def test_commands_interleaved_with_multipart() -> None:
    data = b"\x01\x01a" + b"\x04\x02xy" + b"\x00\x01b"
    assert for_each_chunking(data, read_messages) == [b"xy", [b"a", b"b"]]


# --- limits -----------------------------------------------------------------------------------


def test_frame_over_limit_rejected_at_header() -> None:
    dec = FrameDecoder(max_frame_size=10)
    out: list[Item] = []
    ok = b"\x00\x0a" + b"k" * 10
    # only the header of the big frame arrives: it is rejected before its body
    with pytest.raises(FrameError) as info:
        dec.read_messages(ok + b"\x00\x0b", out, list, lambda b, s: True)
    assert out == [[b"k" * 10]]  # earlier messages were delivered
    assert info.value.code == 0
    assert "exceeds" in info.value.reason
    with pytest.raises(FrameError):  # the decoder stays dead
        dec.read_messages(b"", out, list, lambda b, s: True)
    with pytest.raises(FrameError):
        dec.feed(b"x")
    with pytest.raises(FrameError):
        dec.next_frame()
    with pytest.raises(FrameError):
        dec.read_frames(b"", [])


@pytest.mark.parametrize("reader", ["next", "frames", "messages"])
def test_limit_applies_to_every_reader(reader: str) -> None:
    dec = FrameDecoder(max_frame_size=3)
    assert dec.max_frame_size == 3
    data = b"\x04\x03abc" + b"\x02" + (4).to_bytes(8, "big")
    with pytest.raises(FrameError):
        if reader == "next":
            dec.feed(data)
            assert dec.next_frame() == (FLAG_COMMAND, b"abc")
            dec.next_frame()
        elif reader == "frames":
            frames: list[tuple[int, bytes]] = []
            dec.read_frames(data, frames)
        else:
            dec.read_messages(data, [], list, lambda b, s: True)


def test_zero_max_size_allows_only_empty_frames() -> None:
    assert read_messages([b"\x00\x00"], max_frame_size=0) == [[b""]]
    with pytest.raises(FrameError):
        read_messages([b"\x00\x01x"], max_frame_size=0)


def test_huge_announced_length_allocates_nothing() -> None:
    header = b"\x02" + (2**62).to_bytes(8, "big")
    for reader in ("next", "frames", "messages"):
        dec = FrameDecoder()  # unlimited
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            if reader == "next":
                dec.feed(header)
                assert dec.next_frame() is None
            elif reader == "frames":
                frames: list[tuple[int, bytes]] = []
                dec.read_frames(header, frames)
                assert frames == []
            else:
                out: list[Item] = []
                dec.read_messages(header, out, list, lambda b, s: True)
                assert out == []
            dec.read_frames(b"more", []) if reader == "frames" else dec.feed(b"more")
            grown = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        # the decoder holds the 9 header bytes (+4), nothing sized from the length
        assert dec.buffered == len(header) + 4
        assert grown < 64 * 1024


def test_top_bit_length_is_a_protocol_error() -> None:
    header = b"\x02" + (2**63).to_bytes(8, "big")
    with pytest.raises(FrameError) as info:
        read_messages([header])
    assert info.value.code == ProtocolError.ZMTP_UNSPECIFIED
    assert "top bit" in info.value.reason
    # with a limit set, the top bit is still reported as a protocol error
    with pytest.raises(FrameError) as info:
        read_messages([header], max_frame_size=100)
    assert info.value.code == ProtocolError.ZMTP_UNSPECIFIED


def test_partial_input_is_kept_until_complete() -> None:
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(b"\x01\x02a", out, list, lambda b, s: True)
    assert out == [] and dec.buffered == 3
    dec.read_messages(b"b\x00", out, list, lambda b, s: True)
    assert out == [] and dec.in_message and dec.buffered == 1
    dec.read_messages(b"\x00", out, list, lambda b, s: True)
    assert out == [[b"ab", b""]] and dec.buffered == 0


def test_on_command_false_stops_parsing() -> None:
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(b"\x04\x01c\x00\x01m", out, list, lambda b, s: False)
    assert out == []


def test_memoryview_and_bytearray_input() -> None:
    data = vec("multipart_part1_empty_part3")
    assert read_messages([memoryview(data)]) == [[b"part1", b"", b"part3"]]
    assert read_messages([bytearray(data[:3]), memoryview(data)[3:]]) == [[b"part1", b"", b"part3"]]


# --- hypothesis -------------------------------------------------------------------------------

frame_bodies = st.binary(max_size=300)
messages_st = st.lists(st.lists(frame_bodies, min_size=1, max_size=4), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(msgs=messages_st, cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=6))
def test_roundtrip_messages_any_chunking(msgs: list[list[bytes]], cuts: list[int]) -> None:
    data = b"".join(encode_message(m) for m in msgs)
    chunks = split_at(data, cuts)
    assert read_messages(chunks) == msgs
    frames = read_frames(chunks)
    assert [b for _, b in frames] == [f for m in msgs for f in m]


# the engine's own call: make_message None (a loop just for one-short-frame messages)
_stream_items = st.lists(
    st.one_of(
        st.lists(frame_bodies, min_size=1, max_size=3),  # a message
        st.lists(st.binary(max_size=8), min_size=1, max_size=1),  # a one-frame message
        st.binary(min_size=1, max_size=20).map(lambda b: ("cmd", b)),  # a command
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(
    items=_stream_items,
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=6),
    limit=st.sampled_from([-1, 255, 300]),
)
def test_engine_decoding_of_any_stream_any_chunking(
    items: list[object], cuts: list[int], limit: int
) -> None:
    wire = b"".join(
        encode_command_frame(i[1]) if isinstance(i, tuple) else encode_message(i)  # type: ignore[arg-type]
        for i in items
    )
    expected = [i[1] if isinstance(i, tuple) else i for i in items]
    out, dec = engine_read(split_at(wire, cuts), limit)
    assert out == expected
    assert dec.buffered == 0 and not dec.in_message


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=600), flags=st.integers(min_value=0, max_value=255))
def test_roundtrip_single_frame(body: bytes, flags: int) -> None:
    wire = encode_frame(body, flags)
    ((got_flags, got_body),) = next_frames([wire])
    assert got_body == body
    assert got_flags & ~FLAG_LONG == flags & ~FLAG_LONG
    assert bool(got_flags & FLAG_LONG) == (len(body) > 255)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), limit=st.sampled_from([-1, 0, 5, 100]))
def test_fuzz_decoder_only_frames_or_frame_error(data: bytes, limit: int) -> None:
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        dec = FrameDecoder(limit)
        out: list[Item] = []
        try:
            for chunk in chunks:
                dec.read_messages(chunk, out, list, lambda b, s: True)
        except FrameError as exc:
            assert exc.reason
        assert dec.buffered <= len(data)


# --- the bulk encoder of send_messages ---------------------------------------------------

# bodies built from a size (random 8 KiB binaries make hypothesis slow)
_bulk_frames = st.builds(
    lambda n: bytes([n % 251]) * n,
    st.integers(0, 300) | st.integers(ZERO_COPY_MIN_SIZE - 3, ZERO_COPY_MIN_SIZE + 1),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_bulk_frames, min_size=1, max_size=18), min_size=1, max_size=40))
def test_bulk_encoding_equals_one_message_at_a_time(msgs: list[list[bytes]]) -> None:
    encoded = encode_messages(msgs, 1 << 30)
    frames = [f for m in msgs for f in m]
    if any(len(m) > 16 for m in msgs) or any(len(f) >= ZERO_COPY_MIN_SIZE for f in frames):
        assert encoded is None  # left to the per-message path
        return
    assert encoded is not None
    data, cost = encoded
    assert cost == sum(map(len, frames)) + 16 * len(msgs)
    assert data == b"".join(encode_message(m) for m in msgs)


def test_bulk_encoding_declines_what_it_does_not_cover() -> None:
    big = b"x" * ZERO_COPY_MIN_SIZE  # a zero-copy piece of its own
    assert encode_messages([[b"a"], [big]], 1 << 30) is None
    assert encode_messages([[b"a"], []], 1 << 30) is None  # EINVAL, per message
    assert encode_messages([[b"a"] * 17], 1 << 30) is None
    assert encode_messages([[b"abc"]] * 4, 4 * 19 - 1) is None  # past the budget
    assert encode_messages([[b"a"], Subscription(b"t", True)], 1 << 30) is None
    assert encode_messages([[b"a"], ["text"]], 1 << 30) is None  # type: ignore[list-item]
    assert encode_messages([[b"abc"]] * 4, 4 * 19) == (encode_message([b"abc"]) * 4, 4 * 19)


def test_bulk_encoding_of_one_frame_messages_queued_as_their_bytes() -> None:
    # Pipe.bare_frames: `frame` stands for `[frame]`, all bare or among lists
    bare = [b"", b"a", b"x" * 255, b"y" * 256, b"z" * (ZERO_COPY_MIN_SIZE - 1)]
    as_lists = [[f] for f in bare]
    assert encode_messages(bare, 1 << 30) == encode_messages(as_lists, 1 << 30)  # type: ignore[arg-type]
    mixed = [b"a", [b"b", b"c"], b"d", [b"e"]]
    expected = b"".join(encode_message(m if type(m) is list else [m]) for m in mixed)  # type: ignore[list-item]
    assert encode_messages(mixed, 1 << 30) == (expected, 5 + 4 * 16)
    assert encode_messages([b"a", b"x" * ZERO_COPY_MIN_SIZE], 1 << 30) is None
    assert encode_messages([b"a", Subscription(b"t", True)], 1 << 30) is None
    assert encode_messages([b"abc"] * 4, 4 * 19 - 1) is None  # past the budget
    assert encode_messages([b"abc"] * 4, 4 * 19) == (encode_message([b"abc"]) * 4, 4 * 19)


# --- large bodies read in place ------------------------------------------------------------


def _direct_read(dec: FrameDecoder, data: bytes, out: list[Item], step: int) -> None:
    """Feed ``data`` as an engine does: into body_target() while a body is pending,
    through read_messages() otherwise."""
    view = memoryview(data)
    while view:
        target = dec.body_target()
        if target is None:
            dec.read_messages(view[:step], out, list, lambda b, s: s.append(b) or True)
            view = view[step:]
        else:
            n = min(len(target), len(view), step)
            target[:n] = view[:n]
            dec.body_received(n, out, list)
            view = view[n:]


def test_a_large_body_is_read_into_its_own_buffer() -> None:
    big = bytes(range(256)) * 1000  # 256,000 bytes: past DIRECT_BODY_MIN
    msgs = [[b"head", big, b"tail"], [b"next"]]
    data = b"".join(encode_message(m) for m in msgs)
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(data[:1000], out, list, lambda b, s: True)
    target = dec.body_target()
    assert target is not None and out == [] and dec.in_message
    assert len(target) == len(big) - (1000 - 6 - 9)  # "head" frame, then a long header
    assert dec.buffered == 1000 - 6 - 9
    _direct_read(dec, data[1000:], out, 70000)
    assert out == msgs
    assert dec.buffered == 0 and not dec.in_message and dec.body_target() is None


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(
        st.sampled_from([0, 7, DIRECT_BODY_MIN - 1, DIRECT_BODY_MIN, 100_000]),
        min_size=1,
        max_size=6,
    ),
    more=st.lists(st.booleans(), min_size=6, max_size=6),
    step=st.sampled_from([1000, 65536, 200_000]),
    direct=st.booleans(),
)
def test_large_bodies_any_chunking_either_way(
    sizes: list[int], more: list[bool], step: int, direct: bool
) -> None:
    """Read in place or through read_messages, in any chunk size: the same messages."""
    msgs: list[list[bytes]] = [[]]
    for i, n in enumerate(sizes):
        msgs[-1].append(bytes([i]) * n)
        if not more[i] or i == len(sizes) - 1:
            msgs.append([])
    msgs.pop()
    data = b"".join(encode_message(m) for m in msgs)
    if direct:
        dec = FrameDecoder()
        out: list[Item] = []
        _direct_read(dec, data, out, step)
        assert dec.buffered == 0 and not dec.in_message
    else:
        out = read_messages(split_at(data, list(range(step, len(data), step))))
    assert out == msgs


def test_in_place_bodies_are_capped_and_never_commands() -> None:
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(frame_header(DIRECT_BODY_MAX + 1) + b"x", out, list, lambda b, s: True)
    assert dec.body_target() is None and dec.buffered == 10  # buffered as it arrives
    cmd = FrameDecoder()
    header = frame_header(DIRECT_BODY_MIN, FLAG_COMMAND)
    cmd.read_messages(header + b"x", out, list, lambda b, s: True)
    assert cmd.body_target() is None
    with pytest.raises(ValueError):
        cmd.body_received(1, out)
    big = FrameDecoder()
    big.read_messages(frame_header(DIRECT_BODY_MIN) + b"x", out, list, lambda b, s: True)
    target = big.body_target()
    assert target is not None
    with pytest.raises(ValueError):
        big.body_received(len(target) + 1, out)


def test_a_body_buffer_is_reused_while_large_frames_keep_coming() -> None:
    """A fresh large allocation costs page faults: the next large frame of a similar
    size reuses the last body's buffer; small traffic lets it go."""
    big = encode_message([b"a" * 100_000])
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(big[:1000], out, list, lambda b, s: True)
    first = dec.body_target()
    assert first is not None
    _direct_read(dec, big[1000:] + big[:1000], out, 1 << 20)  # the next one begins
    second = dec.body_target()
    assert second is not None and second.obj is first.obj  # the same buffer again
    _direct_read(dec, big[1000:], out, 1 << 20)
    assert out == [[b"a" * 100_000]] * 2
    assert out[0][0] is not out[1][0]  # each message its own bytes, not the buffer
    dec.read_messages(encode_message([b"small"]), out, list, lambda b, s: True)
    assert dec._spare is None


@pytest.mark.parametrize("cut", [1, 5, 8])
def test_a_large_frame_whose_header_straddles_two_reads(cut: int) -> None:
    big = bytes(range(256)) * 400  # 102,400 bytes: read in place once the header is whole
    data = encode_message([big]) + encode_message([b"after"])
    dec = FrameDecoder()
    out: list[Item] = []
    dec.read_messages(data[:cut], out, list, lambda b, s: True)
    assert dec.body_target() is None  # the header is not complete yet
    dec.read_messages(data[cut:20], out, list, lambda b, s: True)
    assert dec.body_target() is not None
    _direct_read(dec, data[20:], out, 30000)
    assert out == [[big], [b"after"]] and dec.buffered == 0


def test_a_frame_over_the_in_place_limit_is_appended_to_not_reparsed() -> None:
    """Above DIRECT_BODY_MAX a body is buffered as it arrives; each read only appends."""
    body = b"z" * (DIRECT_BODY_MAX + 1000)
    data = encode_message([body])
    dec = FrameDecoder()
    out: list[Item] = []
    for i in range(0, len(data), 65536):
        dec.read_messages(data[i : i + 65536], out, list, lambda b, s: True)
    assert out == [[body]] and dec.buffered == 0


# --- runs of equal-size messages (the engine's read path, _read_run) ----------------------


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every run the decoder took at once (0: looked, found none)."""
    taken: list[int] = []
    real = frames_mod._read_run

    def counting(*args: Any) -> tuple[int, int]:
        got = real(*args)
        taken.append(got[1])
        return got

    monkeypatch.setattr(frames_mod, "_read_run", counting)
    return taken


def _long_header(size: int) -> bytes:
    """A frame header with the 8-byte size whatever ``size`` (libzmq's encoder uses it
    only above 255 bytes; a decoder must take it for any size)."""
    return bytes([FLAG_LONG]) + size.to_bytes(8, "big")


def _numbered(count: int, size: int) -> list[list[bytes]]:
    """``count`` one-frame messages of ``size`` bytes, each with different contents."""
    return [[(i.to_bytes(4, "big") * (size // 4 + 1))[:size]] for i in range(count)]


@pytest.mark.parametrize("size", [0, 1, 16, 255, 256, 1000])
def test_a_run_of_equal_size_messages_is_taken_at_once(size: int, runs: list[int]) -> None:
    msgs = _numbered(3 * RUN_CHUNK + 7, size)  # scanned in chunks: three whole, one part
    out, dec = engine_read([b"".join(map(encode_message, msgs))])
    assert out == msgs and dec.buffered == 0
    assert runs == [len(msgs)]


def test_a_run_ends_at_a_frame_of_another_size_and_the_next_run_is_found(
    runs: list[int],
) -> None:
    msgs = _numbered(100, 16) + [[b"y" * 17]] + _numbered(100, 16) + [[b"z" * 300]]
    msgs += _numbered(40, 300)
    out, _ = engine_read([b"".join(map(encode_message, msgs))])
    assert out == msgs
    # the frame that ends a run is read on its own; the next run is looked for after it
    assert runs == [100, 100, 40]


def test_a_short_run_stops_the_looking(runs: list[int]) -> None:
    # runs shorter than RUN_MIN_FRAMES: after the first, the rest are read frame by frame
    msgs = [m for i in range(40) for m in _numbered(8, 16 + i % 2)]
    out, _ = engine_read([b"".join(map(encode_message, msgs))])
    assert out == msgs
    assert runs == [8]


def test_a_run_stops_at_a_multipart_message_or_a_command() -> None:
    wire = b"".join(map(encode_message, _numbered(50, 16)))
    wire += encode_message([b"a", b"b" * 16]) + encode_command_frame(b"\x04PING")
    wire += b"".join(map(encode_message, _numbered(50, 16)))
    out, _ = engine_read([wire])
    assert out == [*_numbered(50, 16), [b"a", b"b" * 16], b"\x04PING", *_numbered(50, 16)]


def test_a_run_ends_where_a_read_ends_and_goes_on_in_the_next() -> None:
    msgs = _numbered(200, 256)
    wire = b"".join(map(encode_message, msgs))
    for cut in (1, 9, 100, 265 * 100 + 3, len(wire) - 1):
        out, dec = engine_read([wire[:cut], wire[cut:]])
        assert out == msgs and dec.buffered == 0, cut


def test_long_headers_for_small_bodies_make_a_run_of_their_own(runs: list[int]) -> None:
    # a peer may use the 8-byte size for any body: the same bytes in every header count
    long_small = b"".join(_long_header(10) + b"%010d" % i for i in range(100))
    short = b"".join(map(encode_message, _numbered(100, 10)))
    out, _ = engine_read([long_small + short])
    assert out == [[b"%010d" % i] for i in range(100)] + _numbered(100, 10)
    assert runs == [100, 99]  # the first short frame ended the run, and is read alone


def test_a_frame_over_the_limit_after_a_run_fails_after_the_run() -> None:
    wire = b"".join(map(encode_message, _numbered(100, 16)))
    dec = FrameDecoder(100)
    out: list[Item] = []
    with pytest.raises(FrameError):
        dec.read_messages(wire + encode_message([b"x" * 101]), out, None, lambda b, s: True)
    assert out == _numbered(100, 16)


def test_a_run_of_frames_over_the_limit_is_not_taken() -> None:
    dec = FrameDecoder(15)
    out: list[Item] = []
    with pytest.raises(FrameError):
        dec.read_messages(b"".join(map(encode_message, _numbered(100, 16))), out, None, bool)
    assert out == []


_run_groups = st.lists(
    st.tuples(
        st.sampled_from(["run", "multipart", "command", "long header"]),
        st.sampled_from([0, 3, 16, 255, 256, 700]),
        st.integers(1, 300),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(
    groups=_run_groups,
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=4),
    limit=st.sampled_from([-1, 255, 300]),
)
def test_streams_of_runs_any_chunking(
    groups: list[tuple[str, int, int]], cuts: list[int], limit: int
) -> None:
    wire = b""
    expected: list[Item] = []
    for kind, size, count in groups:
        if kind == "run":
            msgs = _numbered(count, size)
            wire += b"".join(map(encode_message, msgs))
            expected += msgs
        elif kind == "multipart":
            wire += encode_message([b"m", b"x" * size])
            expected.append([b"m", b"x" * size])
        elif kind == "command":
            wire += encode_command_frame(b"\x04PING" + b"c" * (size % 50))
            expected.append(b"\x04PING" + b"c" * (size % 50))
        else:
            wire += _long_header(size) + b"L" * size
            expected.append([b"L" * size])
    out: list[Item] = []
    try:
        _, dec = engine_read(split_at(wire, cuts), limit, out)
    except FrameError:
        # a frame over the limit: everything before it was delivered, in order
        assert limit >= 0
        assert out == expected[: len(out)]
        assert len(expected[len(out)][-1]) > limit  # type: ignore[arg-type]
        return
    assert out == expected
    assert dec.buffered == 0 and not dec.in_message
