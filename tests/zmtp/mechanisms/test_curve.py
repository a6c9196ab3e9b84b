"""zmtp/mechanisms/curve.py: the CURVE handshake (RFC 25/26) and MESSAGE codec, step by
step, between two connections, against the generated vectors (fixed keys), and under
hostile input (every box flipped, replays, truncations, fuzz)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("nacl")

from nacl.bindings import crypto_box_easy_afternm, crypto_box_open_easy_afternm  # noqa: E402

from purezmq.constants import Errno, ProtocolError  # noqa: E402
from purezmq.error import ZMQError  # noqa: E402
from purezmq.zmtp import (  # noqa: E402
    ConnectionFailed,
    ErrorReceived,
    Event,
    HandshakeComplete,
    HandshakeParams,
    MechanismError,
    MessageReceived,
    ProtocolStateError,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.commands import encode_properties  # noqa: E402
from purezmq.zmtp.errors import ZMTPProtocolError  # noqa: E402
from purezmq.zmtp.frames import FLAG_COMMAND, FLAG_MORE, encode_command_frame  # noqa: E402
from purezmq.zmtp.mechanisms import curve  # noqa: E402
from purezmq.zmtp.mechanisms.curve import (  # noqa: E402
    HELLO_SIZE,
    MAX_SHORT_NONCE,
    MIN_INITIATE_SIZE,
    WELCOME_SIZE,
    CurveClientMechanism,
    CurveServerMechanism,
    CurveUnavailableError,
    curve_keypair,
    curve_public,
    has_curve,
)
from tests.zmtp.helpers import chunkings, feed, greeting, messages, pump, split_at, vec  # noqa: E402

C_T_SECRET = vec("curve_key_client_transient_secret")
C_T_PUBLIC = vec("curve_key_client_transient_public")
S_SECRET = vec("curve_key_server_permanent_secret")
S_PUBLIC = vec("curve_key_server_permanent_public")
S_T_SECRET = vec("curve_key_server_transient_secret")
S_T_PUBLIC = vec("curve_key_server_transient_public")
CLIENT_PUBLIC, CLIENT_SECRET = curve_keypair()


def fixed_random(*values: bytes) -> Callable[[int], bytes]:
    """A randomness source that hands out ``values`` first (sizes must match), then
    os.urandom."""
    queue = list(values)

    def draw(n: int) -> bytes:
        if queue:
            value = queue.pop(0)
            assert len(value) == n
            return value
        return os.urandom(n)

    return draw


def client_mech(**kwargs: object) -> CurveClientMechanism:
    return CurveClientMechanism(CLIENT_PUBLIC, CLIENT_SECRET, S_PUBLIC, **kwargs)  # type: ignore[arg-type]


def server_mech(**kwargs: object) -> CurveServerMechanism:
    return CurveServerMechanism(S_PUBLIC, S_SECRET, **kwargs)  # type: ignore[arg-type]


def started(
    mech: CurveClientMechanism | CurveServerMechanism, socket_type: str
) -> CurveClientMechanism | CurveServerMechanism:
    mech.start(HandshakeParams(socket_type))
    return mech


def handshake_bodies() -> tuple[CurveClientMechanism, CurveServerMechanism, dict[str, bytes]]:
    """Run the four steps on bare mechanisms; return both and every command body."""
    client = client_mech()
    server = server_mech()
    client.start(HandshakeParams("DEALER", b"cli"))
    server.start(HandshakeParams("ROUTER"))
    (hello,) = client.take_commands()
    server.process_command(hello)
    (welcome,) = server.take_commands()
    client.process_command(welcome)
    (initiate,) = client.take_commands()
    server.process_command(initiate)
    (ready,) = server.take_commands()
    client.process_command(ready)
    bodies = {"hello": hello, "welcome": welcome, "initiate": initiate, "ready": ready}
    return client, server, bodies


def fresh_server_after_hello(hello: bytes) -> CurveServerMechanism:
    server = server_mech()
    server.start(HandshakeParams("ROUTER"))
    server.process_command(hello)
    server.take_commands()
    return server


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes((data[index] ^ 0x01,)) + data[index + 1 :]


def code_of(call: Callable[..., object], *args: object) -> int:
    with pytest.raises(ZMTPProtocolError) as info:
        call(*args)
    return info.value.code


# --- keys and availability ----------------------------------------------------------------


def test_keys() -> None:
    assert has_curve()
    assert curve_public(C_T_SECRET) == C_T_PUBLIC
    assert curve_public(S_SECRET) == S_PUBLIC
    assert curve_public(S_T_SECRET) == S_T_PUBLIC
    public, secret = curve_keypair()
    assert len(public) == len(secret) == 32 and curve_public(secret) == public
    assert curve_keypair() != (public, secret)


@pytest.mark.parametrize("bad", [b"", b"x" * 31, b"x" * 33, "x" * 32])
def test_keys_must_be_32_raw_bytes(bad: bytes) -> None:
    for make in (
        lambda: CurveClientMechanism(bad, CLIENT_SECRET, S_PUBLIC),
        lambda: CurveClientMechanism(CLIENT_PUBLIC, bad, S_PUBLIC),
        lambda: CurveClientMechanism(CLIENT_PUBLIC, CLIENT_SECRET, bad),
        lambda: CurveServerMechanism(bad, S_SECRET),
        lambda: CurveServerMechanism(S_PUBLIC, bad),
        lambda: curve_public(bad),
    ):
        with pytest.raises(ZMQError) as info:
            make()
        assert info.value.errno == Errno.EINVAL


def test_without_pynacl_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(curve, "_HAVE_NACL", False)
    assert not has_curve()
    for make in (
        lambda: client_mech(),
        lambda: server_mech(),
        curve_keypair,
        lambda: curve_public(S_SECRET),
    ):
        with pytest.raises(CurveUnavailableError, match=r"purezmq\[curve\]"):
            make()
    assert issubclass(CurveUnavailableError, ImportError)


def test_without_pynacl_import_works() -> None:
    code = (
        "import sys\n"
        "sys.modules['nacl'] = None\n"
        "import purezmq, purezmq.zmtp\n"
        "from purezmq.zmtp.mechanisms import curve\n"
        "assert not curve.has_curve()\n"
        "try:\n"
        "    curve.CurveServerMechanism(bytes(32), bytes(32))\n"
        "except curve.CurveUnavailableError as exc:\n"
        "    assert 'pip install purezmq[curve]' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=30)


# --- vectors ------------------------------------------------------------------------------


def test_hello_vector_byte_exact() -> None:
    mech = client_mech(random_bytes=fixed_random(C_T_SECRET))
    assert mech.name == b"CURVE" and mech.wraps_frames and not mech.as_server
    mech.start(HandshakeParams("DEALER"))
    (hello,) = mech.take_commands()
    assert encode_command_frame(hello) == vec("curve_hello_frame")
    # and through a connection, after the greeting
    conn = ZMTPConnection("DEALER", mechanism=client_mech(random_bytes=fixed_random(C_T_SECRET)))
    conn.receive_data(greeting(b"CURVE", as_server=True), 0.0)
    assert conn.data_to_send().endswith(vec("curve_hello_frame"))


def connected(
    *, client_random: bytes = C_T_SECRET, server_random: bytes = S_T_SECRET, zap: bool = False
) -> tuple[ZMTPConnection, ZMTPConnection]:
    client = ZMTPConnection(
        "DEALER",
        mechanism=client_mech(random_bytes=fixed_random(client_random)),
        routing_id=b"cli",
    )
    server = ZMTPConnection(
        "ROUTER", mechanism=server_mech(zap=zap, random_bytes=fixed_random(server_random))
    )
    ec, es = pump(client, server)
    if zap:
        assert es == [ZapRequest("CURVE", [CLIENT_PUBLIC])] and ec == []
        es = server.zap_reply("200", b"curve-user")
        ec, es2 = pump(client, server)
        es += es2
    (hc,) = ec
    (hs,) = es
    assert isinstance(hc, HandshakeComplete) and isinstance(hs, HandshakeComplete)
    assert hc.socket_type == "ROUTER" and hs.socket_type == "DEALER" and hs.identity == b"cli"
    return client, server


def test_message_vector_byte_exact() -> None:
    client, server = connected()
    client.send_message([b"hello"])
    wire = client.data_to_send()
    assert wire == vec("curve_message_client_hello_nonce3_frame")
    assert messages(server.receive_data(wire, 0.0)) == [[b"hello"]]


def test_message_vector_decoded_by_a_server_in_any_chunking() -> None:
    wire = vec("curve_message_client_hello_nonce3_frame")

    def run(chunks: list[bytes]) -> list[list[bytes]]:
        _, server = connected()
        return messages(feed(server, chunks))

    for label, chunks in list(chunkings(wire))[:20]:
        assert run(chunks) == [[b"hello"]], label


# --- the steps ----------------------------------------------------------------------------


def test_each_step_layout_and_counters() -> None:
    client, server, bodies = handshake_bodies()
    hello, welcome, initiate, ready = (bodies[k] for k in ("hello", "welcome", "initiate", "ready"))
    assert len(hello) == HELLO_SIZE and hello[:8] == b"\x05HELLO\x01\x00"
    assert hello[8:80] == bytes(72) and hello[112:120] == (1).to_bytes(8, "big")
    assert len(welcome) == WELCOME_SIZE and welcome.startswith(b"\x07WELCOME")
    assert len(initiate) >= MIN_INITIATE_SIZE and initiate.startswith(b"\x08INITIATE")
    assert initiate[105:113] == (2).to_bytes(8, "big")
    assert ready.startswith(b"\x05READY") and ready[6:14] == (1).to_bytes(8, "big")
    assert client.is_complete and server.is_complete
    assert server.client_key == CLIENT_PUBLIC
    assert server.peer_properties == {"Socket-Type": b"DEALER", "Identity": b"cli"}
    assert client.peer_properties == {"Socket-Type": b"ROUTER", "Identity": b""}
    # traffic counters: client's first MESSAGE is 3, server's is 2
    flags, wire = client.encode_frame(FLAG_MORE, b"x")
    assert flags == 0 and wire[:16] == b"\x07MESSAGE" + (3).to_bytes(8, "big")
    assert server.decode_frame(0, wire) == (FLAG_MORE, b"x")
    flags, wire = server.encode_frame(FLAG_COMMAND, b"\x04PONG")
    assert flags == 0 and wire[8:16] == (2).to_bytes(8, "big")
    assert client.decode_frame(FLAG_COMMAND, wire) == (FLAG_COMMAND, b"\x04PONG")
    # the inner flags byte: bit 0 MORE, bit 1 COMMAND
    for outer, inner in ((0, 0), (FLAG_MORE, 1), (FLAG_COMMAND, 2), (FLAG_MORE | FLAG_COMMAND, 3)):
        _, wire = client.encode_frame(outer, b"")
        n = wire[8:16]
        plain = crypto_box_open_easy_afternm(wire[16:], b"CurveZMQMESSAGEC" + n, server._key)
        assert plain == bytes((inner,))
        assert server.decode_frame(0, wire) == (outer, b"")


def test_inner_flag_bits_beyond_two_are_ignored() -> None:
    client, server, _ = handshake_bodies()
    nonce = (10).to_bytes(8, "big")
    box = crypto_box_easy_afternm(b"\xfcdata", b"CurveZMQMESSAGEC" + nonce, client._key)
    assert server.decode_frame(0, b"\x07MESSAGE" + nonce + box) == (0, b"data")


def test_nonce_gaps_allowed_but_never_backwards() -> None:
    client, server, _ = handshake_bodies()
    client._nonce = 100
    _, w100 = client.encode_frame(0, b"a")
    client._nonce = 50
    _, w50 = client.encode_frame(0, b"b")
    assert server.decode_frame(0, w100) == (0, b"a")
    assert code_of(server.decode_frame, 0, w100) == ProtocolError.ZMTP_INVALID_SEQUENCE
    assert code_of(server.decode_frame, 0, w50) == ProtocolError.ZMTP_INVALID_SEQUENCE


def test_nonce_space_exhausted() -> None:
    client, _, _ = handshake_bodies()
    client._nonce = MAX_SHORT_NONCE
    client.encode_frame(0, b"last")
    with pytest.raises(ProtocolStateError):
        client.encode_frame(0, b"one too many")


# --- two connections ----------------------------------------------------------------------


def test_traffic_both_ways() -> None:
    client, server = connected()
    big = os.urandom(70_000)
    client.send_message([b"a", b"", big])
    client.send_subscribe(b"topic", True)  # an encrypted SUBSCRIBE command
    wire = client.data_to_send()
    assert b"topic" not in wire and b"SUBSCRIBE" not in wire
    # every MESSAGE is an ordinary frame with MORE clear (libzmq drops COMMAND frames)
    events = server.receive_data(wire[:100], 1.0) + server.receive_data(wire[100:], 1.0)
    assert messages(events) == [[b"a", b"", big], [b"\x01topic"]]
    server.send_message([b"reply", b"x" * 300])
    assert messages(client.receive_data(server.data_to_send(), 1.0)) == [[b"reply", b"x" * 300]]


def test_outer_frames_never_have_more_or_command() -> None:
    client, server = connected()
    client.send_message([b"1", b"2", b"3"])
    wire = client.data_to_send()
    pos = 0
    while pos < len(wire):
        assert wire[pos] & (FLAG_MORE | FLAG_COMMAND) == 0
        pos += 2 + wire[pos + 1]
    assert messages(server.receive_data(wire, 0.0)) == [[b"1", b"2", b"3"]]


def test_message_in_a_command_frame_is_accepted() -> None:
    client, server = connected()
    _, body = client.mechanism.encode_frame(0, b"via command frame")
    assert messages(server.receive_data(encode_command_frame(body), 0.0)) == [
        [b"via command frame"]
    ]


def test_encrypted_ping_pong() -> None:
    client, server = connected()
    _, ping = server.mechanism.encode_frame(FLAG_COMMAND, b"\x04PING\x00\x00hb")
    assert client.receive_data(b"\x00" + bytes((len(ping),)) + ping, 0.0) == []
    out = client.data_to_send()
    assert b"PONG" not in out and out[0] == 0
    assert server.mechanism.decode_frame(0, out[2:]) == (FLAG_COMMAND, b"\x04PONGhb")


def test_heartbeats_over_curve() -> None:
    client = ZMTPConnection("DEALER", mechanism=client_mech(), heartbeat_ivl=1.0)
    server = ZMTPConnection("ROUTER", mechanism=server_mech(), heartbeat_ivl=1.0)
    pump(client, server)
    assert client.handshake_complete and server.handshake_complete
    client.handle_timer(1.0)
    server.handle_timer(1.0)
    wire_c, wire_s = client.data_to_send(), server.data_to_send()
    assert b"PING" not in wire_c and b"PING" not in wire_s
    assert server.receive_data(wire_c, 1.1) == [] and client.receive_data(wire_s, 1.1) == []
    ec, es = pump(client, server, now=1.2)  # the PONGs
    assert ec == [] and es == [] and not client.closed and not server.closed


def test_zap_200_properties() -> None:
    _, server = connected(zap=True)
    assert server.mechanism.uses_zap  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["400", "500"])
def test_zap_denied_sends_clear_error(code: str) -> None:
    client = ZMTPConnection("DEALER", mechanism=client_mech())
    server = ZMTPConnection("ROUTER", mechanism=server_mech(zap=True))
    _, es = pump(client, server)
    assert es == [ZapRequest("CURVE", [CLIENT_PUBLIC])]
    (fail,) = server.zap_reply(code)
    assert isinstance(fail, ConnectionFailed) and fail.auth and fail.code == int(code)
    wire = server.data_to_send()
    assert wire == b"\x04\x0a\x05ERROR\x03" + code.encode()
    assert client.receive_data(wire, 0.0) == [ErrorReceived(code)]


def test_zap_300_sends_nothing() -> None:
    client = ZMTPConnection("DEALER", mechanism=client_mech())
    server = ZMTPConnection("ROUTER", mechanism=server_mech(zap=True), handshake_ivl=5.0)
    pump(client, server)
    assert server.zap_reply("300") == [] and server.data_to_send() == b""
    (fail,) = server.handle_timer(5.0)
    assert isinstance(fail, ConnectionFailed) and fail.auth and fail.code == 300


def test_zap_metadata_and_user_id() -> None:
    client = ZMTPConnection("DEALER", mechanism=client_mech())
    server = ZMTPConnection("ROUTER", mechanism=server_mech(zap=True))
    pump(client, server)
    es = server.zap_reply("200", b"u1", encode_properties([("X-Role", b"admin")]))
    ec, es2 = pump(client, server)
    (hs,) = es + es2
    assert [type(e) for e in ec] == [HandshakeComplete]
    assert isinstance(hs, HandshakeComplete)
    assert hs.properties["User-Id"] == b"u1" and hs.properties["X-Role"] == b"admin"


def test_commands_while_zap_pending_fail() -> None:
    c = client_mech()
    c.start(HandshakeParams("DEALER"))
    server = server_mech(zap=True)
    server.start(HandshakeParams("ROUTER"))
    (hello,) = c.take_commands()
    server.process_command(hello)
    c.process_command(server.take_commands()[0])
    (initiate,) = c.take_commands()
    server.process_command(initiate)
    assert server.zap_pending and server.take_commands() == []
    assert server.take_zap_request() == ZapRequest("CURVE", [CLIENT_PUBLIC])
    code = code_of(server.process_command, initiate)
    assert code == ProtocolError.ZMTP_UNEXPECTED_COMMAND


# --- hostile input ------------------------------------------------------------------------


def test_flip_every_byte_of_hello() -> None:
    _, _, bodies = handshake_bodies()
    hello = bodies["hello"]
    for i in range(80, HELLO_SIZE):  # C', nonce, box
        server = server_mech()
        server.start(HandshakeParams("ROUTER"))
        assert code_of(server.process_command, flip(hello, i)) == ProtocolError.ZMTP_CRYPTOGRAPHIC
        assert server.take_commands() == []


@pytest.mark.parametrize("version", [b"\x01\x01", b"\x02\x00", b"\x00\x00"])
def test_wrong_hello_version(version: bytes) -> None:
    _, _, bodies = handshake_bodies()
    hello = bodies["hello"][:6] + version + bodies["hello"][8:]
    server = server_mech()
    server.start(HandshakeParams("ROUTER"))
    assert code_of(server.process_command, hello) == ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO


def test_flip_every_byte_of_welcome() -> None:
    client = client_mech()
    client.start(HandshakeParams("DEALER"))
    (hello,) = client.take_commands()
    server = fresh_server_after_hello(hello)
    server2 = server_mech()
    server2.start(HandshakeParams("ROUTER"))
    server2.process_command(hello)
    (welcome,) = server2.take_commands()
    del server
    for i in range(8, WELCOME_SIZE):
        c = client_mech(random_bytes=fixed_random(client._cn_secret))
        c.start(HandshakeParams("DEALER"))
        assert code_of(c.process_command, flip(welcome, i)) == ProtocolError.ZMTP_CRYPTOGRAPHIC
        assert c.take_commands() == [hello]


def client_and_server_at_initiate() -> tuple[CurveClientMechanism, bytes, bytes]:
    """A client's HELLO and INITIATE (for a server we re-create from the same randomness)."""
    c = client_mech(random_bytes=fixed_random(C_T_SECRET))
    c.start(HandshakeParams("DEALER"))
    (hello,) = c.take_commands()
    server = server_mech(random_bytes=fixed_random(S_T_SECRET, b"k" * 32, b"n" * 16, b"w" * 16))
    server.start(HandshakeParams("ROUTER"))
    server.process_command(hello)
    (welcome,) = server.take_commands()
    c.process_command(welcome)
    (initiate,) = c.take_commands()
    return c, hello, initiate


