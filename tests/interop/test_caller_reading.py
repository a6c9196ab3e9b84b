"""Ours blocked in recv or poll, reading its connections in the calling thread, against
libzmq: heartbeats answered and sent while it waits, on one connection and on several,
and round trips of every frame size.

With purezmq a blocking recv, or a poll for POLLIN, takes over reading its sockets'
connections from the I/O thread (transport/selector.py, engine/reading.py); these cases
keep ours blocked through several heartbeat timeouts, so PONGs go out and PINGs'
answers come in on that path.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from zmq.utils.monitor import recv_monitor_message

from tests.interop.conftest import Net
from tests.sockets._ours import OURS_IS_PYZMQ, roles

pytestmark = pytest.mark.interop

#: Several heartbeat timeouts of the cases below (an observation window, not a sync).
WINDOW = 0.8


def _blocked(sock: Any, wait: str, mod: Any) -> tuple[threading.Thread, list[Any]]:
    """A thread blocked in ``sock.recv_multipart()``, or in a poll for it (``wait``);
    ``mod`` is the socket's module."""
    out: list[Any] = []

    def run() -> None:
        try:
            if wait == "poll":
                p = mod.Poller()
                p.register(sock, mod.POLLIN)
                assert dict(p.poll(10_000)).get(sock) == mod.POLLIN
                out.append(sock.recv_multipart(mod.NOBLOCK))
            else:
                out.append(sock.recv_multipart())
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            out.append(exc)

    t = threading.Thread(target=run)
    t.start()
    return t, out


def _assert_read_by_caller(sock: Any, connections: int = 1) -> None:
    """A calling thread read each of the socket's connections (purezmq's internals;
    pyzmq, when it stands in for ours to validate these tests, has none to check)."""
    if not OURS_IS_PYZMQ:
        engines = tuple(sock._core.engines)
        assert len(engines) == connections
        assert all(e.transport.caller_reads > 0 for e in engines)


def _watch(mon: Any, seconds: float) -> list[int]:
    events = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if mon.poll(int(left * 1000) + 1):
            events.append(recv_monitor_message(mon)["event"])
    return events


def _stay_up_while_blocked(net: Net, ours: Any, theirs: Any, monitored: Any, wait: str) -> None:
    """Link ours and theirs; keep ours blocked in recv or poll for WINDOW; the link (as
    the monitor of ``monitored`` reports it) must stay up and deliver what follows."""
    mod = net.side_of(monitored).mod
    mon = net.monitor(monitored)
    net.link(ours, theirs)
    net.handshakes(mon, monitored)
    theirs.send(b"one")
    assert ours.recv() == b"one"
    t, out = _blocked(ours, wait, net.ours.mod)
    events = _watch(mon, WINDOW)
    theirs.send(b"two")
    t.join(5)
    assert out == [[b"two"]]
    assert mod.EVENT_DISCONNECTED not in events, events
    _assert_read_by_caller(ours)
    monitored.disable_monitor()


WAITS = pytest.mark.parametrize("wait", ["recv", "poll"])


@WAITS
def test_ours_blocked_answers_libzmq_heartbeats(net: Net, wait: str) -> None:
    """libzmq pings every 50 ms and drops the link without an answer within 200 ms."""
    theirs = net.zmq.socket("DEALER", HEARTBEAT_IVL=50, HEARTBEAT_TIMEOUT=200, HEARTBEAT_TTL=1000)
    ours = net.ours.socket("DEALER")
    _stay_up_while_blocked(net, ours, theirs, monitored=theirs, wait=wait)


@WAITS
def test_ours_blocked_keeps_its_own_heartbeats(net: Net, wait: str) -> None:
    """Ours pings every 30 ms and gives up 150 ms after a PING nothing answered."""
    ours = net.ours.socket("DEALER", HEARTBEAT_IVL=30, HEARTBEAT_TIMEOUT=150, HEARTBEAT_TTL=1000)
    theirs = net.zmq.socket("DEALER")
    _stay_up_while_blocked(net, ours, theirs, monitored=ours, wait=wait)


@WAITS
def test_ours_blocked_reads_several_libzmq_peers(net: Net, wait: str) -> None:
    """Three libzmq DEALERs ping ours' ROUTER every 50 ms; ours, blocked, answers them
    all, then takes a message from any of them and routes the replies."""
    peers = [
        net.zmq.socket(
            "DEALER",
            ROUTING_ID=b"peer-%d" % k,
            HEARTBEAT_IVL=50,
            HEARTBEAT_TIMEOUT=200,
            HEARTBEAT_TTL=1000,
        )
        for k in range(3)
    ]
    ours = net.ours.socket("ROUTER")
    mod = net.ours.mod
    mon = net.monitor(ours)
    net.star(ours, peers)
    net.handshakes(mon, ours, 3)
    for k, peer in enumerate(peers):
        peer.send(b"hello %d" % k)
    assert sorted(ours.recv_multipart() for _ in peers) == [
        [b"peer-%d" % k, b"hello %d" % k] for k in range(3)
    ]
    t, out = _blocked(ours, wait, net.ours.mod)
    events = _watch(mon, WINDOW)
    peers[1].send(b"late")
    t.join(5)
    assert out == [[b"peer-1", b"late"]]
    assert mod.EVENT_DISCONNECTED not in events, events
    for k, peer in enumerate(peers):
        ours.send_multipart([b"peer-%d" % k, b"reply %d" % k])
        assert peer.recv() == b"reply %d" % k
    _assert_read_by_caller(ours, connections=3)
    ours.disable_monitor()


@roles("REQ", "REP")
def test_round_trips_of_every_size(net: Net, ours_is: str) -> None:
    a, b = (net.ours, net.zmq) if ours_is == "REQ" else (net.zmq, net.ours)
    req, rep = a.socket("REQ"), b.socket("REP")
    net.link(req, rep)
    ours = req if ours_is == "REQ" else rep
    sizes = [16, 0, 255, 256, 4096, 65535, 65536, 70000, 1 << 20, 3]

    def serve() -> None:
        for _ in range(3 * len(sizes)):
            rep.send_multipart(rep.recv_multipart())

    server = threading.Thread(target=serve)
    server.start()
    for i in range(3):
        for size in sizes:
            body = bytes([(i * 7 + size) % 256]) * size
            req.send_multipart([b"%d" % size, body])
            assert req.recv_multipart() == [b"%d" % size, body]
    server.join(5)
    assert not server.is_alive()
    _assert_read_by_caller(ours)
