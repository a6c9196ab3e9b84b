"""SelectorStream (transport/selector.py): a transport's duties, and reading handed over
between the loop and a calling thread.

The loop runs in the test's thread here; the caller-side methods are thread-agnostic
(they take the stream's lock), so the hand-over protocol is driven step by step.
"""

from __future__ import annotations

import asyncio
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from purezmq.transport import selector
from purezmq.transport.selector import SelectorStream, abort_streams


class Recorder(asyncio.BufferedProtocol):
    """A BufferedProtocol that keeps what it is told."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.buf = bytearray(4096)
        self.data = bytearray()
        self.events: list[Any] = []
        self.wakes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.events.append("made")

    def get_buffer(self, sizehint: int) -> memoryview:
        return memoryview(self.buf)

    def buffer_updated(self, nbytes: int) -> None:
        self.data += self.buf[:nbytes]

    def eof_received(self) -> bool:
        self.events.append("eof")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.events.append(("lost", exc))

    def pause_writing(self) -> None:
        self.events.append("pause_writing")

    def resume_writing(self) -> None:
        self.events.append("resume_writing")

    def wake(self) -> None:
        self.wakes += 1


class Rig:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.a, self.b = socket.socketpair()
        self.b.setblocking(False)
        self.proto = Recorder()
        self.stream = SelectorStream(
            self.loop, threading.get_ident(), self.a, self.proto, self.proto.lock, self.proto.wake
        )
        self.turns(2)  # connection_made, then the reader

    def turns(self, n: int = 1) -> None:
        for _ in range(n):
            self.loop.run_until_complete(asyncio.sleep(0))

    def until(self, cond: Callable[[], bool], timeout: float = 5.0) -> None:
        """Run the loop until ``cond()`` holds (bounded)."""

        async def wait() -> None:
            deadline = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > deadline:
                    raise AssertionError("condition not met in time")
                await asyncio.sleep(0.001)

        self.loop.run_until_complete(wait())

    def peer_read(self, n: int) -> bytes:
        got = bytearray()

        def more() -> bool:
            try:
                got.extend(self.b.recv(1 << 20))
            except BlockingIOError:
                pass
            return len(got) >= n

        self.until(more)
        return bytes(got)

    def granted(self) -> None:
        """Ask for the hand-over and let the loop grant it."""
        assert self.stream.caller_watch() == -1
        self.turns(2)
        assert self.stream.watched_by_caller
        assert self.proto.wakes >= 1

    def close(self) -> None:
        abort_streams(self.loop)
        self.turns(3)
        self.b.close()
        self.loop.close()


@pytest.fixture
def rig() -> Iterator[Rig]:
    r = Rig()
    yield r
    r.close()


def _readable(fd: int, timeout: float = 5.0) -> bool:
    return bool(select.select([fd], [], [], timeout)[0])


def test_reads_and_writes(rig: Rig) -> None:
    assert rig.proto.events == ["made"]
    assert rig.stream.get_extra_info("socket") is rig.a
    rig.b.sendall(b"hello")
    rig.until(lambda: rig.proto.data == b"hello")
    rig.stream.write(b"x")
    rig.stream.writelines([b"ab", memoryview(b"cd"), bytearray(b"ef")])
    assert rig.peer_read(7) == b"xabcdef"


def test_buffers_what_the_kernel_refuses_and_pauses_the_protocol(rig: Rig) -> None:
    rig.a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    payload = bytes(range(256)) * 16384  # 4 MiB
    rig.stream.writelines([payload[:1000], memoryview(payload)[1000:]])
    assert rig.stream.get_write_buffer_size() > 0
    assert "pause_writing" in rig.proto.events
    rig.stream.write(b"tail")  # behind what is buffered, never before it
    assert rig.peer_read(len(payload) + 4) == payload + b"tail"
    rig.until(lambda: "resume_writing" in rig.proto.events)
    assert rig.stream.get_write_buffer_size() == 0


def test_a_write_from_another_thread_is_finished_by_the_loop(rig: Rig) -> None:
    rig.a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    payload = b"z" * (1 << 20)
    t = threading.Thread(target=rig.stream.write, args=(payload,))
    t.start()
    t.join(5)
    assert rig.stream.get_write_buffer_size() > 0  # the kernel took only part of it
    assert rig.peer_read(len(payload)) == payload


def test_close_writes_what_is_buffered_then_reports_lost(rig: Rig) -> None:
    rig.a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    payload = b"q" * (1 << 20)
    rig.stream.write(payload)
    rig.stream.close()
    assert rig.stream.is_closing()
    assert not [e for e in rig.proto.events if isinstance(e, tuple)]
    assert rig.peer_read(len(payload)) == payload
    rig.until(lambda: ("lost", None) in rig.proto.events)
    assert rig.a.fileno() == -1


def test_abort_drops_what_is_buffered(rig: Rig) -> None:
    rig.a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    rig.stream.write(b"q" * (1 << 20))
    rig.stream.abort()
    rig.until(lambda: ("lost", None) in rig.proto.events)
    assert rig.stream.get_write_buffer_size() == 0
    assert rig.a.fileno() == -1


def test_end_of_stream_closes(rig: Rig) -> None:
    rig.b.sendall(b"last")
    rig.b.shutdown(socket.SHUT_WR)
    rig.until(lambda: ("lost", None) in rig.proto.events)
    assert rig.proto.data == b"last"
    assert rig.proto.events == ["made", "eof", ("lost", None)]


def test_pause_and_resume_reading(rig: Rig) -> None:
    rig.stream.pause_reading()
    assert not rig.stream.is_reading()
    rig.b.sendall(b"held")
    rig.turns(5)
    assert rig.proto.data == b""
    rig.stream.resume_reading()
    rig.until(lambda: rig.proto.data == b"held")


def test_write_buffer_limits(rig: Rig) -> None:
    rig.stream.set_write_buffer_limits(high=1000)
    assert rig.stream.get_write_buffer_limits() == (250, 1000)
    with pytest.raises(ValueError):
        rig.stream.set_write_buffer_limits(high=1, low=2)


# ---------------------------------------------------------------- the hand-over
def test_a_caller_gets_watching_and_reads_itself(rig: Rig) -> None:
    rig.granted()
    rig.b.sendall(b"for the caller")
    rig.turns(5)
    assert rig.proto.data == b""  # the loop no longer reads it
    fd = rig.stream.caller_watch()
    assert fd == rig.a.fileno()
    assert _readable(fd)
    assert rig.stream.caller_unwatch(True)
    assert rig.proto.data == b"for the caller"


def test_a_caller_reads_without_waiting(rig: Rig) -> None:
    assert not rig.stream.caller_read_nowait()  # the loop watches: nothing to do
    rig.granted()
    assert not rig.stream.caller_read_nowait()  # nothing there
    rig.b.sendall(b"now")
    assert _readable(rig.a.fileno())
    assert rig.stream.caller_read_nowait()
    assert rig.proto.data == b"now"


def test_the_loop_takes_watching_back_when_no_caller_waits(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 0.002)
    rig.granted()
    fd = rig.stream.caller_watch()
    assert fd >= 0
    rig.stream.caller_unwatch(False)
    rig.until(lambda: not rig.stream.watched_by_caller)
    rig.b.sendall(b"loop again")
    rig.until(lambda: rig.proto.data == b"loop again")


def test_no_hand_back_while_a_caller_waits(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 0.002)
    rig.granted()
    assert rig.stream.caller_watch() >= 0
    checks = 0

    def counted() -> bool:
        nonlocal checks
        checks += 1
        return checks > 50  # ~50 ms: many reclaim intervals

    rig.until(counted)
    assert rig.stream.watched_by_caller
    rig.stream.caller_unwatch(False)


def test_a_caller_meeting_end_of_stream_hands_it_to_the_loop(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)  # only the hand-back at EOF
    rig.granted()
    rig.b.close()
    fd = rig.stream.caller_watch()
    assert _readable(fd)
    assert not rig.stream.caller_unwatch(True)
    assert not rig.stream.watched_by_caller
    # a caller coming back must not get it again before the loop saw the ending (a
    # grant would remove the loop's reader before its turn to read came)
    assert rig.stream.caller_watch() == -1
    rig.until(lambda: ("lost", None) in rig.proto.events)
    assert rig.proto.events == ["made", "eof", ("lost", None)]


def test_pausing_hands_watching_back(rig: Rig) -> None:
    rig.granted()
    rig.stream.pause_reading()
    assert not rig.stream.watched_by_caller
    assert rig.stream.caller_watch() == -1  # and no grant while paused
    rig.turns(3)
    assert not rig.stream.watched_by_caller
    rig.b.sendall(b"after")
    rig.stream.resume_reading()
    rig.until(lambda: rig.proto.data == b"after")


def test_release_gives_watching_back(rig: Rig) -> None:
    rig.granted()
    rig.stream.caller_release()
    assert not rig.stream.watched_by_caller
    rig.b.sendall(b"released")
    rig.until(lambda: rig.proto.data == b"released")


def test_closing_wakes_a_caller_that_polls(rig: Rig) -> None:
    rig.granted()
    before = rig.proto.wakes
    assert rig.stream.caller_watch() >= 0
    rig.stream.close()
    assert rig.proto.wakes == before + 1
    assert not rig.stream.caller_unwatch(True)  # closed: nothing is read
    rig.until(lambda: ("lost", None) in rig.proto.events)


def test_abort_streams_aborts_what_is_open(rig: Rig) -> None:
    assert abort_streams(rig.loop) == 1
    rig.until(lambda: ("lost", None) in rig.proto.events)
    assert abort_streams(rig.loop) == 0
