"""Socket options: HWM, CONFLATE, IMMEDIATE, endpoints, XPUB and ROUTER options, getsockopt."""

from __future__ import annotations

import socket
import time

import pytest

from tests.sockets._ours import Endpoints, Side, sync_pubsub


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("hwm", [1, 3, 10])
def test_connecting_push_queues_exactly_sndhwm_before_the_peer_exists(side: Side, hwm: int) -> None:
    port = _free_tcp_port()
    push = side.socket("PUSH", SNDHWM=hwm)
    assert push.getsockopt(side.mod.SNDHWM) == hwm
    push.connect(f"tcp://127.0.0.1:{port}")  # nobody listens yet
    for i in range(hwm):
        push.send(b"%d" % i, side.mod.NOBLOCK)
    with pytest.raises(side.mod.Again):
        push.send(b"one too many", side.mod.NOBLOCK)
    pull = side.socket("PULL")
    pull.bind(f"tcp://127.0.0.1:{port}")
    assert [pull.recv() for _ in range(hwm)] == [b"%d" % i for i in range(hwm)]
    with pytest.raises(side.mod.Again):
        pull.recv(side.mod.NOBLOCK)


def test_immediate_push_without_connection_raises_again(side: Side) -> None:
    push = side.socket("PUSH", IMMEDIATE=1)
    assert push.getsockopt(side.mod.IMMEDIATE) == 1
    push.connect(f"tcp://127.0.0.1:{_free_tcp_port()}")
    with pytest.raises(side.mod.Again):
        push.send(b"x", side.mod.NOBLOCK)


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_pub_never_blocks_at_hwm(side: Side, endpoints: Endpoints, transport: str) -> None:
    pub = side.socket("PUB", SNDHWM=2)
    sub = side.socket("SUB", RCVHWM=2)
    sub.connect(endpoints.bind(side.mod, pub, transport))
    sub.setsockopt(side.mod.SUBSCRIBE, b"")
    sync_pubsub(side.mod, pub, side.mod, sub)
    payload = b"x" * 1024
    count = 20000  # 20 MB: more than loopback socket buffers can hold, so some must drop
    for _ in range(count):
        pub.send(payload, side.mod.NOBLOCK)  # must never raise Again
    # The subscriber got at most what fits in its queue plus what was in flight.
    got = 0
    while True:
        try:
            sub.recv(side.mod.NOBLOCK)
            got += 1
        except side.mod.Again:
            break
    assert got < count


def test_conflate_on_sender_keeps_only_the_newest(side: Side) -> None:
    """A connecting PUSH with CONFLATE queues one message: the newest wins."""
    port = _free_tcp_port()
    push = side.socket("PUSH", CONFLATE=1)
    push.connect(f"tcp://127.0.0.1:{port}")
    for i in range(10):
        push.send(b"%d" % i, side.mod.NOBLOCK)  # never blocks: the queue holds one
    pull = side.socket("PULL")
    pull.bind(f"tcp://127.0.0.1:{port}")
    assert pull.recv() == b"9"
    push.send(b"next")
    assert pull.recv() == b"next"


def test_conflate_on_receiver_keeps_only_the_newest(side: Side, endpoints: Endpoints) -> None:
    pull = side.socket("PULL", CONFLATE=1)
    assert pull.getsockopt(side.mod.CONFLATE) == 1
    push = side.socket("PUSH")
    # libzmq honours CONFLATE on an inproc pipe only from the connecting side.
    pull.connect(endpoints.bind(side.mod, push, "inproc"))
    for i in range(10):
        push.send(b"%d" % i)
    assert pull.recv() == b"9"
    with pytest.raises(side.mod.Again):
        pull.recv(side.mod.NOBLOCK)


def test_last_endpoint_has_a_real_port(side: Side) -> None:
    pull = side.socket("PULL")
    assert pull.getsockopt(side.mod.LAST_ENDPOINT) == b""
    pull.bind("tcp://127.0.0.1:*")
    ep = pull.getsockopt(side.mod.LAST_ENDPOINT)
    assert isinstance(ep, bytes)
    host_port = ep.decode()
    assert host_port.startswith("tcp://127.0.0.1:")
    port = int(host_port.rsplit(":", 1)[1])
    assert 0 < port < 65536
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