def server_waiting_for_initiate(hello: bytes) -> CurveServerMechanism:
    server = server_mech(random_bytes=fixed_random(S_T_SECRET, b"k" * 32, b"n" * 16, b"w" * 16))
    server.start(HandshakeParams("ROUTER"))
    server.process_command(hello)
    server.take_commands()
    return server


def test_flip_every_byte_of_initiate() -> None:
    _, hello, initiate = client_and_server_at_initiate()
    ok = server_waiting_for_initiate(hello)
    ok.process_command(initiate)
    assert ok.is_complete
    for i in range(9, len(initiate)):
        server = server_waiting_for_initiate(hello)
        code = code_of(server.process_command, flip(initiate, i))
        assert code == ProtocolError.ZMTP_CRYPTOGRAPHIC, i
        assert server.take_commands() == [] and not server.is_complete


def test_initiate_with_a_cookie_from_another_connection() -> None:
    _, hello, initiate = client_and_server_at_initiate()
    _, _, other = handshake_bodies()  # an unrelated connection, its own cookie key
    server = server_waiting_for_initiate(hello)
    forged = initiate[:9] + other["initiate"][9:105] + initiate[105:]
    assert code_of(server.process_command, forged) == ProtocolError.ZMTP_CRYPTOGRAPHIC
    # the cookie of this very server, but a server with a new cookie key (a replay of an
    # old INITIATE on a new connection from the same client transient key)
    server = server_mech(random_bytes=fixed_random(S_T_SECRET, b"K" * 32, b"n" * 16))
    server.start(HandshakeParams("ROUTER"))
    server.process_command(hello)
    assert code_of(server.process_command, initiate) == ProtocolError.ZMTP_CRYPTOGRAPHIC


