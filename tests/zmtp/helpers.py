"""Shared helpers for the zmtp tests: captured libzmq bytes, chunkings, wired connections."""

from __future__ import annotations

import json
import pathlib
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from purezmq.zmtp import (
    ConnectionFailed,
    Event,
    HandshakeComplete,
    MessageReceived,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_ready
from purezmq.zmtp.frames import encode_command_frame
from purezmq.zmtp.greeting import encode_greeting

T = TypeVar("T")

#: A copy of /work/shared/spec/test_vectors.json (libzmq 4.3.5 captures), kept with the
#: tests so they run anywhere.
_VECTORS_PATH = pathlib.Path(__file__).with_name("data") / "test_vectors.json"
_RAW = json.loads(_VECTORS_PATH.read_text())
VECTORS: dict[str, bytes] = {
    name: bytes.fromhex(entry["hex"])
    for name, entry in _RAW.items()
    if name != "_meta" and "->" not in entry["hex"] and not name.endswith("_z85")
}


def vec(name: str) -> bytes:
    """The bytes of one captured vector."""
    return VECTORS[name]


def chunkings(data: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """Every way the parser tests feed input: whole, one byte at a time, and split in two
    at every index (ARCHITECTURE.md habit 2)."""
    yield "whole", [data]
    yield "bytewise", [data[i : i + 1] for i in range(len(data))]
    for i in range(1, len(data)):
        yield f"split@{i}", [data[:i], data[i:]]


def for_each_chunking(data: bytes, run: Callable[[list[bytes]], T]) -> T:
    """Run ``run(chunks)`` for every chunking of ``data``; all results must be equal.

    Returns the common result.
    """
    results = [(label, run(chunks)) for label, chunks in chunkings(data)]
    first = results[0][1]
    for label, result in results:
        assert result == first, f"{label}: {result!r} != {first!r}"
    return first


def split_at(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """Split ``data`` at the given offsets (taken modulo len+1, deduplicated)."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def greeting(mechanism: bytes = b"NULL", minor: int = 1, as_server: bool = False) -> bytes:
    """A peer's full 64-byte greeting."""
    return encode_greeting(mechanism, as_server, 0, minor)


def peer_ready(socket_type: str, routing_id: bytes = b"", **metadata: bytes) -> bytes:
    """A READY command frame as libzmq would send it."""
    return encode_command_frame(encode_ready(socket_type, routing_id, metadata))


def feed(conn: ZMTPConnection, chunks: Sequence[bytes], now: float = 0.0) -> list[Event]:
    """Feed chunks one call at a time; return all events."""
    events: list[Event] = []
    for chunk in chunks:
        events += conn.receive_data(chunk, now)
    return events


def handshaken(
    socket_type: str = "DEALER",
    peer_type: str = "ROUTER",
    minor: int = 1,
    now: float = 0.0,
    **kwargs: object,
) -> ZMTPConnection:
    """A connection whose NULL handshake with a raw libzmq-like peer is complete; its
    output so far has been taken."""
    conn = ZMTPConnection(socket_type, now=now, **kwargs)  # type: ignore[arg-type]
    events = conn.receive_data(greeting(minor=minor) + peer_ready(peer_type), now)
    assert [type(e) for e in events] == [HandshakeComplete], events
    conn.data_to_send()
    return conn


def pump(
    a: ZMTPConnection, b: ZMTPConnection, now: float = 0.0, rounds: int = 10
) -> tuple[list[Event], list[Event]]:
    """Shuttle bytes both ways until both are quiet; return each side's events."""
    ea: list[Event] = []
    eb: list[Event] = []
    for _ in range(rounds):
        to_b = a.data_to_send()
        to_a = b.data_to_send()
        if not to_a and not to_b:
            break
        eb += b.receive_data(to_b, now)
        ea += a.receive_data(to_a, now)
    return ea, eb


def messages(events: Sequence[Event]) -> list[list[bytes]]:
    """The frames of every MessageReceived."""
    return [e.frames for e in events if isinstance(e, MessageReceived)]


def failures(events: Sequence[Event]) -> list[ConnectionFailed]:
    """Every ConnectionFailed."""
    return [e for e in events if isinstance(e, ConnectionFailed)]


WIRE_TIMEOUT = 5.0


class Wire:
    """One ZMTPConnection on a TCP socket whose other end is libzmq (the raw-socket
    interop tests of the core and of its mechanisms share it)."""

    def __init__(self, sock: socket.socket, conn: ZMTPConnection) -> None:
        self.sock = sock
        sock.settimeout(0.01)
        self.conn = conn
        self.events: list[Event] = []
        self.eof = False
        self.hooks: list[Callable[[], None]] = []
        #: How many bytes of our output may go on the wire in all (None: no limit); the
        #: rest is held back, so a test can decide which side's command arrives first.
        self.send_limit: int | None = None
        self.sent = 0
        self._held = b""

    def step(self) -> None:
        for hook in self.hooks:
            hook()
        conn = self.conn
        self.events += conn.handle_timer(time.monotonic())
        out = self._held + conn.data_to_send()
        if self.send_limit is not None:
            allowed = max(0, self.send_limit - self.sent)
            out, self._held = out[:allowed], out[allowed:]
        if out and not self.eof:
            try:
                self.sock.sendall(out)
            except OSError:
                self.eof = True
            self.sent += len(out)
        if self.eof:
            return
        try:
            data = self.sock.recv(1 << 20)
        except TimeoutError:
            return
        except OSError:
            self.eof = True
            return
        if not data:
            self.eof = True
            return
        self.events += conn.receive_data(data, time.monotonic())

    def until(self, done: Callable[[], bool], timeout: float = WIRE_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"timed out; events: {self.events}"
            self.step()

    def wait_for(self, kind: type, timeout: float = WIRE_TIMEOUT) -> Any:
        self.until(lambda: any(isinstance(e, kind) for e in self.events), timeout)
        found = next(e for e in self.events if isinstance(e, kind))
        self.events.remove(found)
        return found

    def close(self) -> None:
        self.sock.close()
