"""A blocking recv or poll reading its connections in the calling thread
(transport/selector.py, engine/reading.py).

What must hold: messages arrive whole and in order whoever reads; every connection a
caller waits on is read by someone (the caller or the loop); whatever else waits on the
socket (a sender, a poller for POLLOUT, a non-blocking recv, EVENTS) still
sees what arrives; a peer that leaves or sends garbage while a caller reads is handled
as with the loop reading. Every wait is bounded (RCVTIMEO, deadlines); none sleeps to
synchronise. Where the loop must not take reading back by time, RECLAIM_IVL is set
to an hour: then only the rule under test can make a wait end before its timeout.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import purezmq
from purezmq.engine import reading
from purezmq.transport import selector
from purezmq.transport.selector import SelectorStream
from tests.engine.test_engine import _events, _monitor, wait_for
from tests.sockets.test_raw_zmtp import RawPeer, frame

ENDPOINTS = ["tcp://127.0.0.1:*", "ipc"]


@pytest.fixture(params=ENDPOINTS, ids=["tcp", "ipc"])
def endpoint(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "ipc":
        return f"ipc://{tmp_path}/caller.ipc"
    return str(request.param)


def _stream(sock: purezmq.Socket) -> SelectorStream:
    """The transport of the socket's one connection (bounded wait for it)."""
    core = sock._core
    assert wait_for(lambda: len(core.engines) == 1)
    (engine,) = tuple(core.engines)
    assert isinstance(engine.transport, SelectorStream)
    return engine.transport


@pytest.fixture
def pair(ctx: purezmq.Context, endpoint: str) -> Iterator[tuple[purezmq.Socket, purezmq.Socket]]:
    rep = ctx.socket(purezmq.REP)
    rep.rcvtimeo = rep.sndtimeo = 5000
    rep.bind(endpoint)
    req = ctx.socket(purezmq.REQ)
    req.rcvtimeo = req.sndtimeo = 5000
    req.connect(rep.last_endpoint.decode())
    yield req, rep
    req.close(0)
    rep.close(0)


def _echo(rep: purezmq.Socket, n: int) -> threading.Thread:
    def run() -> None:
        for _ in range(n):
            rep.send_multipart(rep.recv_multipart())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_round_trips_are_read_by_the_callers(pair: tuple[purezmq.Socket, purezmq.Socket]) -> None:
    req, rep = pair
    sizes = [16, 0, 4096, 70000, 1 << 20, 16, 300000, 5]
    rounds = 40
    server = _echo(rep, rounds * len(sizes))
    for i in range(rounds):
        for size in sizes:
            body = bytes([i % 251]) * size
            req.send_multipart([b"%d" % size, body])
            assert req.recv_multipart() == [b"%d" % size, body]
    server.join(5)
    # both blocked recvs read their connection themselves (the loop handed it over)
    assert _stream(req).caller_reads > 0
    assert _stream(rep).caller_reads > 0


def _granted_by_round_trips(req: purezmq.Socket) -> SelectorStream:
    """Two round trips through an echo, then the REQ's connection is its caller's (the
    first may wait for the handshake rather than the reply, and ask nothing)."""
    for m in (b"zero", b"one"):
        req.send(m)
        assert req.recv() == m
    stream = _stream(req)
    assert wait_for(lambda: stream.watched_by_caller)  # granted while recv waited
    return stream


def _granted_echo(
    pair: tuple[purezmq.Socket, purezmq.Socket], monkeypatch: pytest.MonkeyPatch, replies: int
) -> tuple[purezmq.Socket, threading.Thread, SelectorStream]:
    """No hand-back by time (RECLAIM_IVL an hour); an echo for ``replies`` requests (two
    taken here); the REQ's connection granted to its caller. The REQ, the echo's
    thread and that connection's transport."""
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    req, rep = pair
    server = _echo(rep, replies)
    return req, server, _granted_by_round_trips(req)


def _streams(sock: purezmq.Socket, n: int) -> list[SelectorStream]:
    """The transports of the socket's ``n`` connections (bounded wait for them)."""
    core = sock._core
    assert wait_for(lambda: len(core.engines) == n and all(e._handshaken for e in core.engines))
    streams = [e.transport for e in tuple(core.engines)]
    assert all(isinstance(t, SelectorStream) for t in streams)
    return streams


def _granted_to_waits(wait: Callable[[], None], streams: list[SelectorStream]) -> None:
    """Repeat ``wait`` (one that times out, nothing being sent) until it has been
    granted the reading of every stream: from then on only a caller can read them (the
    tests set RECLAIM_IVL to an hour), so what follows must be read by one."""

    def granted() -> bool:
        wait()
        return all(t.watched_by_caller for t in streams)

    assert wait_for(granted)


