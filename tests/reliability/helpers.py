"""Generic helpers for tests/reliability: bounded waits, a monitor-event collector, and a
raw TCP peer that speaks a valid ZMTP 3.1 NULL greeting and READY (or anything else).

Nothing here is specific to one test module; the exact bytes come from
../shared/spec/ZMTP_DIGEST.md (libzmq 4.3.5 captures).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Upper bound of every wait in these tests: a failure is an error, never a hang.
TIMEOUT = 5.0


def wait_for(cond: Callable[[], bool], timeout: float = TIMEOUT, poll: float = 0.005) -> bool:
    """Poll ``cond`` until it is true or ``timeout`` passes; return its last value.

    A bounded wait on a condition, not a sleep used as synchronisation.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(poll)
    return cond()


# ------------------------------------------------------------------ monitor events
@dataclass(frozen=True)
class MonitorEvent:
    """One monitor message: event number, value (fd, errno or protocol code), endpoint."""

    event: int
    value: int
    endpoint: str


class MonitorCollector:
    """Collects the events of a monitor PAIR socket (purezmq or pyzmq, same wire format).

    Args:
        mon: the connected monitor socket (``sock.get_monitor_socket()`` or a PAIR
            connected to the address given to ``sock.monitor``).
        again: the library's ``Again`` exception (``purezmq.Again`` or ``zmq.Again``).
        noblock: the library's ``NOBLOCK`` flag.
    """

    def __init__(self, mon: Any, again: type[BaseException], noblock: int) -> None:
        self.mon = mon
        self._again = again
        self._noblock = noblock
        self.events: list[MonitorEvent] = []

    def drain(self) -> list[MonitorEvent]:
        """Read every event available now; return the new ones."""
        new: list[MonitorEvent] = []
        while True:
            try:
                frames = self.mon.recv_multipart(self._noblock)
            except self._again:
                break
            event, value = struct.unpack("=HI", frames[0][:6])
            endpoint = bytes(frames[1]).decode() if len(frames) > 1 else ""
            new.append(MonitorEvent(event, value, endpoint))
        self.events += new
        return new

    def mark(self) -> int:
        """Drain, and return the index after the events seen so far (for :meth:`since`)."""
        self.drain()
        return len(self.events)

    def since(self, mark: int) -> list[MonitorEvent]:
        """Events collected after ``mark``."""
        return self.events[mark:]

    def wait(self, event: int, since: int = 0, timeout: float = TIMEOUT) -> MonitorEvent:
        """Wait for ``event`` among the events after index ``since``; return it.

        Raises:
            AssertionError: not seen within ``timeout`` (lists what was seen).
        """

        def found() -> MonitorEvent | None:
            self.drain()
            return next((e for e in self.events[since:] if e.event == event), None)

        assert wait_for(lambda: found() is not None, timeout), (
            f"event {event:#x} not seen; got {[(hex(e.event), e.value) for e in self.events]}"
        )
        hit = found()
        assert hit is not None
        return hit


# ------------------------------------------------------------------ raw ZMTP peer
def null_greeting(minor: int = 1, major: int = 3, mechanism: bytes = b"NULL") -> bytes:
    """A 64-byte greeting as libzmq sends it (signature padding 00..01, as-server 0)."""
    return (
        bytes.fromhex("ff00000000000000017f")
        + bytes((major, minor))
        + mechanism.ljust(20, b"\x00")
        + bytes(32)
    )


def frame(body: bytes, flags: int = 0) -> bytes:
    """One frame; a LONG header above 255 bytes, exactly like libzmq."""
    if len(body) > 255:
        return bytes((flags | 0x02,)) + struct.pack(">Q", len(body)) + body
    return bytes((flags, len(body))) + body


def command(name: bytes, data: bytes = b"") -> bytes:
    """A command frame: ``name_len name data``."""
    return frame(bytes((len(name),)) + name + data, 0x04)


def ready(socket_type: bytes, identity: bytes | None = None) -> bytes:
    """A NULL READY command with Socket-Type (and Identity if given)."""
    props = b"\x0bSocket-Type" + struct.pack(">I", len(socket_type)) + socket_type
    if identity is not None:
        props += b"\x08Identity" + struct.pack(">I", len(identity)) + identity
    return command(b"READY", props)


class RawPeer:
    """A TCP client that sends whatever it is told and reads with bounded waits."""

    def __init__(self, endpoint: str, timeout: float = TIMEOUT) -> None:
        host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        self.sock.settimeout(timeout)
        self.closed = False

    def send(self, data: bytes) -> None:
        """Send all of ``data``."""
        self.sock.sendall(data)

    def read_exact(self, n: int) -> bytes:
        """Read exactly ``n`` bytes (EOFError if the other side closes first)."""
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError(f"closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def read_frame(self) -> tuple[int, bytes]:
        """Read one frame: ``(flags, body)``."""
        flags = self.read_exact(1)[0]
        long_size = flags & 0x02
        size = struct.unpack(">Q", self.read_exact(8))[0] if long_size else self.read_exact(1)[0]
        return flags, self.read_exact(size)

    def handshake(self, socket_type: bytes, identity: bytes | None = None, minor: int = 1) -> bytes:
        """Do a NULL handshake: greeting and READY both ways; return the peer's READY body."""
        self.send(null_greeting(minor))
        theirs = self.read_exact(64)
        assert theirs[0] == 0xFF and theirs[9] & 1 and theirs[10] == 3, theirs.hex()
        self.send(ready(socket_type, identity))
        flags, body = self.read_frame()
        assert flags & 0x04 and body.startswith(b"\x05READY"), (flags, body)
        return body

    def expect_eof(self, timeout: float = TIMEOUT) -> bytes:
        """Read until the other side closes (EOF or reset); return what was read.

        Raises:
            AssertionError: the connection is still open after ``timeout``.
        """
        self.sock.settimeout(timeout)
        got = b""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return got
                got += chunk
        except ConnectionResetError:
            return got
        except TimeoutError:
            pass
        raise AssertionError(f"connection still open after {timeout} s; read {got[:80]!r}")

    def reset(self) -> None:
        """Abort the connection with an RST (SO_LINGER on, timeout 0), as a crash would."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        """Close (idempotent)."""
        if not self.closed:
            self.closed = True
            self.sock.close()
