"""Ours against a hand-written ZMTP peer (Python ``socket``): exact bytes on the wire.

Vectors from ../shared/spec/ZMTP_DIGEST.md section 5 (captured from libzmq 4.3.5).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sockets._ours import Side


def greeting(minor: int) -> bytes:
    """A NULL-mechanism ZMTP 3.x greeting (zero padding, as-server 0)."""
    return (
        b"\xff"
        + b"\x00" * 8
        + b"\x7f"
        + bytes([3, minor])
        + b"NULL".ljust(20, b"\x00")
        + b"\x00" * 32
    )


def command(name: bytes, data: bytes = b"") -> bytes:
    body = bytes([len(name)]) + name + data
    if len(body) > 255:
        return b"\x06" + struct.pack(">Q", len(body)) + body
    return b"\x04" + bytes([len(body)]) + body


def ready(socket_type: bytes) -> bytes:
    prop = b"\x0bSocket-Type" + struct.pack(">I", len(socket_type)) + socket_type
    return command(b"READY", prop)


def frame(body: bytes, more: bool = False) -> bytes:
    flags = 0x01 if more else 0x00
    if len(body) > 255:
        return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


class RawPeer:
    """One accepted or connected TCP stream, read with a timeout."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        conn.settimeout(5)

    def read_exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.conn.recv(n - len(buf))
            if not chunk:
                raise EOFError(f"peer closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def read_frame(self) -> tuple[int, bytes, bytes]:
        """(flags, body, raw bytes of the whole frame)."""
        head = self.read_exact(1)
        flags = head[0]
        if flags & 0x02:
            size_bytes = self.read_exact(8)
            size = struct.unpack(">Q", size_bytes)[0]
        else:
            size_bytes = self.read_exact(1)
            size = size_bytes[0]
        body = self.read_exact(size)
        return flags, body, head + size_bytes + body

    def handshake(self, minor: int, socket_type: bytes) -> dict[str, bytes]:
        """Greeting + NULL READY both ways; return ours' READY properties (lower-cased names)."""
        self.conn.sendall(greeting(minor))
        theirs = self.read_exact(64)
        assert theirs[0] == 0xFF
        assert theirs[9] & 0x01
        assert theirs[10] == 3
        assert theirs[11] >= 1, "ours must speak ZMTP 3.1"
        assert theirs[12:32] == b"NULL".ljust(20, b"\x00")
        self.conn.sendall(ready(socket_type))
        flags, body, _ = self.read_frame()
        assert flags & 0x04, "expected a command"
        assert body[: 1 + 5] == b"\x05READY"
        props: dict[str, bytes] = {}
        rest = body[6:]
        while rest:
            nlen = rest[0]
            name = rest[1 : 1 + nlen].decode().lower()
            (vlen,) = struct.unpack(">I", rest[1 + nlen : 5 + nlen])
            props[name] = rest[5 + nlen : 5 + nlen + vlen]
            rest = rest[5 + nlen + vlen :]
        return props

    def expect_eof(self, within: float) -> float:
        """Wait until ours closes the connection; return how long it took."""
        start = time.monotonic()
        self.conn.settimeout(within)
        try:
            while True:
                data = self.conn.recv(65536)
                if not data:
                    break
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"ours did not close the connection within {within} s")
        return time.monotonic() - start


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(5)
    yield srv
    srv.close()


@pytest.fixture
def connect_to_raw(listener: socket.socket) -> Iterator[Any]:
    conns: list[socket.socket] = []

    def run(sock: Any) -> RawPeer:
        sock.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        conn, _ = listener.accept()
        conns.append(conn)
        return RawPeer(conn)

    yield run
    for c in conns:
        c.close()


@pytest.fixture
def raw_connect() -> Iterator[Any]:
    conns: list[socket.socket] = []

    def run(side: Side, sock: Any) -> RawPeer:
        sock.bind("tcp://127.0.0.1:*")
        port = int(sock.getsockopt(side.mod.LAST_ENDPOINT).decode().rsplit(":", 1)[1])
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conns.append(conn)
        return RawPeer(conn)

    yield run
    for c in conns:
        c.close()