@pytest.mark.parametrize("wildcard", ["tcp://*:*", "tcp://0.0.0.0:*", "tcp://127.0.0.1:0"])
def test_wildcard_bind(side: Side, wildcard: str) -> None:
    pull = side.socket("PULL")
    pull.bind(wildcard)
    ep = pull.getsockopt(side.mod.LAST_ENDPOINT).decode()
    host, port = ep[len("tcp://") :].rsplit(":", 1)
    assert host in ("0.0.0.0", "127.0.0.1"), ep
    assert int(port) > 0
    push = side.socket("PUSH")
    push.connect(f"tcp://127.0.0.1:{port}")
    push.send(b"via wildcard")
    assert pull.recv() == b"via wildcard"


def test_ipc_last_endpoint(side: Side, endpoints: Endpoints) -> None:
    pull = side.socket("PULL")
    ep = endpoints.fresh("ipc")
    pull.bind(ep)
    assert pull.getsockopt(side.mod.LAST_ENDPOINT) == ep.encode()


@pytest.mark.parametrize(
    "kind",
    [
        "PAIR",
        "PUB",
        "SUB",
        "REQ",
        "REP",
        "DEALER",
        "ROUTER",
        "PULL",
        "PUSH",
        "XPUB",
        "XSUB",
        "STREAM",
    ],
)
def test_type_option(side: Side, kind: str) -> None:
    sock = side.socket(kind)
    assert sock.getsockopt(side.mod.TYPE) == getattr(side.mod, kind)


def test_option_defaults_and_round_trips(side: Side) -> None:
    sock = side.ctx.socket(side.mod.DEALER)
    try:
        assert sock.getsockopt(side.mod.SNDHWM) == 1000
        assert sock.getsockopt(side.mod.RCVHWM) == 1000
        assert sock.getsockopt(side.mod.LINGER) == -1
        assert sock.getsockopt(side.mod.RCVTIMEO) == -1
        assert sock.getsockopt(side.mod.SNDTIMEO) == -1
        assert sock.getsockopt(side.mod.ROUTING_ID) == b""
        assert sock.getsockopt(side.mod.IMMEDIATE) == 0
        assert sock.getsockopt(side.mod.RECONNECT_IVL) == 100
        assert sock.getsockopt(side.mod.HANDSHAKE_IVL) == 30000
        assert sock.getsockopt(side.mod.MAXMSGSIZE) == -1
        assert sock.getsockopt(side.mod.HEARTBEAT_IVL) == 0
        assert sock.getsockopt(side.mod.IPV6) == 0
        settings = {
            "SNDHWM": 7,
            "RCVHWM": 9,
            "LINGER": 0,
            "RCVTIMEO": 123,
            "SNDTIMEO": 456,
            "RECONNECT_IVL": 250,
            "HANDSHAKE_IVL": 1500,
            "MAXMSGSIZE": 4096,
            "HEARTBEAT_IVL": 500,
            "HEARTBEAT_TIMEOUT": 800,
            "HEARTBEAT_TTL": 2000,
            "IPV6": 1,
        }
        for name, value in settings.items():
            sock.setsockopt(getattr(side.mod, name), value)
        for name, value in settings.items():
            assert sock.getsockopt(getattr(side.mod, name)) == value, name
        sock.setsockopt(side.mod.ROUTING_ID, b"me")
        assert sock.getsockopt(side.mod.IDENTITY) == b"me"
        assert side.mod.IDENTITY == side.mod.ROUTING_ID
    finally:
        sock.close(linger=0)


def test_rcvmore_and_sndmore(side: Side, endpoints: Endpoints) -> None:
    a, b = side.socket("PAIR"), side.socket("PAIR")
    b.connect(endpoints.bind(side.mod, a, "inproc"))
    a.send(b"1", side.mod.SNDMORE)
    a.send(b"", side.mod.SNDMORE)
    a.send(b"3")
    assert b.recv() == b"1"
    assert b.getsockopt(side.mod.RCVMORE) == 1
    assert b.recv() == b""
    assert b.getsockopt(side.mod.RCVMORE) == 1
    assert b.recv() == b"3"
    assert b.getsockopt(side.mod.RCVMORE) == 0


def test_events(side: Side, endpoints: Endpoints) -> None:
    pull, push = side.socket("PULL"), side.socket("PUSH")
    push.connect(endpoints.bind(side.mod, pull, "inproc"))
    assert push.getsockopt(side.mod.EVENTS) & side.mod.POLLOUT
    assert not pull.getsockopt(side.mod.EVENTS) & side.mod.POLLIN
    push.send(b"x")
    deadline = time.monotonic() + 5
    while not pull.getsockopt(side.mod.EVENTS) & side.mod.POLLIN:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert pull.recv(side.mod.NOBLOCK) == b"x"
    assert not pull.getsockopt(side.mod.EVENTS) & side.mod.POLLIN


