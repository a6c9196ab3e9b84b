"""PLAIN and CURVE against libzmq (pyzmq 27.3.0), each side in each role, tcp and ipc.

The ZAP handler on the purezmq side is a plain REP socket written here with purezmq
(the authenticator classes have their own tests in tests/auth); on the libzmq side it
is pyzmq's own ``zmq.auth`` ThreadAuthenticator.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import zmq
from zmq.auth.thread import ThreadAuthenticator

import purezmq

pytestmark = pytest.mark.interop
nacl = pytest.importorskip("nacl", reason="CURVE tests need PyNaCl (the curve extra)")

BIG = bytes(range(256)) * 4096  # 1 MiB


class ZapHandler:
    """A minimal purezmq ZAP handler: decides with ``decide(request_frames)``."""

    def __init__(self, ctx: purezmq.Context, decide: Callable[[list[bytes]], tuple[bytes, bytes]]):
        self.sock = ctx.socket(purezmq.REP)
        self.sock.linger = 0
        self.sock.bind("inproc://zeromq.zap.01")
        self.decide = decide
        self.requests: list[list[bytes]] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        poller = purezmq.Poller()
        poller.register(self.sock, purezmq.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(50):
                continue
            req = self.sock.recv_multipart()
            self.requests.append(req)
            status, user = self.decide(req)
            self.sock.send_multipart([b"1.0", req[1], status, b"", user, b""])

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close(0)


@pytest.fixture
def zctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    sockets: list[zmq.Socket] = []
    orig = c.socket

    def tracked(*a: Any, **k: Any) -> zmq.Socket:
        s = orig(*a, **k)
        sockets.append(s)
        return s

    c.socket = tracked  # type: ignore[method-assign]
    yield c
    for s in sockets:
        s.close(0)
    c.term()


def _ep(transport: str, tmp_path: Any) -> str:
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    import tempfile

    return "ipc://" + tempfile.mkdtemp(prefix="pz") + "/s"


def _exchange(server: Any, client: Any) -> None:
    """Multipart and 1 MiB both ways: REQ client, REP server."""
    client.send_multipart([b"part1", b"", b"part3"])
    assert server.recv_multipart() == [b"part1", b"", b"part3"]
    server.send(BIG)
    assert client.recv() == BIG
    client.send(BIG)
    assert server.recv() == BIG
    server.send(b"done")
    assert client.recv() == b"done"


def _timeouts(*socks: Any) -> None:
    for s in socks:
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
        s.linger = 0


@pytest.fixture(params=["tcp", "ipc"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---------------------------------------------------------------- CURVE
def test_curve_ours_server_libzmq_client(ctx, zctx, transport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spub, ssec = zmq.curve_keypair()
    cpub, csec = zmq.curve_keypair()
    server = ctx.socket(purezmq.REP)
    server.curve_server = 1
    server.curve_secretkey = ssec
    server.curve_publickey = spub
    client = zctx.socket(zmq.REQ)
    client.curve_serverkey, client.curve_publickey, client.curve_secretkey = spub, cpub, csec
    _timeouts(server, client)
    server.bind(_ep(transport, tmp_path))
    client.connect(server.last_endpoint.decode())
    _exchange(server, client)
    assert server.getsockopt(purezmq.MECHANISM) == purezmq.CURVE
    assert server.curve_publickey == spub


def test_curve_ours_client_libzmq_server(ctx, zctx, transport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spub, ssec = zmq.curve_keypair()
    cpub, csec = zmq.curve_keypair()
    server = zctx.socket(zmq.REP)
    server.curve_server, server.curve_secretkey, server.curve_publickey = 1, ssec, spub
    client = ctx.socket(purezmq.REQ)
    client.curve_serverkey = spub.decode()  # str Z85 accepted too
    client.curve_publickey = cpub
    client.curve_secretkey = csec
    _timeouts(server, client)
    server.bind(_ep(transport, tmp_path))
    client.connect(server.last_endpoint.decode())
    _exchange(server, client)


def test_curve_zap_allows_and_denies_by_client_key(ctx, zctx) -> None:  # type: ignore[no-untyped-def]
    spub, ssec = zmq.curve_keypair()
    good_pub, good_sec = zmq.curve_keypair()
    bad_pub, bad_sec = zmq.curve_keypair()
    from purezmq.utils.z85 import decode

    allowed = decode(good_pub)
    zap = ZapHandler(ctx, lambda r: (b"200", b"good") if r[6] == allowed else (b"400", b""))
    try:
        server = ctx.socket(purezmq.REP)
        server.curve_server, server.curve_secretkey, server.curve_publickey = 1, ssec, spub
        _timeouts(server)
        server.bind("tcp://127.0.0.1:*")
        ep = server.last_endpoint.decode()
        bad = zctx.socket(zmq.REQ)
        bad.curve_serverkey, bad.curve_publickey, bad.curve_secretkey = spub, bad_pub, bad_sec
        bad.connect(ep)
        bad.send(b"let me in")
        good = zctx.socket(zmq.REQ)
        good.curve_serverkey, good.curve_publickey, good.curve_secretkey = spub, good_pub, good_sec
        _timeouts(good, bad)
        good.connect(ep)
        good.send(b"hello")
        frame = server.recv(copy=False)
        assert frame.bytes == b"hello" and frame.get("User-Id") == "good"
        server.send(b"welcome")
        assert good.recv() == b"welcome"
        with pytest.raises(purezmq.Again):  # the denied client delivered nothing
            server.recv(purezmq.NOBLOCK)
        assert any(r[5] == b"CURVE" for r in zap.requests)
    finally:
        zap.stop()


def test_curve_wrong_server_key_fails_and_backs_off(ctx, zctx) -> None:  # type: ignore[no-untyped-def]
    spub, ssec = zmq.curve_keypair()
    wrong_pub, _ = zmq.curve_keypair()
    cpub, csec = zmq.curve_keypair()
    server = zctx.socket(zmq.REP)
    server.curve_server, server.curve_secretkey, server.curve_publickey = 1, ssec, spub
    port = server.bind_to_random_port("tcp://127.0.0.1")
    zmon = server.get_monitor_socket(zmq.EVENT_ACCEPTED)
    client = ctx.socket(purezmq.REQ)
    client.curve_serverkey, client.curve_publickey, client.curve_secretkey = wrong_pub, cpub, csec
    client.setsockopt(purezmq.RECONNECT_IVL, 10)
    client.linger = 0
    client.connect(f"tcp://127.0.0.1:{port}")
    client.send(b"never")
    accepted = 0
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if zmon.poll(50):
            zmon.recv_multipart()
            accepted += 1
    # with a fixed 10 ms interval that would be ~100 attempts; backing off doubles
    assert 1 <= accepted <= 10
    server.disable_monitor()
    zmon.close(0)
    server.rcvtimeo = 100
    with pytest.raises(zmq.Again):
        server.recv()


# ---------------------------------------------------------------- PLAIN
def test_plain_ours_client_libzmq_server_with_pyzmq_auth(ctx, zctx, transport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    auth = ThreadAuthenticator(zctx)
    auth.start()
    try:
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        server = zctx.socket(zmq.REP)
        server.plain_server = 1
        _timeouts(server)
        server.bind(_ep(transport, tmp_path))
        ep = server.last_endpoint.decode()
        wrong = ctx.socket(purezmq.REQ)
        wrong.plain_username, wrong.plain_password = b"admin", b"guess"
        wrong.connect(ep)
        wrong.send(b"refused")
        client = ctx.socket(purezmq.REQ)
        client.plain_username, client.plain_password = b"admin", b"secret"
        _timeouts(client, wrong)
        client.connect(ep)
        client.send_multipart([b"part1", b"", b"part3"])
        frames = server.recv_multipart(copy=False)
        assert [f.bytes for f in frames] == [b"part1", b"", b"part3"]
        assert frames[0].get("User-Id") == "admin"
        server.send(BIG)
        assert client.recv() == BIG
        server.rcvtimeo = 200
        with pytest.raises(zmq.Again):  # the wrong password delivered nothing
            server.recv()
    finally:
        auth.stop()


def test_plain_ours_server_libzmq_client(ctx, zctx, transport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    zap = ZapHandler(
        ctx, lambda r: (b"200", r[6]) if r[6:8] == [b"admin", b"secret"] else (b"400", b"")
    )
    try:
        server = ctx.socket(purezmq.REP)
        server.plain_server = 1
        server.setsockopt(purezmq.ZAP_DOMAIN, b"global")
        _timeouts(server)
        server.bind(_ep(transport, tmp_path))
        ep = server.last_endpoint.decode()
        mon = server.get_monitor_socket(purezmq.EVENT_HANDSHAKE_FAILED_AUTH)
        mon.rcvtimeo = 5000
        wrong = zctx.socket(zmq.REQ)
        wrong.plain_username, wrong.plain_password = b"admin", b"guess"
        wrong.connect(ep)
        wrong.send(b"refused")
        event, value = struct.unpack("=HI", mon.recv_multipart()[0])
        assert event == purezmq.EVENT_HANDSHAKE_FAILED_AUTH and value == 400
        client = zctx.socket(zmq.REQ)
        client.plain_username, client.plain_password = b"admin", b"secret"
        _timeouts(client, wrong)
        client.connect(ep)
        _exchange(server, client)
        req = next(r for r in zap.requests if r[6] == b"admin" and r[7] == b"secret")
        assert req[0] == b"1.0" and req[2] == b"global" and req[5] == b"PLAIN"
        server.disable_monitor()
    finally:
        zap.stop()


def test_plain_server_without_zap_handler_refuses(ctx, zctx) -> None:  # type: ignore[no-untyped-def]
    """Like libzmq: a PLAIN server with nobody to check passwords accepts nobody."""
    server = ctx.socket(purezmq.PULL)
    server.plain_server = 1
    server.bind("tcp://127.0.0.1:*")
    client = zctx.socket(zmq.PUSH)
    client.plain_username, client.plain_password = b"a", b"b"
    client.connect(server.last_endpoint.decode())
    client.send(b"x")
    server.rcvtimeo = 300
    with pytest.raises(purezmq.Again):
        server.recv()


def test_null_zap_deny_by_address(ctx, zctx) -> None:  # type: ignore[no-untyped-def]
    zap = ZapHandler(ctx, lambda r: (b"400", b""))
    try:
        server = ctx.socket(purezmq.PULL)
        server.setsockopt(purezmq.ZAP_DOMAIN, b"dom")
        server.bind("tcp://127.0.0.1:*")
        client = zctx.socket(zmq.PUSH)
        client.connect(server.last_endpoint.decode())
        client.send(b"x")
        server.rcvtimeo = 300
        with pytest.raises(purezmq.Again):
            server.recv()
        assert zap.requests and zap.requests[0][5] == b"NULL" and zap.requests[0][3] == b"127.0.0.1"
    finally:
        zap.stop()


def test_null_zap_allow(ctx, zctx) -> None:  # type: ignore[no-untyped-def]
    zap = ZapHandler(ctx, lambda r: (b"200", b"anon"))
    try:
        server = ctx.socket(purezmq.PULL)
        server.setsockopt(purezmq.ZAP_DOMAIN, b"dom")
        server.rcvtimeo = 5000
        server.bind("tcp://127.0.0.1:*")
        client = zctx.socket(zmq.PUSH)
        client.connect(server.last_endpoint.decode())
        client.send(b"x")
        assert server.recv(copy=False).get("User-Id") == "anon"
    finally:
        zap.stop()


def test_curve_options_need_keys_of_the_right_size(ctx) -> None:  # type: ignore[no-untyped-def]
    s = ctx.socket(purezmq.REQ)
    with pytest.raises(purezmq.ZMQError):
        s.curve_serverkey = b"short"
    s.curve_serverkey = bytes(32)
    assert s.getsockopt(purezmq.CURVE_SERVERKEY) == b"0" * 40
    assert s.getsockopt(purezmq.MECHANISM) == purezmq.CURVE
    s.plain_username = b"u"
    assert s.getsockopt(purezmq.MECHANISM) == purezmq.PLAIN
