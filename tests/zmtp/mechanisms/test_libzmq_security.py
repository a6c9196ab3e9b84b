"""PLAIN, CURVE and ZAP against real libzmq 4.3.5 (through pyzmq), over plain TCP sockets
that the test drives itself: the sans-I/O mechanisms alone are wire compatible.

libzmq's ZAP handler is a pyzmq REP socket at inproc://zeromq.zap.01, served from the
test's own polling loop (no thread needed: libzmq's I/O thread asks, we answer between
steps)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from purezmq.constants import ProtocolError
from purezmq.zmtp import (
    ConnectionFailed,
    ErrorReceived,
    HandshakeComplete,
    MessageReceived,
    ZapRequest,
    ZMTPConnection,
)
from purezmq.zmtp.mechanisms.base import Mechanism
from purezmq.zmtp.mechanisms.plain import PlainClientMechanism, PlainServerMechanism
from purezmq.zmtp.zap import ZAP_ENDPOINT, encode_zap_reply, parse_zap_request
from tests.zmtp.helpers import Wire

zmq = pytest.importorskip("zmq")
zmq_z85 = pytest.importorskip("zmq.utils.z85")
pytest.importorskip("nacl")
from purezmq.zmtp.mechanisms.curve import (  # noqa: E402
    CurveClientMechanism,
    CurveServerMechanism,
    curve_keypair,
)

pytestmark = pytest.mark.interop

TIMEOUT = 5.0
BIG = 70_000  # more than 64 KiB: LONG frames, several TCP reads


class Lib:
    """libzmq sockets and our TCP sockets made by a test; all closed at teardown."""

    def __init__(self) -> None:
        self.context = zmq.Context()
        self.sockets: list[Any] = []
        self.raw: list[socket.socket] = []

    def socket(self, kind: str, **options: Any) -> Any:
        sock = self.context.socket(getattr(zmq, kind))
        self.sockets.append(sock)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, int(TIMEOUT * 1000))
        for name, value in options.items():
            sock.setsockopt(getattr(zmq, name), value)
        return sock

    def bound(self, kind: str, **options: Any) -> tuple[Any, int]:
        sock = self.socket(kind, **options)
        return sock, sock.bind_to_random_port("tcp://127.0.0.1")

    def dial(self, port: int, conn: ZMTPConnection) -> Wire:
        """Our side connects to a bound libzmq socket."""
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.raw.append(sock)
        return Wire(sock, conn)

    def accept(self, kind: str, conn: ZMTPConnection, **options: Any) -> tuple[Any, Wire]:
        """A libzmq socket connects to us; return it and our accepted side."""
        listener = socket.create_server(("127.0.0.1", 0))
        self.raw.append(listener)
        listener.settimeout(TIMEOUT)
        lib = self.socket(kind, **options)
        lib.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        sock, _ = listener.accept()
        self.raw.append(sock)
        return lib, Wire(sock, conn)

    def zap_handler(self, decide: Callable[[list[bytes]], tuple[str, bytes, bytes]]) -> Any:
        """Bind a REP at the ZAP endpoint; return a hook that answers pending requests.

        ``decide(request_frames)`` returns (status_code, user_id, metadata)."""
        rep = self.socket("REP")
        rep.bind(ZAP_ENDPOINT)
        self.zap_requests: list[list[bytes]] = []

        def serve() -> None:
            while rep.poll(0):
                request = parse_zap_request(rep.recv_multipart())
                self.zap_requests.append(request)
                code, user_id, metadata = decide(request)
                rep.send_multipart(
                    encode_zap_reply(code, "test", user_id, metadata, request[1], delimiter=False)
                )

        return serve

    def close(self) -> None:
        for raw in self.raw:
            raw.close()
        for sock in self.sockets:
            sock.close(linger=0)
        self.context.term()


@pytest.fixture
def lib() -> Iterator[Lib]:
    made = Lib()
    yield made
    made.close()


def conn(socket_type: str, mechanism: Mechanism, **kwargs: Any) -> ZMTPConnection:
    return ZMTPConnection(socket_type, mechanism=mechanism, now=time.monotonic(), **kwargs)


def z85(key: bytes) -> bytes:
    return bytes(zmq_z85.encode(key))


# --- PLAIN -----------------------------------------------------------------------------


def _plain_decide(request: list[bytes]) -> tuple[str, bytes, bytes]:
    from purezmq.zmtp.commands import encode_properties

    username, password = request[6], request[7]
    if username == b"admin" and password == b"secret":
        return "200", b"user-joe", encode_properties([("X-Zap", b"yes")])
    return {b"temp": "300", b"broken": "500"}.get(username, "400"), b"", b""


def test_plain_client_vs_libzmq_server_accepted(lib: Lib) -> None:
    serve = lib.zap_handler(_plain_decide)
    pull, port = lib.bound("PULL", PLAIN_SERVER=1, ZAP_DOMAIN=b"global")
    w = lib.dial(port, conn("PUSH", PlainClientMechanism(b"admin", b"secret")))
    w.hooks.append(serve)
    hc = w.wait_for(HandshakeComplete)
    assert hc.socket_type == "PULL"
    assert lib.zap_requests == [
        [b"1.0", b"1", b"global", b"127.0.0.1", b"", b"PLAIN", b"admin", b"secret"]
    ]
    w.conn.send_message([b"hello", b"x" * BIG])
    w.step()
    frame = pull.recv(copy=False)
    assert frame.bytes == b"hello" and frame.more
    assert frame.get("User-Id") == "user-joe" and frame.get("X-Zap") == "yes"
    assert pull.recv() == b"x" * BIG


@pytest.mark.parametrize(("username", "code"), [(b"intruder", "400"), (b"broken", "500")])
def test_plain_client_gets_libzmq_malformed_error(lib: Lib, username: bytes, code: str) -> None:
    serve = lib.zap_handler(_plain_decide)
    _, port = lib.bound("PULL", PLAIN_SERVER=1)
    w = lib.dial(port, conn("PUSH", PlainClientMechanism(username, b"pw")))
    w.hooks.append(serve)
    # libzmq's PLAIN ERROR is "^RROR" (a C escape bug): still an ERROR for us
    err = w.wait_for(ErrorReceived)
    assert err.reason == code
    assert w.conn.closed and not w.conn.handshake_complete


def test_plain_client_zap_300_libzmq_sends_nothing(lib: Lib) -> None:
    serve = lib.zap_handler(_plain_decide)
    _, port = lib.bound("PULL", PLAIN_SERVER=1, HANDSHAKE_IVL=300)
    w = lib.dial(port, conn("PUSH", PlainClientMechanism(b"temp", b"pw")))
    w.hooks.append(serve)
    w.until(lambda: w.eof)  # libzmq's handshake timer closes it, no ERROR
    assert w.events == [] and not w.conn.handshake_complete


def test_plain_server_vs_libzmq_client(lib: Lib) -> None:
    ours = conn("PULL", PlainServerMechanism())
    push, w = lib.accept("PUSH", ours, PLAIN_USERNAME=b"admin", PLAIN_PASSWORD=b"secret")
    request = w.wait_for(ZapRequest)
    assert request.mechanism == "PLAIN" and request.credentials == [b"admin", b"secret"]
    w.events += w.conn.zap_reply("200", b"user-joe")
    hc = w.wait_for(HandshakeComplete)
    assert hc.socket_type == "PUSH" and hc.properties["User-Id"] == b"user-joe"
    push.send_multipart([b"a", b"y" * BIG])
    assert w.wait_for(MessageReceived).frames == [b"a", b"y" * BIG]


@pytest.mark.parametrize("code", ["400", "500"])
def test_plain_server_denies_libzmq_client(lib: Lib, code: str) -> None:
    ours = conn("PULL", PlainServerMechanism())
    _, w = lib.accept("PUSH", ours, PLAIN_USERNAME=b"joe", PLAIN_PASSWORD=b"bad")
    w.wait_for(ZapRequest)
    (fail,) = w.conn.zap_reply(code)
    assert isinstance(fail, ConnectionFailed) and fail.auth and fail.code == int(code)
    w.step()  # our well-formed ERROR goes out; the libzmq client gives up and closes
    w.until(lambda: w.eof)


# --- CURVE -----------------------------------------------------------------------------


def test_curve_client_vs_libzmq_server(lib: Lib) -> None:
    server_public, server_secret = zmq.curve_keypair()
    pair, port = lib.bound("PAIR", CURVE_SERVER=1, CURVE_SECRETKEY=server_secret)
    public, secret = curve_keypair()
    mech = CurveClientMechanism(public, secret, zmq_z85.decode(server_public))
    w = lib.dial(port, conn("PAIR", mech))
    hc = w.wait_for(HandshakeComplete)
    assert hc.socket_type == "PAIR"
    frames = [b"", b"one", b"z" * 255, b"w" * 256, b"x" * BIG]
    w.conn.send_message(frames)
    w.conn.send_message([b"single"])
    w.step()
    assert pair.recv_multipart() == frames
    assert pair.recv_multipart() == [b"single"]
    pair.send_multipart(frames)
    pair.send(b"back")
    assert w.wait_for(MessageReceived).frames == frames
    assert w.wait_for(MessageReceived).frames == [b"back"]


def test_curve_server_vs_libzmq_client(lib: Lib) -> None:
    public, secret = curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    ours = conn("PAIR", CurveServerMechanism(public, secret))
    pair, w = lib.accept(
        "PAIR",
        ours,
        CURVE_SERVERKEY=z85(public),
        CURVE_PUBLICKEY=client_public,
        CURVE_SECRETKEY=client_secret,
    )
    hc = w.wait_for(HandshakeComplete)
    assert hc.socket_type == "PAIR"
    assert w.conn.mechanism.client_key == zmq_z85.decode(client_public)  # type: ignore[attr-defined]
    frames = [b"m1", b"", b"x" * BIG]
    pair.send_multipart(frames)
    assert w.wait_for(MessageReceived).frames == frames
    w.conn.send_message(frames)
    w.step()
    assert pair.recv_multipart() == frames


@pytest.mark.parametrize("code", ["200", "400"])
def test_curve_server_with_zap_vs_libzmq_client(lib: Lib, code: str) -> None:
    public, secret = curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    ours = conn("PULL", CurveServerMechanism(public, secret, zap=True))
    push, w = lib.accept(
        "PUSH",
        ours,
        CURVE_SERVERKEY=z85(public),
        CURVE_PUBLICKEY=client_public,
        CURVE_SECRETKEY=client_secret,
    )
    request = w.wait_for(ZapRequest)
    assert request.mechanism == "CURVE"
    assert request.credentials == [zmq_z85.decode(client_public)]
    w.events += w.conn.zap_reply(code, b"curve-user")
    if code == "200":
        hc = w.wait_for(HandshakeComplete)
        assert hc.properties["User-Id"] == b"curve-user"
        push.send(b"after zap")
        assert w.wait_for(MessageReceived).frames == [b"after zap"]
    else:
        fail = w.wait_for(ConnectionFailed)
        assert fail.auth and fail.code == 400
        w.step()  # the ERROR goes out (clear text), libzmq closes
        w.until(lambda: w.eof)


def test_libzmq_curve_server_with_zap_sees_our_key(lib: Lib) -> None:
    public, secret = curve_keypair()
    serve = lib.zap_handler(
        lambda req: ("200", b"u", b"") if req[6] == public else ("400", b"", b"")
    )
    server_public, server_secret = zmq.curve_keypair()
    pull, port = lib.bound("PULL", CURVE_SERVER=1, CURVE_SECRETKEY=server_secret)
    mech = CurveClientMechanism(public, secret, zmq_z85.decode(server_public))
    w = lib.dial(port, conn("PUSH", mech))
    w.hooks.append(serve)
    w.wait_for(HandshakeComplete)
    assert lib.zap_requests[0][5:] == [b"CURVE", public]
    w.conn.send_message([b"ok"])
    w.step()
    frame = pull.recv(copy=False)
    assert frame.bytes == b"ok" and frame.get("User-Id") == "u"


def test_libzmq_curve_server_denies_us(lib: Lib) -> None:
    public, secret = curve_keypair()
    serve = lib.zap_handler(lambda req: ("400", b"", b""))
    server_public, server_secret = zmq.curve_keypair()
    _, port = lib.bound("PULL", CURVE_SERVER=1, CURVE_SECRETKEY=server_secret)
    mech = CurveClientMechanism(public, secret, zmq_z85.decode(server_public))
    w = lib.dial(port, conn("PUSH", mech))
    w.hooks.append(serve)
    err = w.wait_for(ErrorReceived)  # CURVE's ERROR is well formed and in clear text
    assert err.reason == "400"


def test_curve_client_with_wrong_server_key(lib: Lib) -> None:
    _, server_secret = zmq.curve_keypair()
    _, port = lib.bound("PULL", CURVE_SERVER=1, CURVE_SECRETKEY=server_secret)
    public, secret = curve_keypair()
    wrong, _ = curve_keypair()
    w = lib.dial(port, conn("PUSH", CurveClientMechanism(public, secret, wrong)))
    # libzmq cannot open our HELLO box: it closes without a word
    w.until(lambda: w.eof)
    assert not w.conn.handshake_complete
    assert all(not isinstance(e, HandshakeComplete) for e in w.events)


def test_libzmq_curve_client_with_wrong_server_key(lib: Lib) -> None:
    public, secret = curve_keypair()
    wrong, _ = curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    ours = conn("PULL", CurveServerMechanism(public, secret))
    _, w = lib.accept(
        "PUSH",
        ours,
        CURVE_SERVERKEY=z85(wrong),
        CURVE_PUBLICKEY=client_public,
        CURVE_SECRETKEY=client_secret,
    )
    fail = w.wait_for(ConnectionFailed)
    assert fail.code == ProtocolError.ZMTP_CRYPTOGRAPHIC and fail.handshake


def test_curve_heartbeats_and_subscriptions_with_libzmq(lib: Lib) -> None:
    server_public, server_secret = zmq.curve_keypair()
    pub, port = lib.bound(
        "PUB",
        CURVE_SERVER=1,
        CURVE_SECRETKEY=server_secret,
        HEARTBEAT_IVL=50,
        HEARTBEAT_TIMEOUT=300,
    )
    public, secret = curve_keypair()
    mech = CurveClientMechanism(public, secret, zmq_z85.decode(server_public))
    w = lib.dial(
        port, conn("SUB", mech, heartbeat_ivl=0.05, heartbeat_timeout=0.3, heartbeat_ttl=1.0)
    )
    w.wait_for(HandshakeComplete)
    w.conn.send_subscribe(b"yes", True)  # an encrypted SUBSCRIBE command
    # encrypted PINGs both ways for a while: nobody times out
    end = time.monotonic() + 0.6
    w.until(lambda: time.monotonic() > end, timeout=2.0)
    assert not w.eof and not w.conn.closed

    def got_message() -> bool:
        pub.send(b"no-1")
        pub.send(b"yes-1")
        return any(isinstance(e, MessageReceived) for e in w.events)

    w.until(got_message)
    got = {bytes(e.frames[0]) for e in w.events if isinstance(e, MessageReceived)}
    assert got == {b"yes-1"}


def test_curve_metadata_both_ways_with_libzmq_router(lib: Lib) -> None:
    # INITIATE (ours) and READY (libzmq's) carry Identity and ZMQ_METADATA inside boxes
    server_public, server_secret = zmq.curve_keypair()
    router, port = lib.bound(
        "ROUTER",
        CURVE_SERVER=1,
        CURVE_SECRETKEY=server_secret,
        ROUTING_ID=b"lib-router",
        METADATA=b"X-Lib:yes",
    )
    public, secret = curve_keypair()
    mech = CurveClientMechanism(public, secret, zmq_z85.decode(server_public))
    w = lib.dial(port, conn("DEALER", mech, routing_id=b"our-id", metadata={"X-Ours": b"1"}))
    hc = w.wait_for(HandshakeComplete)
    assert hc.identity == b"lib-router" and hc.properties["X-Lib"] == b"yes"
    w.conn.send_message([b"req"])
    w.step()
    ident, frame = router.recv_multipart(copy=False)
    assert ident.bytes == b"our-id" and frame.bytes == b"req"
    assert frame.get("X-Ours") == "1"
    router.send_multipart([b"our-id", b"rep"])
    assert w.wait_for(MessageReceived).frames == [b"rep"]