def _reseal_initiate(
    client: CurveClientMechanism, initiate: bytes, plain_edit: Callable[[bytes], bytes]
) -> bytes:
    """Decrypt the client's INITIATE box, edit the plaintext, seal it again."""
    nonce = initiate[105:113]
    plain = crypto_box_open_easy_afternm(initiate[113:], b"CurveZMQINITIATE" + nonce, client._key)
    box = crypto_box_easy_afternm(plain_edit(plain), b"CurveZMQINITIATE" + nonce, client._key)
    return initiate[:113] + box


def test_vouch_checks() -> None:
    from nacl.bindings import crypto_box_easy

    client, hello, initiate = client_and_server_at_initiate()

    def vouch_for(content: bytes) -> Callable[[bytes], bytes]:
        def edit(plain: bytes) -> bytes:
            vn = plain[32:48]
            vouch = crypto_box_easy(content, b"VOUCH---" + vn, S_T_PUBLIC, CLIENT_SECRET)
            return plain[:48] + vouch + plain[128:]

        return edit

    cases = [
        (vouch_for(C_T_PUBLIC + S_PUBLIC), None),  # the genuine content: accepted
        (vouch_for(os.urandom(32) + S_PUBLIC), ProtocolError.ZMTP_KEY_EXCHANGE),
        (vouch_for(C_T_PUBLIC + os.urandom(32)), ProtocolError.ZMTP_KEY_EXCHANGE),
        (lambda p: p[:48] + flip(p[48:128], 20) + p[128:], ProtocolError.ZMTP_CRYPTOGRAPHIC),
        # a vouch made by someone else's permanent key than the C in the box
        (lambda p: curve_keypair()[0] + p[32:], ProtocolError.ZMTP_CRYPTOGRAPHIC),
        (lambda p: p + b"\x01", ProtocolError.ZMTP_INVALID_METADATA),
        (
            lambda p: p[:128] + encode_properties([("Socket-Type", b"PUSH")]),
            ProtocolError.ZMTP_INVALID_METADATA,
        ),
    ]
    for edit, expected in cases:
        server = server_waiting_for_initiate(hello)
        forged = _reseal_initiate(client, initiate, edit)
        if expected is None:
            server.process_command(forged)
            assert server.is_complete
        else:
            assert code_of(server.process_command, forged) == expected


