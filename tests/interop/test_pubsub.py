"""PUB/SUB and XPUB/XSUB against libzmq: filtering, (un)subscription flow, XPUB options."""

from __future__ import annotations

import select

import pytest
import zmq

from tests.interop.conftest import Net
from tests.sockets._ours import (
    OURS_IS_PYZMQ,
    PROBE,
    Endpoints,
    Side,
    better_than_libzmq,
    collect_until,
    recv_pumping,
    roles,
    subscribe,
    sync_pubsub,
    unsubscribe,
)

pytestmark = pytest.mark.interop

MARK = PROBE + b"-mark"  # matches the probe subscription: a sentinel ending each batch
SYNC2 = b"\xfesync2"


def _pub_sub(net: Net, ours_is: str, ours_pub: str, pub_kind: str, sub_kind: str):  # type: ignore[no-untyped-def]
    pub_side, sub_side = (net.ours, net.zmq) if ours_is == ours_pub else (net.zmq, net.ours)
    pub, sub = pub_side.socket(pub_kind), sub_side.socket(sub_kind)
    net.link(pub, sub)
    return pub_side, pub, sub_side, sub


@roles("PUB", "SUB")
def test_pub_sub_topic_filtering(net: Net, ours_is: str) -> None:
    ps, pub, ss, sub = _pub_sub(net, ours_is, "PUB", "PUB", "SUB")
    subscribe(ss.mod, sub, b"A")
    subscribe(ss.mod, sub, PROBE)
    sync_pubsub(ps.mod, pub, ss.mod, sub)
    for m in [b"A1", b"B1", b"A2", b"", b"AB", b"BA", b"a3"]:
        pub.send(m)
    pub.send_multipart([b"A-multi", b"", b"B"])
    pub.send_multipart([b"B-multi", b"A"])
    pub.send(MARK)
    assert sub.recv() == b"A1"
    assert sub.recv() == b"A2"
    assert sub.recv() == b"AB"
    assert sub.recv_multipart() == [b"A-multi", b"", b"B"]
    assert sub.recv() == MARK


@roles("PUB", "SUB")
def test_pub_sub_unsubscribe(net: Net, ours_is: str) -> None:
    ps, pub, ss, sub = _pub_sub(net, ours_is, "PUB", "PUB", "SUB")
    for t in (b"A", b"B", PROBE):
        subscribe(ss.mod, sub, t)
    sync_pubsub(ps.mod, pub, ss.mod, sub)
    for m in [b"A1", b"B1", b"C1", MARK]:
        pub.send(m)
    assert collect_until(ss.mod, sub, MARK) == [b"A1", b"B1"]
    unsubscribe(ss.mod, sub, b"A")
    subscribe(ss.mod, sub, SYNC2)  # travels after the cancel: a barrier for it
    sync_pubsub(ps.mod, pub, ss.mod, sub, probe=SYNC2)
    for m in [b"A2", b"B2", b"C2", MARK]:
        pub.send(m)
    assert collect_until(ss.mod, sub, MARK) == [b"B2"]


@roles("PUB", "XSUB")
def test_publisher_side_filtering_with_xsub(net: Net, ours_is: str) -> None:
    """XSUB does not filter locally, so this checks the publisher's own filter."""
    ps, pub, ss, xsub = _pub_sub(net, ours_is, "PUB", "PUB", "XSUB")
    subscribe(ss.mod, xsub, b"A")
    subscribe(ss.mod, xsub, PROBE)
    sync_pubsub(ps.mod, pub, ss.mod, xsub)
    for m in [b"A1", b"B1", b"A2", MARK]:
        pub.send(m)
    assert collect_until(ss.mod, xsub, MARK) == [b"A1", b"A2"]
    unsubscribe(ss.mod, xsub, b"A")
    subscribe(ss.mod, xsub, SYNC2)
    sync_pubsub(ps.mod, pub, ss.mod, xsub, probe=SYNC2)
    for m in [b"A3", b"B3", MARK]:
        pub.send(m)
    assert collect_until(ss.mod, xsub, MARK) == []


