"""ZMTP 3.x framing: flags, short and long sizes, multipart assembly (RFC 23, RFC 37).

Wire layout of one frame::

    flags(1) | size (1 byte if LONG is clear, 8 bytes big-endian if LONG is set) | body

The encoder writes a short header whenever the body fits in one size byte, exactly like
libzmq (a 255-byte body is ``00 ff``, a 256-byte body ``02 00 00 00 00 00 00 01 00``).

The decoder is incremental and accepts any chunking. It parses every complete frame that
is buffered in one pass. The traffic path (:meth:`FrameDecoder.read_messages`) parses a
``bytes`` copy of each read (indexing and slicing bytes is the cheapest per frame: one
allocation per body), and touches a partial frame kept from an earlier read only to
append to it until it is complete. Like libzmq it accepts a LONG header for a small body
and ignores the reserved flag bits.
A frame larger than the limit is rejected as soon as its header is seen, before any of
its body is kept. A large message frame whose body is still arriving gets a buffer of
its own (:data:`DIRECT_BODY_MIN` to :data:`DIRECT_BODY_MAX` bytes), which the engine's
reads fill directly (:meth:`FrameDecoder.body_target`): this is the only allocation
made from a peer-announced length, and it is capped.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from itertools import chain
from operator import add, itemgetter
from typing import Any, TypeAlias, TypeVar

from purezmq.constants import ProtocolError
from purezmq.zmtp.errors import ZMTPProtocolError

__all__ = [
    "DIRECT_BODY_MAX",
    "DIRECT_BODY_MIN",
    "FLAG_COMMAND",
    "FLAG_LONG",
    "FLAG_MORE",
    "LONG_HEADER_SIZE",
    "MAX_FRAME_SIZE",
    "MAX_SHORT_SIZE",
    "SHORT_HEADER_SIZE",
    "ZERO_COPY_MIN_SIZE",
    "BytesLike",
    "FrameDecoder",
    "FrameError",
    "encode_command_frame",
    "encode_frame",
    "encode_message",
    "encode_message_into",
    "encode_messages",
    "frame_header",
]

#: Flag bit 0 (RFC 23): more frames of this message follow.
FLAG_MORE = 0x01
#: Flag bit 1 (RFC 23): the size field is 8 bytes instead of 1.
FLAG_LONG = 0x02
#: Flag bit 2 (RFC 23): this frame is a command, not message data.
FLAG_COMMAND = 0x04

#: Largest body a short header can describe; libzmq only uses LONG above it [OBS].
MAX_SHORT_SIZE = 255
#: RFC 23: the 64-bit size is unsigned but its top bit must be clear; a size with the top
#: bit set is a protocol error whatever max_msg_size says.
MAX_FRAME_SIZE = (1 << 63) - 1
#: flags + 1 size byte.
SHORT_HEADER_SIZE = 2
#: flags + 8 size bytes.
LONG_HEADER_SIZE = 9
#: Bodies at least this large are queued for output as separate pieces instead of being
#: copied into the coalescing buffer: below it one copy is cheaper than one more item in
#: the transport's write list, above it we keep the "never copy a large frame" rule
#: (ARCHITECTURE.md "Fast paths").
ZERO_COPY_MIN_SIZE = 8192

#: A message frame at least this large whose body is still arriving is assembled in a
#: buffer of its own, which reads fill directly: the body then crosses no read buffer
#: (one copy less) and no growing buffer (no reallocations).
DIRECT_BODY_MIN = 65536
#: ... up to this size. The buffer is allocated when the header arrives, so a peer can
#: make a connection hold this much by sending a header alone (libzmq allocates any
#: announced size); larger frames are buffered as they arrive.
DIRECT_BODY_MAX = 4 << 20

#: What the codecs accept as input bytes.
BytesLike: TypeAlias = bytes | bytearray | memoryview

_T = TypeVar("_T")

_LONG_HEADER = struct.Struct(">BQ")
_SIZE = struct.Struct(">Q")
_unpack_size = _SIZE.unpack_from
_pack_long = _LONG_HEADER.pack

# Short headers prebuilt for every size: the hot path then does one tuple lookup per frame.
_SHORT_LAST: tuple[bytes, ...] = tuple(bytes((0, n)) for n in range(MAX_SHORT_SIZE + 1))
_SHORT_MORE: tuple[bytes, ...] = tuple(bytes((FLAG_MORE, n)) for n in range(MAX_SHORT_SIZE + 1))


class FrameError(ZMTPProtocolError):
    """The peer sent a frame we cannot accept (too large, or a size with the top bit set)."""


def frame_header(size: int, flags: int = 0) -> bytes:
    """Return the header for a frame of ``size`` body bytes.

    Args:
        size: the body length.
        flags: MORE and/or COMMAND; LONG is set or cleared here from ``size``.

    Raises:
        ValueError: ``size`` is negative or above :data:`MAX_FRAME_SIZE`.
    """
    if size < 0 or size > MAX_FRAME_SIZE:
        raise ValueError(f"frame size out of range: {size}")
    if size <= MAX_SHORT_SIZE:
        return bytes((flags & ~FLAG_LONG & 0xFF, size))
    return _pack_long((flags | FLAG_LONG) & 0xFF, size)


def encode_frame(body: BytesLike, flags: int = 0) -> bytes:
    """Return one whole frame (header + body)."""
    return frame_header(len(body), flags) + body


def encode_command_frame(body: BytesLike) -> bytes:
    """Return a command frame carrying ``body`` (``name_len name data``)."""
    return frame_header(len(body), FLAG_COMMAND) + body


def encode_message_into(frames: Sequence[BytesLike], buf: bytearray, pieces: list[bytes]) -> None:
    """Encode one message for output: the engine's hot path.

    Headers and small bodies are appended to ``buf`` (the coalescing buffer). A body of
    :data:`ZERO_COPY_MIN_SIZE` bytes or more is not copied: ``buf`` is flushed into
    ``pieces`` first and the body object itself is appended to ``pieces``, so the final
    output is ``pieces + [bytes(buf)]``.

    Args:
        frames: the message; every frame but the last gets MORE.
        buf: the coalescing buffer, modified in place.
        pieces: completed output pieces, appended to.
    """
    last = len(frames) - 1
    if last == 0:
        # The common case: one short frame, no loop.
        body = frames[0]
        n = len(body)
        if n <= MAX_SHORT_SIZE:
            buf += _SHORT_LAST[n]
            buf += body
            return
    elif last == 1:
        # The next most common: two short frames (a REQ/REP envelope and its body).
        head, body = frames
        n0 = len(head)
        n = len(body)
        if n0 <= MAX_SHORT_SIZE and n <= MAX_SHORT_SIZE:
            buf += _SHORT_MORE[n0]
            buf += head
            buf += _SHORT_LAST[n]
            buf += body
            return
    for i, body in enumerate(frames):
        n = len(body)
        if n <= MAX_SHORT_SIZE:
            buf += _SHORT_MORE[n] if i < last else _SHORT_LAST[n]
            buf += body
        else:
            buf += _pack_long(FLAG_LONG | FLAG_MORE if i < last else FLAG_LONG, n)
            if n >= ZERO_COPY_MIN_SIZE:
                pieces.append(bytes(buf))
                buf.clear()
                pieces.append(body if type(body) is bytes else bytes(body))
            else:
                buf += body


class _HeaderTable(dict[int, bytes]):
    """Frame headers by ``size + _MORE_KEY * more``, each built on first use: sizes are
    below ZERO_COPY_MIN_SIZE, so it never holds more than 2 x 8192 entries."""

    def __missing__(self, key: int) -> bytes:
        header = frame_header(key % _MORE_KEY, FLAG_MORE if key >= _MORE_KEY else 0)
        self[key] = header
        return header


_MORE_KEY = ZERO_COPY_MIN_SIZE
_HEADERS = _HeaderTable()
#: For a message of k frames (index k): the key offsets of its frames (MORE on all but
#: the last). Longer messages take the per-message path.
_MORE_OFFSETS: tuple[tuple[int, ...], ...] = tuple(
    (_MORE_KEY,) * (k - 1) + (0,) if k else () for k in range(17)
)
_first = itemgetter(0)
_BARE = {bytes}


def encode_messages(msgs: list[Any], budget: int) -> tuple[bytes, int] | None:
    """Encode a batch of messages with C-level loops only (no Python code runs per
    frame): the bulk path of a flush.

    It applies when every item is a message (a list or tuple of 1 to 16 frames, or a
    one-frame message as its ``bytes``: ``Pipe.bare_frames``), every frame is smaller
    than ZERO_COPY_MIN_SIZE, and the batch's cost (its body bytes plus 16 per message,
    the unit of ``send_messages``' budget) is within ``budget``.

    Returns:
        the batch's wire bytes (one object, written as it is: no copy into a buffer)
        and its cost; None when it does not apply (encode those items one by one).
    """
    try:
        kinds = set(map(type, msgs))
        if kinds == _BARE:
            frames: list[bytes] = msgs
            keys = sizes = list(map(len, frames))
        else:
            if bytes in kinds:  # bare frames among lists: all as lists
                msgs = [[m] if type(m) is bytes else m for m in msgs]
            counts = list(map(len, msgs))  # TypeError: a subscription object
            if counts.count(1) == len(counts):
                frames = list(map(_first, msgs))
                keys = sizes = list(map(len, frames))
            else:
                if min(counts) < 1 or max(counts) >= len(_MORE_OFFSETS):
                    return None
                frames = list(chain.from_iterable(msgs))
                sizes = list(map(len, frames))
                offsets = chain.from_iterable(map(_MORE_OFFSETS.__getitem__, counts))
                keys = list(map(add, sizes, offsets))
        if max(sizes) >= ZERO_COPY_MIN_SIZE:
            return None
        cost = sum(sizes) + 16 * len(msgs)
        if cost > budget:
            return None
        # headers and bodies interleaved by two slice assignments, then one join
        parts: list[bytes] = frames + frames
        parts[::2] = map(_HEADERS.__getitem__, keys)
        parts[1::2] = frames
        return b"".join(parts), cost  # TypeError: a frame that is not bytes-like
    except TypeError:
        return None


#: A read shorter than this is parsed frame by frame: too few frames to look for a run.
RUN_MIN_BYTES = 1024
#: A run this long (or longer) makes the decoder look for another one after it ends.
RUN_MIN_FRAMES = 32
#: A run is scanned this many frames at a time, so that finding a short run in a long
#: read costs no more than the run is worth.
RUN_CHUNK = 256


def _read_run(src: bytes, pos: int, end: int, limit: int, out: list[Any]) -> tuple[int, int]:
    """Take the run of complete one-frame messages at ``pos`` whose headers are the same
    bytes (no MORE, no COMMAND, the same size, at most ``limit``), appending each to
    ``out`` as a one-frame list: the decoder's path for a stream of equal-size messages.

    The run is found by C-level scans, one strided slice per header byte, and its bodies
    are cut in one comprehension: no Python code runs per frame but a slice.

    Returns:
        the position after the run, and how many messages it held (0: ``src[pos]`` does
        not start a run of two or more).
    """
    flags = src[pos]
    if not flags:
        body = pos + SHORT_HEADER_SIZE
        if body > end:
            return pos, 0
        size = src[pos + 1]
    elif flags == FLAG_LONG:
        body = pos + LONG_HEADER_SIZE
        if body > end:
            return pos, 0
        size = _unpack_size(src, pos + 1)[0]
    else:
        return pos, 0
    if size > limit:
        return pos, 0
    header = tuple(src[pos:body])
    stride = body - pos + size
    start = pos
    while True:
        count = (end - pos) // stride
        if count > RUN_CHUNK:
            count = RUN_CHUNK
        whole = count
        stop = pos + count * stride
        for offset, byte in enumerate(header):
            column = src[pos + offset : stop : stride]  # this header byte of each frame
            same = count - len(column.lstrip(_BYTE[byte]))
            if same < count:
                count = same
                stop = pos + count * stride
        pos = stop
        if count < whole or whole < RUN_CHUNK:
            break
    count = (pos - start) // stride
    if count < 2:
        return start, 0
    first = start + stride - size  # the first body
    out += [[src[i : i + size]] for i in range(first, first + count * stride, stride)]
    return pos, count


_BYTE = tuple(bytes((i,)) for i in range(256))


def encode_message(frames: Sequence[BytesLike]) -> bytes:
    """Return the wire bytes of one message (all frames joined)."""
    buf = bytearray()
    pieces: list[bytes] = []
    encode_message_into(frames, buf, pieces)
    pieces.append(bytes(buf))
    return b"".join(pieces)


class FrameDecoder:
    """Incremental frame decoder.

    Three ways to read, all sharing one buffer:

    * :meth:`next_frame` returns one ``(flags, body)`` at a time (the handshake, where the
      rules change after every command);
    * :meth:`read_frames` returns every complete frame (for mechanisms that wrap frames,
      such as CURVE, where MORE lives inside the encrypted payload);
    * :meth:`read_messages` is the traffic fast path: it assembles multipart messages from
      the MORE flags and hands commands to a callback, in wire order, in one loop.

    Once a :class:`FrameError` was raised the decoder is dead and raises it again.

    Args:
        max_frame_size: the largest body accepted, -1 for no limit (``ZMQ_MAXMSGSIZE``
            semantics: libzmq applies it to every frame, commands included).
    """

    __slots__ = (
        "_body",
        "_body_filled",
        "_body_more",
        "_buf",
        "_error",
        "_limit",
        "_max_frame_size",
        "_parts",
        "_spare",
    )

    def __init__(self, max_frame_size: int = -1) -> None:
        self._buf = bytearray()
        self._parts: list[bytes] = []
        #: the body of a large frame being received (DIRECT_BODY_MIN..MAX), its fill
        #: level, and whether the frame had MORE
        self._body: memoryview | None = None
        self._body_filled = 0
        self._body_more = False
        #: the last body's buffer, reused by the next large frame while they keep
        #: coming: a fresh large allocation costs page faults (about 0.8 ms per MiB on
        #: the benchmark machine, more than reading the data)
        self._spare: bytearray | None = None
        self._error: FrameError | None = None
        self._max_frame_size = -1
        self._limit = MAX_FRAME_SIZE
        self.max_frame_size = max_frame_size

    @property
    def max_frame_size(self) -> int:
        """The largest body accepted (-1 = only the RFC's 2**63-1)."""
        return self._max_frame_size

    @max_frame_size.setter
    def max_frame_size(self, value: int) -> None:
        self._max_frame_size = value
        self._limit = MAX_FRAME_SIZE if value < 0 else min(value, MAX_FRAME_SIZE)

    @property
    def buffered(self) -> int:
        """How many received bytes are held, waiting for the rest of a frame."""
        return len(self._buf) + self._body_filled

    def body_target(self) -> memoryview | None:
        """Where the next received bytes belong while a large frame's body is arriving
        (read_messages path): the unfilled rest of its buffer. Read into it, then call
        :meth:`body_received`. None when no such body is pending."""
        body = self._body
        if body is None:
            return None
        return body[self._body_filled :]

    def body_received(
        self,
        nbytes: int,
        out: list[_T],
        make_message: Callable[[list[bytes]], _T] | None = None,
    ) -> None:
        """``nbytes`` were written into :meth:`body_target`; a completed message is
        appended to ``out`` as :meth:`read_messages` would."""
        body = self._body
        if body is None or not 0 <= nbytes <= len(body) - self._body_filled:
            raise ValueError("no pending body has room for that")
        self._body_filled += nbytes
        if self._body_filled == len(body):
            self._finish_body(out, make_message)

    def _finish_body(self, out: list[_T], make_message: Callable[[list[bytes]], _T] | None) -> None:
        body = self._body
        assert body is not None
        self._body = None
        self._body_filled = 0
        parts = self._parts
        parts.append(bytes(body))
        self._spare = body.obj  # type: ignore[assignment]
        body.release()
        if not self._body_more:
            out.append(parts if make_message is None else make_message(parts))  # type: ignore[arg-type]
            self._parts = []

    @property
    def in_message(self) -> bool:
        """True while a message is partly received (fast path only)."""
        return bool(self._parts) or self._body is not None

    def feed(self, data: BytesLike) -> None:
        """Buffer ``data`` for :meth:`next_frame` (the other readers take data directly)."""
        if self._error is not None:
            raise self._error
        self._buf += data

    def _first_header(self, buf: BytesLike) -> tuple[int, int, int] | None:
        """``(flags, size, body start)`` of the frame at the start of ``buf``; None while
        its header is incomplete.

        Raises:
            FrameError: the size is above the limit.
        """
        end = len(buf)
        if end < SHORT_HEADER_SIZE:
            return None
        flags = buf[0]
        if flags & FLAG_LONG:
            if end < LONG_HEADER_SIZE:
                return None
            size: int = _unpack_size(buf, 1)[0]
            start = LONG_HEADER_SIZE
        else:
            size = buf[1]
            start = SHORT_HEADER_SIZE
        if size > self._limit:
            raise self._too_large(size)
        return flags, size, start

    def _too_large(self, size: int) -> FrameError:
        if size > MAX_FRAME_SIZE:
            err = FrameError(
                f"frame size {size:#x} has the top bit set (RFC 23)",
                ProtocolError.ZMTP_UNSPECIFIED,
            )
        else:
            # libzmq fails with EMSGSIZE here: a local limit, not a protocol error code.
            err = FrameError(
                f"frame of {size} bytes exceeds the limit of {self._max_frame_size} bytes", 0
            )
        self._error = err
        return err

    def next_frame(self) -> tuple[int, bytes] | None:
        """Return the next complete frame from the buffer, or None if there is none yet.

        Raises:
            FrameError: the next frame is too large.
        """
        if self._error is not None:
            raise self._error
        buf = self._buf
        header = self._first_header(buf)
        if header is None:
            return None
        flags, size, start = header
        stop = start + size
        if stop > len(buf):
            return None
        body = bytes(buf[start:stop])
        del buf[:stop]
        return flags, body

    def read_frames(self, data: BytesLike, out: list[tuple[int, bytes]]) -> None:
        """Buffer ``data`` and append every complete ``(flags, body)`` to ``out``.

        Frames parsed before an error are in ``out`` when the error is raised.

        Raises:
            FrameError: a frame is too large.
        """
        if self._error is not None:
            raise self._error
        buf = self._buf
        if buf:
            buf += data
            src: BytesLike = buf
        else:
            src = data
        end = len(src)
        pos = 0
        limit = self._limit
        with memoryview(src) as mv:
            while True:
                avail = end - pos
                if avail < SHORT_HEADER_SIZE:
                    break
                flags = mv[pos]
                if flags & FLAG_LONG:
                    if avail < LONG_HEADER_SIZE:
                        break
                    size = _unpack_size(mv, pos + 1)[0]
                    start = pos + LONG_HEADER_SIZE
                else:
                    size = mv[pos + 1]
                    start = pos + SHORT_HEADER_SIZE
                if size > limit:
                    raise self._too_large(size)
                stop = start + size
                if stop > end:
                    break
                out.append((flags, mv[start:stop].tobytes()))
                pos = stop
            if src is not buf and pos < end:
                buf += mv[pos:]
        if src is buf and pos:
            del buf[:pos]

    def _start_body(self, size: int, flags: int, received: memoryview) -> None:
        """A large message frame's body begins (``received`` is what arrived of it)."""
        spare = self._spare
        self._spare = None
        if spare is not None and size <= len(spare) <= 2 * size:
            body = memoryview(spare)[:size]
        else:
            body = memoryview(bytearray(size))
        n = len(received)
        body[:n] = received
        self._body = body
        self._body_filled = n
        self._body_more = bool(flags & FLAG_MORE)

    def read_messages(
        self,
        data: BytesLike,
        out: list[_T],
        make_message: Callable[[list[bytes]], _T] | None,
        on_command: Callable[[bytes, list[_T]], bool],
    ) -> None:
        """Buffer ``data``, then consume every complete frame: the traffic fast path.

        Message frames are collected until a frame without MORE and the whole message is
        appended to ``out`` as ``make_message(frames)`` (the frames list itself if
        ``make_message`` is None). A command frame (MORE on a
        command is ignored) is passed to ``on_command(body, out)`` at its place in the
        stream; if that returns False, parsing stops (the caller failed the connection).

        Raises:
            FrameError: a frame is too large (earlier messages are already in ``out``).
        """
        if self._error is not None:
            raise self._error
        if self._body is not None:
            # the rest of a large frame's body first (when it was not read into place)
            body_view = self._body[self._body_filled :]
            n = min(len(body_view), len(data))
            body_view[:n] = memoryview(data)[:n]
            self.body_received(n, out, make_message)
            if self._body is not None or n == len(data):
                return
            data = memoryview(data)[n:]
        buf = self._buf
        limit = self._limit
        if buf:
            buf += data
            head: BytesLike = buf
        else:
            head = data
        # the first frame must be complete before anything is parsed: a frame arriving
        # in many reads is only appended to (or read into its body buffer), and no read
        # is copied to bytes for nothing. A complete short first frame is seen here
        # without a call (the loop below checks its size against the limit).
        end = len(head)
        if end < SHORT_HEADER_SIZE or head[0] & FLAG_LONG or head[1] + SHORT_HEADER_SIZE > end:
            header = self._first_header(head)
            if header is None or header[1] + header[2] > end:
                if header is not None and not header[0] & FLAG_COMMAND:
                    flags, size, start = header
                    if DIRECT_BODY_MIN <= size <= DIRECT_BODY_MAX:
                        self._start_body(size, flags, memoryview(head)[start:])
                        buf.clear()
                        return
                if head is not buf:
                    buf += data
                return
        src = head if type(head) is bytes else bytes(head)  # cheapest to index and slice
        buf.clear()
        pos = 0
        parts = self._parts
        unpack_size = _unpack_size
        append = out.append
        if not parts and make_message is None:
            # the common stream first: one frame per message, no MORE, no command, in
            # a loop that does nothing else; anything else (a size over the limit, an
            # incomplete frame) is left to the general loop below, from where this
            # one stopped. A run of frames with the same header (a stream of equal-size
            # messages) is taken at once (_read_run); after a long run, the next run is
            # looked for again.
            if end >= RUN_MIN_BYTES:
                run = _read_run(src, 0, end, limit, out)
                pos = run[0]
                look = run[1] >= RUN_MIN_FRAMES
            else:
                look = False
            while pos + SHORT_HEADER_SIZE <= end:
                flags = src[pos]
                if not flags:
                    start = pos + SHORT_HEADER_SIZE
                    stop = start + src[pos + 1]
                elif flags == FLAG_LONG and pos + LONG_HEADER_SIZE <= end:
                    start = pos + LONG_HEADER_SIZE
                    stop = start + unpack_size(src, pos + 1)[0]
                else:
                    break
                if stop > end or stop - start > limit:
                    break
                append([src[start:stop]])  # type: ignore[arg-type]
                pos = stop
                if look and end - pos >= RUN_MIN_BYTES:
                    run = _read_run(src, pos, end, limit, out)
                    pos = run[0]
                    look = run[1] >= RUN_MIN_FRAMES
        while True:
            avail = end - pos
            if avail < SHORT_HEADER_SIZE:
                break
            flags = src[pos]
            if flags & FLAG_LONG:
                if avail < LONG_HEADER_SIZE:
                    break
                size = unpack_size(src, pos + 1)[0]
                start = pos + LONG_HEADER_SIZE
            else:
                size = src[pos + 1]
                start = pos + SHORT_HEADER_SIZE
            if size > limit:
                self._parts = parts
                raise self._too_large(size)
            stop = start + size
            if stop > end:
                if DIRECT_BODY_MIN <= size <= DIRECT_BODY_MAX and not flags & FLAG_COMMAND:
                    # a large body still arriving: into a buffer of its own, which the
                    # engine's next reads fill in place (body_target)
                    self._start_body(size, flags, memoryview(src)[start:end])
                    pos = end
                break
            pos = stop
            if flags & FLAG_COMMAND:
                if not on_command(src[start:stop], out):
                    break
                continue
            if flags & FLAG_MORE:
                parts.append(src[start:stop])
                continue
            if parts:
                parts.append(src[start:stop])
                append(parts if make_message is None else make_message(parts))  # type: ignore[arg-type]
                parts = []
            elif make_message is None:
                append([src[start:stop]])  # type: ignore[arg-type]
            else:
                append(make_message([src[start:stop]]))
        self._parts = parts
        if pos < end:
            buf += memoryview(src)[pos:]
        if self._body is None:
            self._spare = None  # no large frame follows right away: let its buffer go