def test_initiate_nonce_must_follow_hello() -> None:
    c = client_mech(random_bytes=fixed_random(C_T_SECRET))
    c.start(HandshakeParams("DEALER"))
    (hello,) = c.take_commands()
    server = server_waiting_for_initiate(hello)
    c._nonce = 1  # the client reuses HELLO's nonce for INITIATE
    c.process_command(s_copy_welcome(hello))
    (initiate,) = c.take_commands()
    assert initiate[105:113] == (1).to_bytes(8, "big")
    assert code_of(server.process_command, initiate) == ProtocolError.ZMTP_INVALID_SEQUENCE


def test_flip_every_byte_of_ready() -> None:
    c = client_mech(random_bytes=fixed_random(C_T_SECRET, b"v" * 16))
    c.start(HandshakeParams("DEALER"))
    (hello,) = c.take_commands()
    server = server_waiting_for_initiate(hello)
    welcome = s_copy_welcome(hello)
    c.process_command(welcome)
    (initiate,) = c.take_commands()
    server.process_command(initiate)
    (ready,) = server.take_commands()
    for i in range(6, len(ready)):
        c2 = client_mech(random_bytes=fixed_random(C_T_SECRET, b"v" * 16))
        c2.start(HandshakeParams("DEALER"))
        c2.take_commands()
        c2.process_command(welcome)
        c2.take_commands()
        code = code_of(c2.process_command, flip(ready, i))
        assert code == ProtocolError.ZMTP_CRYPTOGRAPHIC, i
        assert not c2.is_complete
    c.process_command(ready)
    assert c.is_complete