@roles("XPUB", "SUB")
def test_xpub_sees_subscriptions(net: Net, ours_is: str) -> None:
    ps, xpub, ss, sub = _pub_sub(net, ours_is, "XPUB", "XPUB", "SUB")
    sub.setsockopt(ss.mod.SUBSCRIBE, b"topic")
    assert recv_pumping(ps.mod, xpub, (ss.mod, sub)) == b"\x01topic"
    # The subscription has been processed, so nothing is lost from here on.
    for m in [b"topic-1", b"other", b"topic-2"]:
        xpub.send(m)
    assert sub.recv() == b"topic-1"
    assert sub.recv() == b"topic-2"
    sub.setsockopt(ss.mod.SUBSCRIBE, b"")
    assert recv_pumping(ps.mod, xpub, (ss.mod, sub)) == b"\x01"
    sub.setsockopt(ss.mod.UNSUBSCRIBE, b"topic")
    assert recv_pumping(ps.mod, xpub, (ss.mod, sub)) == b"\x00topic"
    sub.setsockopt(ss.mod.UNSUBSCRIBE, b"")
    assert recv_pumping(ps.mod, xpub, (ss.mod, sub)) == b"\x00"


@roles("XPUB", "XSUB")
def test_xsub_xpub_subscriptions_and_data_both_ways(net: Net, ours_is: str) -> None:
    ps, xpub, ss, xsub = _pub_sub(net, ours_is, "XPUB", "XPUB", "XSUB")
    xsub.send(b"\x01t")
    assert recv_pumping(ps.mod, xpub, (ss.mod, xsub)) == b"\x01t"
    for m in [b"t1", b"u1", b"t2"]:
        xpub.send(m)
    assert xsub.recv() == b"t1"
    assert xsub.recv() == b"t2"
    # Any other message from XSUB travels upstream verbatim.
    xsub.send(b"upstream")
    assert recv_pumping(ps.mod, xpub, (ss.mod, xsub)) == b"upstream"
    xsub.send(b"\x00t")
    assert recv_pumping(ps.mod, xpub, (ss.mod, xsub)) == b"\x00t"
    xsub.send(b"\x01u")
    assert recv_pumping(ps.mod, xpub, (ss.mod, xsub)) == b"\x01u"
    for m in [b"t3", b"u2"]:
        xpub.send(m)
    assert xsub.recv() == b"u2"


@pytest.mark.parametrize("verbose", [0, 1], ids=["quiet", "verbose"])
def test_xpub_verbose(net: Net, verbose: int) -> None:
    xpub = net.ours.socket("XPUB", XPUB_VERBOSE=verbose)
    subs = [net.zmq.socket("SUB"), net.zmq.socket("SUB")]
    net.star(xpub, subs)
    pumps = [(net.zmq.mod, s) for s in subs]
    subs[0].setsockopt(net.zmq.mod.SUBSCRIBE, b"t")
    assert recv_pumping(net.ours.mod, xpub, *pumps) == b"\x01t"
    subs[1].setsockopt(net.zmq.mod.SUBSCRIBE, b"t")
    subs[1].setsockopt(net.zmq.mod.SUBSCRIBE, b"sentinel")  # same connection, after "t"
    if verbose:
        assert recv_pumping(net.ours.mod, xpub, *pumps) == b"\x01t"
    assert recv_pumping(net.ours.mod, xpub, *pumps) == b"\x01sentinel"


@roles("XPUB", "SUB")
def test_xpub_welcome_message(net: Net, ours_is: str) -> None:
    xs, ss = (net.ours, net.zmq) if ours_is == "XPUB" else (net.zmq, net.ours)
    xpub = xs.socket("XPUB", XPUB_WELCOME_MSG=b"welcome")
    sub = ss.socket("SUB", SUBSCRIBE=b"welcome")
    net.link(xpub, sub)
    assert recv_pumping(xs.mod, xpub, (ss.mod, sub)) == b"\x01welcome"
    # A bound libzmq XPUB queues the welcome on attach but only flushes it with the next
    # message, so the test checks that it comes first, not when.
    xpub.send(b"welcome-2")
    assert sub.recv() == b"welcome"
    assert sub.recv() == b"welcome-2"


def test_xpub_manual(net: Net) -> None:
    xpub = net.ours.socket("XPUB", XPUB_MANUAL=1)
    xsub = net.zmq.socket("XSUB")
    net.link(xpub, xsub)
    xsub.send(b"\x01a")
    assert recv_pumping(net.ours.mod, xpub, (net.zmq.mod, xsub)) == b"\x01a"
    # Manual mode: the application decides what the last peer is subscribed to.
    xpub.setsockopt(net.ours.mod.SUBSCRIBE, b"b")
    for m in [b"a1", b"b1", b"a2", b"b2"]:
        xpub.send(m)
    assert xsub.recv() == b"b1"
    assert xsub.recv() == b"b2"


