"""zmtp/mechanisms/base.py: the interface is general enough for PLAIN/CURVE-shaped
mechanisms. A toy mechanism with four handshake steps and CURVE-like frame wrapping
(every frame becomes an opaque non-command frame whose payload carries the real flags)
drives the connection's general paths."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from purezmq.constants import ProtocolError
from purezmq.zmtp import (
    ConnectionFailed,
    HandshakeComplete,
    HandshakeParams,
    Mechanism,
    MechanismError,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_command, parse_command
from purezmq.zmtp.frames import FLAG_COMMAND, FLAG_MORE, ZERO_COPY_MIN_SIZE
from purezmq.zmtp.mechanisms.base import ZAP_STATUS_CODES
from tests.zmtp.helpers import failures, messages, pump

KEY = 0x5A


def xor(data: bytes) -> bytes:
    return bytes(b ^ KEY for b in data)


class ToyMechanism(Mechanism):
    """HELLO -> WELCOME -> INITIATE(metadata) -> READY(metadata); then XOR-wrapped frames."""

    name = b"TOY"
    wraps_frames = True

    def __init__(self, server: bool) -> None:
        super().__init__()
        self._server = server
        self._step = 0
        self._done = False

    @property
    def as_server(self) -> bool:
        return self._server

    @property
    def is_complete(self) -> bool:
        return self._done

    def start(self, params: HandshakeParams) -> None:
        super().start(params)
        if not self._server:
            self._send(encode_command(b"HELLO", b"user"))

    def process_command(self, body: bytes) -> None:
        name, data = parse_command(body)
        expected = [b"HELLO", b"INITIATE"] if self._server else [b"WELCOME", b"READY"]
        if self._step >= 2 or name != expected[self._step]:
            raise MechanismError(f"unexpected {name!r}", ProtocolError.ZMTP_UNEXPECTED_COMMAND)
        self._step += 1
        if name == b"HELLO":
            self._request_zap([data])
        elif name == b"WELCOME":
            self._send(encode_command(b"INITIATE", self._local_metadata()))
        elif name == b"INITIATE":
            self._accept_peer_metadata(data)
            self._send(encode_command(b"READY", self._local_metadata()))
            self._done = True
        else:
            self._accept_peer_metadata(data)
            self._done = True

    def zap_reply(
        self, status_code: str, user_id: bytes, metadata: bytes | Mapping[str, bytes]
    ) -> None:
        super().zap_reply(status_code, user_id, metadata)
        self._send(encode_command(b"WELCOME"))

    def encode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        inner = (1 if flags & FLAG_MORE else 0) | (2 if flags & FLAG_COMMAND else 0)
        return 0, b"MSG" + bytes((inner,)) + xor(body)

    def decode_frame(self, flags: int, body: bytes) -> tuple[int, bytes]:
        if not body.startswith(b"MSG") or len(body) < 4:
            raise MechanismError("bad MESSAGE", ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE)
        inner = body[3]
        return (FLAG_MORE if inner & 1 else 0) | (FLAG_COMMAND if inner & 2 else 0), xor(body[4:])


def connected() -> tuple[ZMTPConnection, ZMTPConnection]:
    client = ZMTPConnection("DEALER", mechanism=ToyMechanism(False), routing_id=b"cli")
    server = ZMTPConnection("ROUTER", mechanism=ToyMechanism(True))
    ec, es = pump(client, server)
    (request,) = es
    assert request.mechanism == "TOY" and request.credentials == [b"user"]  # type: ignore[union-attr]
    assert ec == []
    es = server.zap_reply("200", b"user-1")
    ec, es2 = pump(client, server)
    (hc,) = ec
    (hs,) = es + es2
    assert isinstance(hc, HandshakeComplete) and isinstance(hs, HandshakeComplete)
    assert hs.identity == b"cli" and hs.properties["User-Id"] == b"user-1"
    assert hc.socket_type == "ROUTER"
    return client, server


def test_multi_step_handshake_with_async_zap_and_as_server_byte() -> None:
    client = ZMTPConnection("DEALER", mechanism=ToyMechanism(False))
    server = ZMTPConnection("ROUTER", mechanism=ToyMechanism(True))
    server_greeting = b""
    for _ in range(3):
        client.receive_data(out := server.data_to_send(), 0.0)
        server_greeting += out
        server.receive_data(client.data_to_send(), 0.0)
    assert server_greeting[32] == 1  # the server role says so in its greeting
    connected()


def test_wrapped_traffic_both_ways() -> None:
    client, server = connected()
    big = b"B" * (ZERO_COPY_MIN_SIZE + 5)
    client.send_message([b"a", b"", big])
    client.send_subscribe(b"topic", True)  # a wrapped command
    wire = client.data_to_send()
    assert b"topic" not in wire and b"SUBSCRIBE" not in wire
    # split anywhere: the general path reassembles too
    es = server.receive_data(wire[:7], 1.0) + server.receive_data(wire[7:], 1.0)
    assert messages(es) == [[b"a", b"", big], [b"\x01topic"]]
    server.send_message([b"reply"])
    assert messages(client.receive_data(server.data_to_send(), 1.0)) == [[b"reply"]]


def test_wrapped_heartbeats() -> None:
    client, server = connected()
    client2 = ZMTPConnection("DEALER", mechanism=ToyMechanism(False), heartbeat_ivl=1.0)
    assert client2.next_deadline() is not None
    # PING from the server, wrapped, is answered with a wrapped PONG
    ping = server.mechanism.encode_frame(FLAG_COMMAND, b"\x04PING\x00\x00ctx")
    server_wire = bytes((ping[0], len(ping[1]))) + ping[1]
    assert client.receive_data(server_wire, 2.0) == []
    out = client.data_to_send()
    assert b"PONG" not in out
    flags, body = client.mechanism.decode_frame(out[0], out[2:])
    assert (flags, body) == (FLAG_COMMAND, b"\x04PONGctx")


def test_wrapped_decode_failure_and_frame_error() -> None:
    client, server = connected()
    events = server.receive_data(b"\x00\x05MSG\x00" + bytes((ord("h") ^ KEY,)) + b"\x00\x02XX", 0.0)
    assert messages(events) == [[b"h"]]
    (fail,) = failures(events)
    assert fail.code == ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE and not fail.handshake
    # a top-bit length after a good frame: the good one is still delivered
    client2, server2 = connected()
    events = server2.receive_data(b"\x00\x05MSG\x00" + b"\x32" + b"\x02" + b"\xff" * 8, 0.0)
    assert messages(events) == [[b"h"]] and len(failures(events)) == 1
    # a wrapped malformed command fails the connection
    client3, server3 = connected()
    bad = server3.mechanism.encode_frame(FLAG_COMMAND, b"\x09PI")
    events = client3.receive_data(bytes((bad[0], len(bad[1]))) + bad[1], 0.0)
    assert [type(e) for e in events] == [ConnectionFailed]


def test_handshake_failure_from_a_multi_step_mechanism() -> None:
    server = ZMTPConnection("ROUTER", mechanism=ToyMechanism(True))
    client = ZMTPConnection("DEALER", mechanism=ToyMechanism(True))  # both think "server"
    ec, es = pump(client, server)
    assert ec == [] and es == []  # both wait for a HELLO: only the handshake timeout helps
    (fail,) = server.handle_timer(30.0)
    assert isinstance(fail, ConnectionFailed) and fail.handshake


def test_zap_status_codes() -> None:
    assert frozenset({"200", "300", "400", "500"}) == ZAP_STATUS_CODES


@pytest.mark.parametrize("reply", ["400", "500"])
def test_toy_zap_denied(reply: str) -> None:
    client = ZMTPConnection("DEALER", mechanism=ToyMechanism(False))
    server = ZMTPConnection("ROUTER", mechanism=ToyMechanism(True))
    pump(client, server)
    (fail,) = server.zap_reply(reply)
    assert isinstance(fail, ConnectionFailed) and fail.auth
    (err,) = client.receive_data(server.data_to_send(), 0.0)
    assert err.reason == reply  # type: ignore[union-attr]


class FailingStart(ToyMechanism):
    """A mechanism that refuses at start (e.g. a CURVE client without a server key)."""

    def start(self, params: HandshakeParams) -> None:
        super().start(params)
        raise MechanismError("no server key", ProtocolError.ZMTP_KEY_EXCHANGE)


def test_failure_at_start() -> None:
    conn = ZMTPConnection("DEALER", mechanism=FailingStart(False))
    peer = ZMTPConnection("ROUTER", mechanism=ToyMechanism(True))
    conn.receive_data(peer.data_to_send(), 0.0)
    peer.receive_data(conn.data_to_send(), 0.0)
    events = conn.receive_data(peer.data_to_send() + b"\x04\x01X", 0.0)
    (fail,) = events
    assert isinstance(fail, ConnectionFailed)
    assert fail.code == ProtocolError.ZMTP_KEY_EXCHANGE and fail.handshake