def s_copy_welcome(hello: bytes) -> bytes:
    s = server_mech(random_bytes=fixed_random(S_T_SECRET, b"k" * 32, b"n" * 16, b"w" * 16))
    s.start(HandshakeParams("ROUTER"))
    s.process_command(hello)
    (welcome,) = s.take_commands()
    return welcome


def test_flip_every_byte_of_a_message() -> None:
    client, server, _ = handshake_bodies()
    _, wire = client.encode_frame(0, b"payload")
    for i in range(len(wire)):
        code = code_of(server.decode_frame, 0, flip(wire, i))
        if i < 8:
            assert code == ProtocolError.ZMTP_UNEXPECTED_COMMAND
        elif i < 16:
            assert code in (ProtocolError.ZMTP_CRYPTOGRAPHIC, ProtocolError.ZMTP_INVALID_SEQUENCE)
        else:
            assert code == ProtocolError.ZMTP_CRYPTOGRAPHIC
    assert server.decode_frame(0, wire) == (0, b"payload")  # failures did not advance


def test_replayed_message_through_the_connection() -> None:
    client, server = connected()
    client.send_message([b"once"])
    wire = client.data_to_send()
    assert messages(server.receive_data(wire, 0.0)) == [[b"once"]]
    (fail,) = server.receive_data(wire, 0.0)
    assert isinstance(fail, ConnectionFailed)
    assert fail.code == ProtocolError.ZMTP_INVALID_SEQUENCE and not fail.handshake


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        (b"\x00\x05hello", ProtocolError.ZMTP_UNEXPECTED_COMMAND),  # clear text after handshake
        (b"\x04\x07\x04PING\x00\x00", ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (b"\x00\x10\x07MESSAGE" + bytes(8), ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE),
        (b"\x00\x20\x07MESSAGE" + bytes(24), ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE),
        (b"\x00\x21\x07MESSAGE" + bytes(7) + b"\x63" + bytes(17), ProtocolError.ZMTP_CRYPTOGRAPHIC),
        (b"\x00\x00", ProtocolError.ZMTP_UNEXPECTED_COMMAND),
        (b"\x00\x21\x07MESSAGE" + bytes(25), ProtocolError.ZMTP_INVALID_SEQUENCE),  # nonce 0
    ],
)
def test_bad_traffic_frames(wire: bytes, code: int) -> None:
    for receiver in connected():
        (fail,) = receiver.receive_data(wire, 0.0)
        assert isinstance(fail, ConnectionFailed) and fail.code == code