@pytest.mark.parametrize("verbose", [0, 1], ids=["quiet", "verbose"])
def test_xpub_verbose(side: Side, endpoints: Endpoints, verbose: int) -> None:
    xpub = side.socket("XPUB", XPUB_VERBOSE=verbose)
    ep = endpoints.bind(side.mod, xpub, "tcp")
    s1, s2 = side.socket("SUB"), side.socket("SUB")
    s1.connect(ep)
    s1.setsockopt(side.mod.SUBSCRIBE, b"t")
    assert xpub.recv() == b"\x01t"
    s2.connect(ep)
    s2.setsockopt(side.mod.SUBSCRIBE, b"t")
    s2.setsockopt(side.mod.SUBSCRIBE, b"sentinel")
    if verbose:
        assert xpub.recv() == b"\x01t"
    assert xpub.recv() == b"\x01sentinel"


def test_xpub_manual(side: Side, endpoints: Endpoints) -> None:
    xpub = side.socket("XPUB", XPUB_MANUAL=1)
    xsub = side.socket("XSUB")
    xsub.connect(endpoints.bind(side.mod, xpub, "tcp"))
    xsub.send(b"\x01a")
    assert xpub.recv() == b"\x01a"
    xpub.setsockopt(side.mod.SUBSCRIBE, b"b")
    for m in [b"a1", b"b1", b"a2", b"b2"]:
        xpub.send(m)
    assert xsub.recv() == b"b1"
    assert xsub.recv() == b"b2"


def test_xpub_welcome_message(side: Side, endpoints: Endpoints) -> None:
    xpub = side.socket("XPUB", XPUB_WELCOME_MSG=b"welcome")
    sub = side.socket("SUB", SUBSCRIBE=b"welcome")
    sub.connect(endpoints.bind(side.mod, xpub, "tcp"))
    assert xpub.recv() == b"\x01welcome"
    xpub.send(b"welcome-2")
    assert sub.recv() == b"welcome"
    assert sub.recv() == b"welcome-2"


def test_xpub_sees_unsubscribe_when_subscriber_closes(side: Side, endpoints: Endpoints) -> None:
    xpub = side.socket("XPUB")
    sub = side.socket("SUB", SUBSCRIBE=b"gone")
    sub.connect(endpoints.bind(side.mod, xpub, "tcp"))
    assert xpub.recv() == b"\x01gone"
    sub.close(linger=0)
    assert xpub.recv() == b"\x00gone"


def test_router_handover(side: Side, endpoints: Endpoints) -> None:
    router = side.socket("ROUTER", ROUTER_HANDOVER=1)
    ep = endpoints.bind(side.mod, router, "tcp")
    first = side.socket("DEALER", ROUTING_ID=b"same")
    first.connect(ep)
    first.send(b"from-first")
    assert router.recv_multipart() == [b"same", b"from-first"]
    second = side.socket("DEALER", ROUTING_ID=b"same")
    second.connect(ep)
    second.send(b"from-second")
    assert router.recv_multipart() == [b"same", b"from-second"]
    router.send_multipart([b"same", b"reply"])
    assert second.recv() == b"reply"


def test_probe_router(side: Side, endpoints: Endpoints) -> None:
    router = side.socket("ROUTER")
    dealer = side.socket("DEALER", PROBE_ROUTER=1, ROUTING_ID=b"prober")
    dealer.connect(endpoints.bind(side.mod, router, "tcp"))
    assert router.recv_multipart() == [b"prober", b""]


def test_req_correlate_relaxed(side: Side, endpoints: Endpoints) -> None:
    req = side.socket("REQ", REQ_CORRELATE=1, REQ_RELAXED=1)
    rep = side.socket("REP")
    req.connect(endpoints.bind(side.mod, rep, "inproc"))
    req.send(b"r1")
    req.send(b"r2")
    assert rep.recv() == b"r1"
    rep.send(b"stale")
    assert rep.recv() == b"r2"
    rep.send(b"fresh")
    assert req.recv() == b"fresh"


def test_maxmsgsize_allows_up_to_the_limit(side: Side, endpoints: Endpoints) -> None:
    pull = side.socket("PULL", MAXMSGSIZE=100)
    push = side.socket("PUSH")
    push.connect(endpoints.bind(side.mod, pull, "tcp"))
    push.send(b"x" * 100)
    assert pull.recv() == b"x" * 100