SUB_30 = bytes.fromhex("000601746f706963")
CANCEL_30 = bytes.fromhex("000600746f706963")
SUB_31 = bytes.fromhex("040f09535542534352494245746f706963")
CANCEL_31 = bytes.fromhex("040c0643414e43454c746f706963")


@pytest.mark.parametrize(
    ("minor", "sub_bytes", "cancel_bytes"),
    [(0, SUB_30, CANCEL_30), (1, SUB_31, CANCEL_31)],
    ids=["zmtp3.0-message-form", "zmtp3.1-command-form"],
)
@pytest.mark.parametrize("when", ["after-handshake", "before-connect"])
def test_sub_subscription_wire_form_follows_peer_version(
    side: Side, connect_to_raw: Any, minor: int, sub_bytes: bytes, cancel_bytes: bytes, when: str
) -> None:
    sub = side.socket("SUB")
    if when == "before-connect":
        sub.setsockopt(side.mod.SUBSCRIBE, b"topic")
    peer = connect_to_raw(sub)
    props = peer.handshake(minor, b"PUB")
    assert props["socket-type"] == b"SUB"
    if when == "after-handshake":
        sub.setsockopt(side.mod.SUBSCRIBE, b"topic")
    assert peer.read_frame()[2] == sub_bytes
    # Data from the raw publisher reaches the subscriber; non-matching data is filtered.
    peer.conn.sendall(frame(b"other") + frame(b"topic-data", more=True) + frame(b"tail"))
    assert sub.recv_multipart() == [b"topic-data", b"tail"]
    sub.setsockopt(side.mod.UNSUBSCRIBE, b"topic")
    assert peer.read_frame()[2] == cancel_bytes


@pytest.mark.parametrize("minor", [0, 1], ids=["zmtp3.0", "zmtp3.1"])
def test_sub_subscribe_all_wire_form(side: Side, connect_to_raw: Any, minor: int) -> None:
    sub = side.socket("SUB", SUBSCRIBE=b"")
    peer = connect_to_raw(sub)
    peer.handshake(minor, b"PUB")
    expected = bytes.fromhex("000101") if minor == 0 else bytes.fromhex("040a09535542534352494245")
    assert peer.read_frame()[2] == expected


@pytest.mark.parametrize(
    ("kind", "identity"),
    [("PUSH", None), ("PULL", None), ("DEALER", b""), ("REQ", b""), ("ROUTER", b""), ("PUB", None)],
)
def test_ready_metadata(side: Side, raw_connect: Any, kind: str, identity: bytes | None) -> None:
    peer_type = {"PUSH": b"PULL", "PULL": b"PUSH", "DEALER": b"DEALER", "REQ": b"REP"}
    peer_type |= {"ROUTER": b"DEALER", "PUB": b"SUB"}
    sock = side.socket(kind)
    peer = raw_connect(side, sock)
    props = peer.handshake(1, peer_type[kind])
    assert props["socket-type"] == kind.encode()
    if identity is None:
        assert "identity" not in props
    else:
        assert props["identity"] == identity


def test_push_frames_exactly_like_libzmq(side: Side, raw_connect: Any) -> None:
    push = side.socket("PUSH")
    peer = raw_connect(side, push)
    peer.handshake(1, b"PULL")
    push.send(b"hello")
    assert peer.read_frame()[2] == bytes.fromhex("000568656c6c6f")
    push.send(b"")
    assert peer.read_frame()[2] == b"\x00\x00"
    push.send(b"x" * 255)
    assert peer.read_frame()[2] == b"\x00\xff" + b"x" * 255
    push.send(b"y" * 256)
    assert peer.read_frame()[2] == bytes.fromhex("020000000000000100") + b"y" * 256
    push.send_multipart([b"part1", b"", b"part3"])
    got = b"".join(peer.read_frame()[2] for _ in range(3))
    assert got == bytes.fromhex("01057061727431" + "0100" + "00057061727433")