def test_truncate_every_command() -> None:
    _, _, bodies = handshake_bodies()
    c, hello, initiate = client_and_server_at_initiate()
    welcome = s_copy_welcome(hello)
    for cut in range(len(hello)):
        server = server_mech()
        server.start(HandshakeParams("ROUTER"))
        code = code_of(server.process_command, hello[:cut])
        if cut >= 6:
            assert code == ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO
    for cut in range(len(welcome)):
        c2 = client_mech(random_bytes=fixed_random(C_T_SECRET))
        c2.start(HandshakeParams("DEALER"))
        code = code_of(c2.process_command, welcome[:cut])
        if cut >= 8:
            assert code == ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME
    for cut in range(len(initiate)):
        server = server_waiting_for_initiate(hello)
        code = code_of(server.process_command, initiate[:cut])
        if cut >= 9:
            expected = (
                ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE
                if cut < MIN_INITIATE_SIZE
                else ProtocolError.ZMTP_CRYPTOGRAPHIC
            )
            assert code == expected, cut
    ready = bodies["ready"]
    for cut in range(len(ready)):
        client, _, _ = handshake_bodies()
        client._done = False
        client._peer_nonce = -1
        code = code_of(client.process_command, ready[:cut])
        if cut >= 6:
            assert code in (
                ProtocolError.ZMTP_MALFORMED_COMMAND_READY,
                ProtocolError.ZMTP_CRYPTOGRAPHIC,
            )