def _read_by_callers(streams: list[SelectorStream], sockets: list[purezmq.Socket]) -> None:
    """Every stream is still its callers' and they read it; then close the sockets."""
    assert all(t.watched_by_caller and t.caller_reads > 0 for t in streams)
    for s in sockets:
        s.close(0)


def _poll_nothing(poller: purezmq.Poller) -> None:
    assert poller.poll(20) == []


def _recv_nothing(sock: purezmq.Socket) -> None:
    timeout, sock.rcvtimeo = sock.rcvtimeo, 20
    try:
        with pytest.raises(purezmq.Again):
            sock.recv()
    finally:
        sock.rcvtimeo = timeout


def test_a_poller_reads_the_connection_itself(
    pair: tuple[purezmq.Socket, purezmq.Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    req, rep = pair
    server = _echo(rep, 20)
    poller = purezmq.Poller()
    poller.register(req, purezmq.POLLIN)
    stream = _streams(req, 1)[0]
    _granted_to_waits(lambda: _poll_nothing(poller), [stream])
    for i in range(20):
        req.send(b"%d" % i)
        start = time.monotonic()
        assert dict(poller.poll(10_000)).get(req) == purezmq.POLLIN
        # woken by the arrival, not by reaching its timeout (a last look then finds it)
        assert time.monotonic() - start < 5.0
        assert req.recv(purezmq.NOBLOCK) == b"%d" % i
    server.join(5)
    # the poller asked for the connection, got it, and read the replies in its thread
    assert stream.watched_by_caller
    assert stream.caller_reads > 0


def test_a_poller_over_a_raw_descriptor_too_reads_the_connection_itself(
    pair: tuple[purezmq.Socket, purezmq.Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the raw descriptor is polled in the same wait as the connection: neither goes
    # unheard, and the reading a recv was granted stays with this thread (no hand-back
    # by time here: only a caller can read the replies)
    req, server, stream = _granted_echo(pair, monkeypatch, 5)
    a, b = socket.socketpair()
    try:
        poller = purezmq.Poller()
        poller.register(req, purezmq.POLLIN)
        poller.register(a, purezmq.POLLIN)
        reads = stream.caller_reads
        req.send(b"two")
        start = time.monotonic()
        assert poller.poll(10_000) == [(req, purezmq.POLLIN)]
        assert time.monotonic() - start < 5.0  # woken by the reply, not the timeout
        assert stream.watched_by_caller and stream.caller_reads > reads
        assert req.recv(purezmq.NOBLOCK) == b"two"
        # the descriptor alone wakes the same wait
        threading.Timer(0.05, lambda: b.send(b"y")).start()
        assert poller.poll(10_000) == [(a.fileno(), purezmq.POLLIN)]
        # both at once, in registration order; the descriptor stays ready until read
        reads = stream.caller_reads
        req.send(b"three")
        assert wait_for(lambda: len(poller.poll(100)) == 2)
        assert poller.poll(0) == [(req, purezmq.POLLIN), (a.fileno(), purezmq.POLLIN)]
        assert stream.watched_by_caller and stream.caller_reads > reads
        assert req.recv(purezmq.NOBLOCK) == b"three"
        assert a.recv(1) == b"y"
        assert poller.poll(0) == []
        req.send(b"four")
        assert req.recv() == b"four"
        server.join(5)
    finally:
        a.close()
        b.close()


def test_a_poller_reads_every_socket_it_polls(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    pulls, pushes = [], []
    for k in range(3):
        pull = ctx.socket(purezmq.PULL)
        pull.bind(endpoint.replace("caller.ipc", f"caller{k}.ipc"))
        push = ctx.socket(purezmq.PUSH)
        push.connect(pull.last_endpoint.decode())
        pulls.append(pull)
        pushes.append(push)
    streams = [_streams(pull, 1)[0] for pull in pulls]
    poller = purezmq.Poller()
    for pull in pulls:
        poller.register(pull, purezmq.POLLIN)
    _granted_to_waits(lambda: _poll_nothing(poller), streams)
    for i in range(30):
        k = (i * 7) % 3
        pushes[k].send(b"%d" % i)
        start = time.monotonic()
        assert dict(poller.poll(10_000)) == {pulls[k]: purezmq.POLLIN}
        assert time.monotonic() - start < 5.0
        assert pulls[k].recv(purezmq.NOBLOCK) == b"%d" % i
    _read_by_callers(streams, pushes + pulls)


def test_a_poller_reading_a_connection_still_hears_an_inproc_socket(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the inproc pipe has no descriptor: its sender wakes the poller's eventfd while
    # the poller watches the tcp/ipc connection's descriptor itself
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    remote = ctx.socket(purezmq.PULL)
    remote.bind(endpoint)
    push = ctx.socket(purezmq.PUSH)
    push.connect(remote.last_endpoint.decode())
    local = ctx.socket(purezmq.PULL)
    local.bind("inproc://caller-reading-mixed")
    inproc_push = ctx.socket(purezmq.PUSH)
    inproc_push.connect("inproc://caller-reading-mixed")
    stream = _streams(remote, 1)[0]
    poller = purezmq.Poller()
    poller.register(remote, purezmq.POLLIN)
    poller.register(local, purezmq.POLLIN)
    _granted_to_waits(lambda: _poll_nothing(poller), [stream])
    for i in range(10):
        sender, receiver = (push, remote) if i % 2 else (inproc_push, local)
        t = threading.Thread(target=sender.send, args=(b"%d" % i,))
        start = time.monotonic()
        t.start()
        assert dict(poller.poll(10_000)) == {receiver: purezmq.POLLIN}
        assert time.monotonic() - start < 5.0
        assert receiver.recv(purezmq.NOBLOCK) == b"%d" % i
        t.join(5)
    _read_by_callers([stream], [push, remote, inproc_push, local])


def test_nonblocking_recv_and_events_read_what_the_kernel_holds(
    pair: tuple[purezmq.Socket, purezmq.Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the loop must not take watching back in this test: only the caller can read
    req, server, stream = _granted_echo(pair, monkeypatch, 5)
    req.send(b"two")
    reads = stream.caller_reads
    got: list[bytes] = []

    def nonblocking() -> bool:
        try:
            got.append(req.recv(purezmq.NOBLOCK))
        except purezmq.Again:
            return False
        return True

    assert wait_for(nonblocking)
    assert got == [b"two"]
    assert stream.caller_reads > reads
    req.send(b"three")
    assert wait_for(lambda: bool(req.getsockopt(purezmq.EVENTS) & purezmq.POLLIN))
    assert req.recv(purezmq.NOBLOCK) == b"three"
    poller = purezmq.Poller()
    poller.register(req, purezmq.POLLIN)
    req.send(b"four")
    assert wait_for(lambda: dict(poller.poll(0)).get(req) == purezmq.POLLIN)
    assert req.recv(purezmq.NOBLOCK) == b"four"
    assert stream.watched_by_caller
    server.join(5)


def test_two_threads_blocked_on_one_socket_share_its_messages(
    ctx: purezmq.Context, endpoint: str
) -> None:
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 5000
    pull.bind(endpoint)
    push = ctx.socket(purezmq.PUSH)
    push.connect(pull.last_endpoint.decode())
    n = 2000
    got: list[list[bytes]] = [[], []]

    def drain(k: int) -> None:
        try:
            while True:
                m = pull.recv()
                if m == b"end":
                    return
                got[k].append(m)
        except purezmq.Again:
            pass

    threads = [threading.Thread(target=drain, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for i in range(n):
        push.send(b"%06d" % i)
    push.send(b"end")
    push.send(b"end")
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    merged = sorted(got[0] + got[1])
    assert merged == [b"%06d" % i for i in range(n)]  # each once, none lost
    for k in (0, 1):  # each thread's share arrived in the order sent
        assert got[k] == sorted(got[k])
    push.close(0)
    pull.close(0)


def _blocked_reading(
    sock: purezmq.Socket,
) -> tuple[threading.Thread, list[Any], SelectorStream]:
    """A thread blocked in ``sock.recv()`` once it watches the connection itself; its
    outcome (a message or the error) lands in the list."""
    outcome: list[Any] = []

    def blocked() -> None:
        try:
            outcome.append(sock.recv())
        except purezmq.ZMQError as exc:
            outcome.append(exc)

    t = threading.Thread(target=blocked)
    t.start()
    stream = _stream(sock)
    assert wait_for(lambda: stream.watched_by_caller)
    return t, outcome, stream


def test_peer_leaving_while_a_caller_reads_is_reported(ctx: purezmq.Context, endpoint: str) -> None:
    dealer = ctx.socket(purezmq.DEALER)
    dealer.rcvtimeo = 5000
    dealer.bind(endpoint)
    mon = _monitor(ctx, dealer)
    peer = ctx.socket(purezmq.DEALER)
    peer.connect(dealer.last_endpoint.decode())
    peer.send(b"hi")
    assert dealer.recv() == b"hi"
    t, outcome, stream = _blocked_reading(dealer)
    peer.close(0)
    _events(mon, purezmq.EVENT_DISCONNECTED)
    # the recv goes on waiting, for the next peer
    peer = ctx.socket(purezmq.DEALER)
    peer.connect(dealer.last_endpoint.decode())
    peer.send(b"again")
    t.join(5)
    assert outcome == [b"again"]
    peer.close(0)
    mon.close(0)
    dealer.close(0)


def test_garbage_while_a_caller_reads_closes_only_that_connection(
    ctx: purezmq.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no hand-back by time: under load the blocked thread may start polling more than
    # RECLAIM_IVL after the grant, and the loop would take the reading back and read
    # the garbage itself (seen once in a full run)
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    dealer = ctx.socket(purezmq.DEALER)
    dealer.rcvtimeo = 5000
    mon = _monitor(ctx, dealer)
    dealer.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    conn, _ = listener.accept()
    raw = RawPeer(conn)
    raw.handshake(1, b"DEALER")
    conn.sendall(frame(b"good"))
    assert dealer.recv() == b"good"
    t, outcome, stream = _blocked_reading(dealer)
    reads = stream.caller_reads
    # a command whose name runs past its frame: a protocol error after the handshake
    conn.sendall(frame(b"one") + b"\x04\x02\x09x")
    raw.expect_eof(5)
    seen = _events(mon, purezmq.EVENT_DISCONNECTED)
    assert purezmq.EVENT_DISCONNECTED in seen
    assert stream.caller_reads > reads  # the caller read the bad bytes itself
    conn.close()
    t.join(5)
    assert outcome == [b"one"]  # what came before the garbage is delivered, in order
    # the socket is fine: it reconnects, and takes the next message
    conn, _ = listener.accept()
    RawPeer(conn).handshake(1, b"DEALER")
    conn.sendall(frame(b"after"))
    assert dealer.recv() == b"after"
    conn.close()
    listener.close()
    mon.close(0)
    dealer.close(0)


def test_a_caller_reads_every_connection_of_its_socket(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)  # no hand-back by time
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 10_000
    pull.bind(endpoint)
    pushes = [ctx.socket(purezmq.PUSH) for _ in range(3)]
    for push in pushes:
        push.connect(pull.last_endpoint.decode())
    streams = _streams(pull, 3)
    _granted_to_waits(lambda: _recv_nothing(pull), streams)
    for i in range(30):
        k = (i * 5) % 3
        outcome: list[bytes] = []
        t = threading.Thread(target=lambda out=outcome: out.append(pull.recv()))
        t.start()
        start = time.monotonic()
        pushes[k].send(b"%d" % i)
        t.join(11)
        assert outcome == [b"%d" % i]
        # woken by the arrival, on whichever connection, not at RCVTIMEO
        assert time.monotonic() - start < 5.0
    _read_by_callers(streams, [*pushes, pull])


def test_a_recv_blocked_before_the_handshake_takes_the_connection_after_it(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 10_000
    pull.bind(endpoint)
    outcome: list[bytes] = []
    t = threading.Thread(target=lambda: outcome.append(pull.recv()))
    t.start()  # blocked with no connection at all
    push = ctx.socket(purezmq.PUSH)
    push.connect(pull.last_endpoint.decode())
    # the handshake tells the waiting recv, which asks for the reading and gets it
    stream = _stream(pull)
    assert wait_for(lambda: stream.watched_by_caller)
    push.send(b"first")
    t.join(11)
    assert outcome == [b"first"]
    assert stream.caller_reads > 0
    push.close(0)
    pull.close(0)


def test_a_socket_with_too_many_connections_is_read_by_the_loop(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)  # no hand-back by time
    monkeypatch.setattr(reading, "MAX_WATCHED", 1)
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 10_000
    pull.bind(endpoint)
    first = ctx.socket(purezmq.PUSH)
    first.connect(pull.last_endpoint.decode())
    t, outcome, stream = _blocked_reading(pull)
    first.send(b"one")
    t.join(5)
    assert outcome == [b"one"]
    assert stream.watched_by_caller  # nobody waits on it now
    second = ctx.socket(purezmq.PUSH)
    second.connect(pull.last_endpoint.decode())
    assert wait_for(lambda: len(pull._core.engines) == 2)
    start = time.monotonic()
    outcome = []
    t = threading.Thread(target=lambda: outcome.append(pull.recv()))
    t.start()
    first.send(b"two")
    t.join(11)
    assert outcome == [b"two"]
    # woken by the arrival (the loop reads the first connection again), not at RCVTIMEO
    assert time.monotonic() - start < 5.0
    assert not stream.watched_by_caller
    for s in (first, second, pull):
        s.close(0)


def test_a_proxy_reads_its_connections_itself(
    ctx: purezmq.Context, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mtserver shape: a ROUTER over tcp/ipc proxied to REP workers over inproc. The
    proxy's thread reads the ROUTER's connection itself (no hand-back by time here, so
    only the proxy can have read the requests)."""
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    front = ctx.socket(purezmq.ROUTER)
    front.bind(endpoint)
    back = ctx.socket(purezmq.DEALER)
    back.bind("inproc://proxy-workers")
    control_in = ctx.socket(purezmq.PAIR)
    control_in.bind("inproc://proxy-control")
    control_out = ctx.socket(purezmq.PAIR)
    control_out.connect("inproc://proxy-control")
    worker = ctx.socket(purezmq.REP)
    worker.connect("inproc://proxy-workers")
    worker.rcvtimeo = 5000
    rounds = 30
    served = _echo(worker, rounds)
    relay = threading.Thread(
        target=purezmq.proxy_steerable, args=(front, back, None, control_in), daemon=True
    )
    relay.start()
    req = ctx.socket(purezmq.REQ)
    req.rcvtimeo = 5000
    req.connect(front.last_endpoint.decode())
    try:
        for i in range(rounds):
            req.send(b"%d" % i)
            assert req.recv() == b"%d" % i
        stream = _streams(front, 1)[0]
        assert stream.watched_by_caller and stream.caller_reads > 0
    finally:
        control_out.send(b"TERMINATE")
        relay.join(5)
        served.join(5)
        for s in (req, worker, control_out, control_in, back, front):
            s.close(0)
    assert not relay.is_alive()


def _raw_pusher(ctx: purezmq.Context) -> tuple[purezmq.Socket, socket.socket]:
    """A PULL bound to tcp with RCVHWM 10, and a raw ZMTP PUSH connected to it whose
    first message it took; reading is never handed back by time (``RECLAIM_IVL``
    patched by the caller)."""
    pull = ctx.socket(purezmq.PULL)
    pull.rcvhwm = 10
    pull.rcvtimeo = 5000
    pull.bind("tcp://127.0.0.1:*")
    host, port = pull.last_endpoint.decode()[len("tcp://") :].rsplit(":", 1)
    conn = socket.create_connection((host, int(port)), timeout=5)
    RawPeer(conn).handshake(1, b"PUSH")
    conn.sendall(frame(b"first"))
    assert pull.recv() == b"first"
    return pull, conn


def _frames(start: int, n: int) -> bytes:
    return b"".join(frame(b"%d" % i) for i in range(start, start + n))


def test_a_read_into_an_empty_queue_past_rcvhwm_stays_with_the_caller(
    ctx: purezmq.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the caller reads only when it found nothing, so its reads are bounded as the
    # loop's are: handing the stream to the loop at RCVHWM would make both threads
    # read it in turns (the loop resuming at half the queue) for nothing
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)  # no hand-back by time
    pull, conn = _raw_pusher(ctx)
    try:
        for start in (0, 100):
            t, outcome, stream = _blocked_reading(pull)
            reads = stream.caller_reads
            conn.sendall(_frames(start, 100))  # one segment: one read of 100 messages
            t.join(5)
            assert outcome == [b"%d" % start]
            assert stream.caller_reads == reads + 1
            (engine,) = tuple(pull._core.engines)
            assert not engine._read_paused and stream.watched_by_caller
            for i in range(start + 1, start + 100):
                assert pull.recv() == b"%d" % i
    finally:
        conn.close()
        pull.close(0)


def test_a_read_nowait_into_a_queue_at_rcvhwm_still_pauses(
    ctx: purezmq.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EVENTS reads what the kernel holds whatever the queue holds: that read stops
    # at RCVHWM, and the loop resumes it once the queue is down to half
    monkeypatch.setattr(selector, "RECLAIM_IVL", 3600.0)
    pull, conn = _raw_pusher(ctx)
    try:
        t, outcome, stream = _blocked_reading(pull)
        conn.sendall(_frames(0, 20))
        t.join(5)
        assert outcome == [b"0"]
        (engine,) = tuple(pull._core.engines)
        assert stream.watched_by_caller
        conn.sendall(_frames(20, 20))
        assert select.select([stream._fd], [], [], 5)[0]  # in the kernel, unread
        assert pull.getsockopt(purezmq.EVENTS) & purezmq.POLLIN
        assert engine._read_paused and not stream.watched_by_caller
        for i in range(1, 40):
            assert pull.recv() == b"%d" % i
    finally:
        conn.close()
        pull.close(0)