def test_bound_sub_gets_first_message_from_connecting_publisher(net: Net) -> None:
    """SUB binds, the publisher connects (libzmq issue 2267).

    Once the publisher has seen the subscription, the very first message it publishes reaches
    the SUB. With ours-binds ours is the bound SUB (libzmq XPUB connects); with zmq-binds ours
    is the connecting XPUB (libzmq SUB binds). The XPUB makes "subscription seen" observable.
    """
    ss, xs = (net.ours, net.zmq) if net.ours_binds else (net.zmq, net.ours)
    sub = ss.socket("SUB", SUBSCRIBE=b"m")
    xpub = xs.socket("XPUB")
    xpub.connect(net.bind(sub))
    assert recv_pumping(xs.mod, xpub, (ss.mod, sub)) == b"\x01m"
    for i in range(10):
        xpub.send(b"m%d" % i)
    assert [sub.recv() for _ in range(10)] == [b"m%d" % i for i in range(10)]


@pytest.mark.parametrize("transport_", ["tcp", "ipc"])
@better_than_libzmq(
    "libzmq issue 2267: a bound SUB sends its subscriptions to a connecting publisher only "
    "when its application calls into it",
    raises=zmq.Again,
)
def test_bound_sub_subscribes_without_api_calls(
    ours_side: Side, zmq_side: Side, endpoints: Endpoints, transport_: str
) -> None:
    sub = ours_side.socket("SUB", SUBSCRIBE=b"topic")
    xpub = zmq_side.socket("XPUB", RCVTIMEO=2000)
    xpub.connect(endpoints.bind(ours_side.mod, sub, transport_))
    assert xpub.recv() == b"\x01topic"


@pytest.mark.parametrize("transport_", ["tcp", "ipc"])
@better_than_libzmq(
    "a bound libzmq XPUB sends its welcome only when its app calls into it", raises=zmq.Again
)
def test_bound_xpub_sends_welcome_without_api_calls(
    ours_side: Side, zmq_side: Side, endpoints: Endpoints, transport_: str
) -> None:
    xpub = ours_side.socket("XPUB", XPUB_WELCOME_MSG=b"hi")
    sub = zmq_side.socket("SUB", SUBSCRIBE=b"hi", RCVTIMEO=2000)
    sub.connect(endpoints.bind(ours_side.mod, xpub, transport_))
    assert sub.recv() == b"hi"


@pytest.mark.skipif(OURS_IS_PYZMQ, reason="holds purezmq's connection lock")
@pytest.mark.parametrize("kind", ["PUB", "XPUB"])
def test_a_libzmq_subscription_that_reached_ours_before_a_send_is_applied(
    net: Net, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SocketCore.read_for_send against libzmq: the SUB's SUBSCRIBE is in our kernel
    buffer, and the I/O thread is kept off the connection (its lock held), as when it
    waits for the GIL the sender holds; the send must still see it."""
    from purezmq.engine import core as core_mod

    monkeypatch.setattr(core_mod, "SEND_READ_IVL", 0.0)  # sync_pubsub sent just now
    pub = net.ours.socket(kind)
    sub = net.zmq.socket("SUB")
    net.link(pub, sub)
    subscribe(zmq, sub, PROBE)
    sync_pubsub(net.ours.mod, pub, zmq, sub)
    (engine,) = tuple(pub._core.engines)
    stream = engine.transport
    with stream._lock:
        sub.setsockopt(zmq.SUBSCRIBE, b"T")
        assert select.select([stream._fd], [], [], 5)[0]
        pub.send(b"T-1")
    assert sub.recv() == b"T-1"


@roles("PUB", "SUB")
def test_one_publish_reaches_two_subscribers_intact(net: Net, ours_is: str) -> None:
    """A one-frame message goes to every tcp/ipc subscriber as one shared bytes object
    (Pipe.bare_frames): each subscriber gets every message, in order, among multipart
    and large ones."""
    pub_side, sub_side = (net.ours, net.zmq) if ours_is == "PUB" else (net.zmq, net.ours)
    pub = pub_side.socket("PUB")
    subs = [sub_side.socket("SUB") for _ in range(2)]
    net.star(pub, subs)
    for sub in subs:
        subscribe(sub_side.mod, sub, b"")
        sync_pubsub(pub_side.mod, pub, sub_side.mod, sub)
    sent = [[b"m%d" % i] for i in range(100)] + [[b"multi", b"x" * 300], [b"L" * 70000]]
    sent += [[b"n%d" % i] for i in range(100)] + [[MARK]]
    for m in sent:
        pub.send_multipart(m)
    for sub in subs:
        got = []
        while (msg := sub.recv_multipart()) != [MARK]:
            if not msg[0].startswith(PROBE):  # the other subscriber's barrier
                got.append(msg)
        assert got == sent[:-1]