def test_oversized_fixed_commands() -> None:
    _, _, bodies = handshake_bodies()
    server = server_mech()
    server.start(HandshakeParams("ROUTER"))
    assert code_of(server.process_command, bodies["hello"] + b"\x00") == (
        ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO
    )
    client = client_mech()
    client.start(HandshakeParams("DEALER"))
    assert code_of(client.process_command, bodies["welcome"] + b"\x00") == (
        ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME
    )


@pytest.mark.parametrize(
    ("role", "body"),
    [
        ("server", b"\x08INITIATE" + bytes(300)),  # before HELLO
        ("server", b"\x05READY" + bytes(30)),
        ("server", b"\x07MESSAGE" + bytes(40)),
        ("client", b"\x05READY" + bytes(30)),  # before WELCOME
        ("client", b"\x05HELLO" + bytes(194)),
        ("client", b"\x08INITIATE" + bytes(300)),
    ],
)
def test_commands_out_of_order(role: str, body: bytes) -> None:
    mech = started(server_mech() if role == "server" else client_mech(), "DEALER")
    assert code_of(mech.process_command, body) == ProtocolError.ZMTP_UNEXPECTED_COMMAND


def test_second_hello_and_second_welcome() -> None:
    client, server, bodies = handshake_bodies()
    s = fresh_server_after_hello(bodies["hello"])
    assert code_of(s.process_command, bodies["hello"]) == ProtocolError.ZMTP_UNEXPECTED_COMMAND
    c = client_mech()
    c.start(HandshakeParams("DEALER"))
    (hello,) = c.take_commands()
    s = fresh_server_after_hello(hello)
    s2 = server_mech()
    s2.start(HandshakeParams("ROUTER"))
    s2.process_command(hello)
    (welcome,) = s2.take_commands()
    c.process_command(welcome)
    assert code_of(c.process_command, welcome) == ProtocolError.ZMTP_UNEXPECTED_COMMAND


def test_client_with_wrong_server_key_fails_at_the_server() -> None:
    wrong_public, _ = curve_keypair()
    client = ZMTPConnection(
        "DEALER", mechanism=CurveClientMechanism(CLIENT_PUBLIC, CLIENT_SECRET, wrong_public)
    )
    server = ZMTPConnection("ROUTER", mechanism=server_mech())
    ec, es = pump(client, server)
    assert ec == []
    (fail,) = es
    assert isinstance(fail, ConnectionFailed) and fail.handshake
    assert fail.code == ProtocolError.ZMTP_CRYPTOGRAPHIC


def test_low_order_server_key_fails_cleanly() -> None:
    client = ZMTPConnection(
        "DEALER", mechanism=CurveClientMechanism(CLIENT_PUBLIC, CLIENT_SECRET, bytes(32))
    )
    events = client.receive_data(greeting(b"CURVE"), 0.0)
    assert all(isinstance(e, ConnectionFailed) for e in events)


def test_failed_handshake_through_the_connection_in_any_chunking() -> None:
    client = client_mech(random_bytes=fixed_random(C_T_SECRET))
    client.start(HandshakeParams("DEALER"))
    (hello,) = client.take_commands()
    data = greeting(b"CURVE") + encode_command_frame(flip(hello, 150))
    for label, chunks in list(chunkings(data))[:40]:
        server = ZMTPConnection("ROUTER", mechanism=server_mech())
        events = feed(server, chunks)
        assert [type(e) for e in events] == [ConnectionFailed], label
        assert events[0].code == ProtocolError.ZMTP_CRYPTOGRAPHIC  # type: ignore[union-attr]


# --- fuzz ---------------------------------------------------------------------------------

ALLOWED = (HandshakeComplete, MessageReceived, ErrorReceived, ConnectionFailed, ZapRequest)
TERMINAL = (ErrorReceived, ConnectionFailed)