def test_pull_accepts_long_header_for_short_body_and_reserved_bits(
    side: Side, raw_connect: Any
) -> None:
    pull = side.socket("PULL")
    peer = raw_connect(side, pull)
    peer.handshake(1, b"PUSH")
    peer.conn.sendall(bytes.fromhex("02000000000000000568656c6c6f"))
    assert pull.recv() == b"hello"
    peer.conn.sendall(b"\x80\x03abc")
    assert pull.recv() == b"abc"


def test_ping_is_answered_with_pong(side: Side, raw_connect: Any) -> None:
    dealer = side.socket("DEALER")
    peer = raw_connect(side, dealer)
    peer.handshake(1, b"DEALER")
    peer.conn.sendall(bytes.fromhex("040d0450494e47000a637478313233"))
    assert peer.read_frame()[2] == bytes.fromhex("040b04504f4e47637478313233")
    peer.conn.sendall(command(b"PING", b"\x00\x00"))
    assert peer.read_frame()[2] == bytes.fromhex("040504504f4e47")


def test_unknown_command_after_handshake_is_ignored(side: Side, raw_connect: Any) -> None:
    pull = side.socket("PULL")
    peer = raw_connect(side, pull)
    peer.handshake(1, b"PUSH")
    peer.conn.sendall(command(b"FOOBAR", b"xyz") + frame(b"still-alive"))
    assert pull.recv() == b"still-alive"


def test_heartbeat_pings_carry_ttl(side: Side, connect_to_raw: Any) -> None:
    dealer = side.socket("DEALER", HEARTBEAT_IVL=50, HEARTBEAT_TTL=2000)
    peer = connect_to_raw(dealer)
    peer.handshake(1, b"DEALER")
    assert peer.read_frame()[2] == bytes.fromhex("04070450494e470014")
    peer.conn.sendall(command(b"PONG"))
    assert peer.read_frame()[2] == bytes.fromhex("04070450494e470014")


def test_heartbeat_timeout_closes_silent_peer(side: Side, connect_to_raw: Any) -> None:
    dealer = side.socket("DEALER", HEARTBEAT_IVL=50, HEARTBEAT_TIMEOUT=200, RECONNECT_IVL=60000)
    peer = connect_to_raw(dealer)
    peer.handshake(1, b"DEALER")
    took = peer.expect_eof(within=5)
    assert took >= 0.15


def test_handshake_timeout_closes_silent_peer(side: Side, raw_connect: Any) -> None:
    pull = side.socket("PULL", HANDSHAKE_IVL=300)
    peer = raw_connect(side, pull)
    took = peer.expect_eof(within=5)
    assert took >= 0.2


def test_maxmsgsize_drops_the_connection(side: Side, raw_connect: Any) -> None:
    pull = side.socket("PULL", MAXMSGSIZE=100)
    peer = raw_connect(side, pull)
    peer.handshake(1, b"PUSH")
    peer.conn.sendall(frame(b"a" * 100))
    assert pull.recv() == b"a" * 100
    peer.conn.sendall(frame(b"b" * 101))
    peer.expect_eof(within=5)
    with pytest.raises(side.mod.Again):
        pull.recv(side.mod.NOBLOCK)


def test_incompatible_socket_type_is_refused(side: Side, raw_connect: Any) -> None:
    pull = side.socket("PULL")
    peer = raw_connect(side, pull)
    peer.conn.sendall(greeting(1))
    peer.read_exact(64)
    peer.conn.sendall(ready(b"PULL"))  # PULL-PULL is not a valid pair
    # Ours may send its READY and/or an ERROR first; then it must close.
    peer.expect_eof(within=5)


def test_zmtp30_peer_handshake_and_traffic(side: Side, raw_connect: Any) -> None:
    pull = side.socket("PULL")
    peer = raw_connect(side, pull)
    peer.handshake(0, b"PUSH")
    peer.conn.sendall(frame(b"from-3.0"))
    assert pull.recv() == b"from-3.0"
