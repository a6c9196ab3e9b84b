"""Options that change what goes on the wire, against libzmq: heartbeats, IPv6, MAXMSGSIZE."""

from __future__ import annotations

import socket
import time

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from tests.interop.conftest import Net
from tests.sockets._ours import Side, roles

pytestmark = pytest.mark.interop


def test_ours_answers_libzmq_heartbeats(net: Net) -> None:
    """libzmq pings every 50 ms and drops the link if nothing comes back within 200 ms."""
    theirs = net.zmq.socket("DEALER", HEARTBEAT_IVL=50, HEARTBEAT_TIMEOUT=200, HEARTBEAT_TTL=1000)
    mon = net.monitor(theirs)
    ours = net.ours.socket("DEALER")
    net.link(ours, theirs)
    net.handshakes(mon, theirs)
    ours.send(b"one")
    assert theirs.recv() == b"one"
    # Observation window of several heartbeat timeouts: the link must stay up.
    deadline = time.monotonic() + 0.8
    events = []
    while (left := deadline - time.monotonic()) > 0:
        if mon.poll(int(left * 1000) + 1):
            events.append(recv_monitor_message(mon)["event"])
    assert zmq.EVENT_DISCONNECTED not in events, events
    theirs.send(b"two")
    assert ours.recv() == b"two"
    theirs.disable_monitor()


@roles("PUSH", "PULL")
def test_ours_heartbeating_link_carries_traffic(net: Net, ours_is: str) -> None:
    """Ours sends PINGs (and expects PONGs within its timeout) while traffic flows."""
    opts = {"HEARTBEAT_IVL": 30, "HEARTBEAT_TIMEOUT": 300, "HEARTBEAT_TTL": 1000}
    if ours_is == "PUSH":
        push, pull = net.ours.socket("PUSH", **opts), net.zmq.socket("PULL")
    else:
        push, pull = net.zmq.socket("PUSH"), net.ours.socket("PULL", **opts)
    net.link(push, pull)
    for i in range(5):
        push.send(b"%d" % i)
        assert pull.recv() == b"%d" % i


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
@pytest.mark.parametrize("ours_binds_v6", [True, False], ids=["ours-binds", "zmq-binds"])
def test_ipv6_loopback(ours_side: Side, zmq_side: Side, ours_binds_v6: bool) -> None:
    ours = ours_side.socket("PAIR", IPV6=1)
    theirs = zmq_side.socket("PAIR", IPV6=1)
    assert ours.getsockopt(ours_side.mod.IPV6) == 1
    binder, binder_side, connecter = (
        (ours, ours_side, theirs) if ours_binds_v6 else (theirs, zmq_side, ours)
    )
    binder.bind("tcp://[::1]:*")
    ep = binder.getsockopt(binder_side.mod.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://[::1]:"), ep
    assert int(ep.rsplit(":", 1)[1]) > 0
    connecter.connect(ep)
    ours.send(b"v6")
    assert theirs.recv() == b"v6"
    theirs.send(b"v6-back")
    assert ours.recv() == b"v6-back"


@roles("PUSH", "PULL")
def test_maxmsgsize_boundary(net: Net, ours_is: str) -> None:
    """A message exactly at the receiver's MAXMSGSIZE is delivered."""
    if ours_is == "PUSH":
        push, pull = net.ours.socket("PUSH"), net.zmq.socket("PULL", MAXMSGSIZE=1000)
    else:
        push, pull = net.zmq.socket("PUSH"), net.ours.socket("PULL", MAXMSGSIZE=1000)
    net.link(push, pull)
    push.send(b"x" * 1000)
    assert pull.recv() == b"x" * 1000