def check(conn: ZMTPConnection, chunks: list[bytes]) -> list[Event]:
    seen: list[Event] = []
    ended = False
    for chunk in chunks:
        events = conn.receive_data(chunk, 0.0)
        assert all(isinstance(e, ALLOWED) for e in events), events
        if ended:
            assert events == []
        if any(isinstance(e, TERMINAL) for e in events):
            ended = True
            assert conn.closed
        seen += events
        conn.data_to_send()
    return seen


_BODIES = handshake_bodies()[2]
_PIECES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([encode_command_frame(b) for b in _BODIES.values()]),
    st.sampled_from([b"\x04\xc8\x05HELLO", b"\x06" + bytes(7) + b"\x01\x24\x08INITIATE"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=6), st.lists(st.integers(0, 2000), max_size=5))
def test_fuzz_server_handshake(pieces: list[bytes], cuts: list[int]) -> None:
    data = greeting(b"CURVE") + b"".join(pieces)
    server = ZMTPConnection("ROUTER", mechanism=server_mech(zap=True))
    events = check(server, split_at(data, cuts))
    if any(isinstance(e, ZapRequest) for e in events) and not server.closed:
        for e in server.zap_reply("200"):
            assert isinstance(e, ALLOWED)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 250), st.integers(0, 255))
def test_fuzz_mutated_hello(extra: bytes, index: int, xor: int) -> None:
    hello = bytearray(_BODIES["hello"])
    hello[index % len(hello)] ^= xor
    server = ZMTPConnection("ROUTER", mechanism=server_mech())
    check(server, [greeting(b"CURVE"), encode_command_frame(bytes(hello)), extra])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=5))
def test_fuzz_client_handshake(pieces: list[bytes]) -> None:
    client = ZMTPConnection("DEALER", mechanism=client_mech())
    check(client, [greeting(b"CURVE"), *(encode_command_frame(p) for p in pieces)])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=5))
def test_fuzz_traffic(pieces: list[bytes]) -> None:
    client, server = connected()
    check(
        server,
        [
            encode_command_frame(p) if i % 2 else b"\x00" + bytes((len(p),)) + p
            for i, p in enumerate(pieces)
        ],
    )
    del client


def test_mechanism_error_type() -> None:
    server = started(server_mech(), "ROUTER")
    with pytest.raises(MechanismError):
        server.process_command(b"\x05HELLO" + bytes(10))


@pytest.mark.parametrize("codec", ["portable", "ffi"])
def test_message_codec_implementations_agree(monkeypatch: pytest.MonkeyPatch, codec: str) -> None:
    """The public-PyNaCl MESSAGE codec (used when PyNaCl's cffi handle is missing) and the
    direct one produce and accept the same bytes."""
    monkeypatch.setattr(curve, "_seal_message", getattr(curve, f"_seal_message_{codec}"))
    monkeypatch.setattr(curve, "_open_message", getattr(curve, f"_open_message_{codec}"))
    client, server = connected()
    client.send_message([b"hello"])
    wire = client.data_to_send()
    assert wire == vec("curve_message_client_hello_nonce3_frame")
    assert messages(server.receive_data(wire, 0.0)) == [[b"hello"]]
    big = os.urandom(100_000)
    server.send_message([b"", big])
    assert messages(client.receive_data(server.data_to_send(), 0.0)) == [[b"", big]]
    _, wire2 = client.mechanism.encode_frame(0, b"x")
    (fail,) = server.receive_data(b"\x00" + bytes((len(wire2),)) + flip(wire2, 20), 0.0)
    assert isinstance(fail, ConnectionFailed) and fail.code == ProtocolError.ZMTP_CRYPTOGRAPHIC


def test_send_messages_over_curve_delivers_a_queue_in_order() -> None:
    """The engine's batched flush on a wrapping mechanism: every message boxed, in order,
    subscriptions included, and the budget respected."""
    from collections import deque

    class Sub:
        topic, subscribe = b"news", True

    client, server = connected()
    # b"e" and b"f" * 300: one-frame messages queued as their bytes (Pipe.bare_frames)
    q: deque[object] = deque(
        [[b"a"], [b"b", b"c" * 300], (b"t", b"u"), Sub(), [b"d"], b"e", b"f" * 300]
    )
    client.send_messages(q, 1 << 20)
    assert not q
    got = server.receive_data(client.data_to_send(), 0.0)
    assert [e.frames for e in got if isinstance(e, MessageReceived)] == [
        [b"a"],
        [b"b", b"c" * 300],
        [b"t", b"u"],
        [b"\x01news"],
        [b"d"],
        [b"e"],
        [b"f" * 300],
    ]
    q2: deque[object] = deque([[b"x" * 100]] * 5)
    client.send_messages(q2, 150)
    assert len(q2) == 3
