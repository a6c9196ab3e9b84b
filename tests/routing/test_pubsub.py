from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing
from purezmq.routing.pipe import Subscription
from purezmq.routing.pubsub import Pub, Sub, XPub, XSub

from .helpers import drain, inproc_pair, make_pipe

S = SocketOption


def _xpub(**opts: object) -> XPub:
    r = make_routing(SocketType.XPUB, {getattr(S, k): v for k, v in opts.items()})
    assert isinstance(r, XPub)
    return r


def _sub() -> Sub:
    r = make_routing(SocketType.SUB)
    assert isinstance(r, Sub)
    return r


# -- PUB -----------------------------------------------------------------------------


def test_pub_fans_out_to_matching() -> None:
    pub = make_routing(SocketType.PUB)
    assert isinstance(pub, Pub)
    a, b, c = make_pipe(), make_pipe(), make_pipe()
    for p in (a, b, c):
        assert pub.attach(p)
    a.in_q.append([b"\x01"])  # "" = everything (3.0 message form)
    b.in_q.append([b"\x01news"])
    c.in_q.append(Subscription(b"sport"))  # type: ignore[arg-type]  # inproc form
    assert pub.send([b"news-1", b"body"])
    assert pub.send([b"sports"])
    assert pub.send([b"weather"])
    assert drain(a) == [[b"news-1", b"body"], [b"sports"], [b"weather"]]
    assert drain(b) == [[b"news-1", b"body"]]
    assert drain(c) == [[b"sports"]]


def test_pub_without_subscribers_drops() -> None:
    pub = make_routing(SocketType.PUB)
    assert pub.send([b"x"]) is True
    p = make_pipe()
    pub.attach(p)
    assert pub.send([b"x"]) is True
    assert not p.out_q  # no subscription yet


def test_pub_never_blocks_full_subscriber_misses() -> None:
    # OBS 7e: PUB with SNDHWM=2 "sent" 20000 messages
    pub = make_routing(SocketType.PUB)
    slow, fast = make_pipe(out_hwm=2), make_pipe(out_hwm=0)
    for p in (slow, fast):
        pub.attach(p)
        p.in_q.append([b"\x01"])
    for i in range(100):
        assert pub.send([b"%d" % i])
    assert pub.can_send()
    assert len(slow.out_q) == 2 and len(fast.out_q) == 100


def test_pub_recv_enotsup_but_processes_subscriptions() -> None:
    pub = make_routing(SocketType.PUB)
    p = make_pipe()
    pub.attach(p)
    p.in_q.append([b"\x01a"])
    p.in_q.append([b"not a subscription"])  # PUB ignores user messages
    with pytest.raises(ZMQError) as e:
        pub.recv()
    assert e.value.errno == Errno.ENOTSUP
    assert not p.in_q
    assert pub.topics() == [b"a"]  # type: ignore[attr-defined]
    p.in_q.append([b"\x00a"])
    assert not pub.can_recv()
    assert pub.topics() == []  # type: ignore[attr-defined]


def test_pub_unsubscribe_and_commands_equivalent() -> None:
    pub = make_routing(SocketType.PUB)
    p = make_pipe()
    pub.attach(p)
    p.in_q.append(Subscription(b"t"))  # type: ignore[arg-type]
    pub.send([b"t1"])
    p.in_q.append([b"\x00t"])
    pub.send([b"t2"])
    assert drain(p) == [[b"t1"]]


def test_pub_subscriptions_present_at_attach() -> None:
    pub = make_routing(SocketType.PUB)
    p = make_pipe()
    p.in_q.append([b"\x01"])
    pub.attach(p)
    pub.send([b"x"])
    assert drain(p) == [[b"x"]]


def test_pub_invert_matching() -> None:
    pub = make_routing(SocketType.PUB, {S.INVERT_MATCHING: 1})
    assert pub.getsockopt(S.INVERT_MATCHING) == 1
    a, b = make_pipe(), make_pipe()
    pub.attach(a)
    pub.attach(b)
    a.in_q.append([b"\x01x"])
    pub.send([b"xyz"])
    pub.send([b"abc"])
    assert drain(a) == [[b"abc"]]
    assert drain(b) == [[b"xyz"], [b"abc"]]


def test_pub_detach() -> None:
    pub = make_routing(SocketType.PUB)
    p = make_pipe()
    pub.attach(p)
    p.in_q.append([b"\x01"])
    pub.detach(p)
    pub.detach(p)
    assert not p.active
    pub.send([b"x"])
    assert not p.out_q


# -- SUB -----------------------------------------------------------------------------


def test_sub_subscribe_writes_to_every_pipe_and_is_remembered() -> None:
    sub = _sub()
    a = make_pipe()
    sub.attach(a)
    sub.setsockopt(S.SUBSCRIBE, b"topic")
    sub.setsockopt(S.SUBSCRIBE, b"")
    assert drain(a) == [Subscription(b"topic"), Subscription(b"")]
    b = make_pipe()
    sub.attach(b)
    # OBS 2a: resend in trie order, "" before "topic"
    assert drain(b) == [Subscription(b""), Subscription(b"topic")]
    sub.hiccup(a)
    assert drain(a) == [Subscription(b""), Subscription(b"topic")]
    assert sub.topics() == [b"", b"topic"]


def test_sub_counted_unsubscribe() -> None:
    sub = _sub()
    p = make_pipe()
    sub.attach(p)
    sub.setsockopt(S.SUBSCRIBE, b"A")
    sub.setsockopt(S.SUBSCRIBE, b"A")
    sub.setsockopt(S.UNSUBSCRIBE, b"A")
    # libzmq forwards every subscribe, but a cancel only for the last one
    assert drain(p) == [Subscription(b"A"), Subscription(b"A")]
    p.in_q.append([b"A1"])
    assert sub.recv() == [b"A1"]
    sub.setsockopt(S.UNSUBSCRIBE, b"A")
    assert drain(p) == [Subscription(b"A", False)]
    sub.setsockopt(S.UNSUBSCRIBE, b"A")  # not held: nothing sent
    assert drain(p) == []
    p.in_q.append([b"A2"])
    assert sub.recv() is None


def test_sub_filters_locally() -> None:
    sub = _sub()
    p = make_pipe()
    sub.attach(p)
    sub.setsockopt(S.SUBSCRIBE, b"news")
    p.in_q.extend([[b"sport", b"x"], [b"news", b"y"], [b"weather"]])
    assert sub.can_recv()
    assert sub.recv() == [b"news", b"y"]
    assert sub.last_recv_pipe is p
    assert not sub.can_recv()
    assert sub.recv() is None
    assert not p.in_q


def test_sub_invert_matching() -> None:
    sub = _sub()
    sub.setsockopt(S.INVERT_MATCHING, 1)
    sub.setsockopt(S.SUBSCRIBE, b"x")
    p = make_pipe()
    sub.attach(p)
    p.in_q.extend([[b"xa"], [b"ya"]])
    assert sub.recv() == [b"ya"]
    assert sub.recv() is None


def test_sub_send_enotsup() -> None:
    sub = _sub()
    with pytest.raises(ZMQError) as e:
        sub.send([b"x"])
    assert e.value.errno == Errno.ENOTSUP
    assert not sub.can_send()


def test_sub_option_values() -> None:
    sub = _sub()
    sub.setsockopt(S.SUBSCRIBE, bytearray(b"ba"))
    assert sub.topics() == [b"ba"]
    with pytest.raises(ZMQError) as e:
        sub.setsockopt(S.SUBSCRIBE, "text")
    assert e.value.errno == Errno.EINVAL
    with pytest.raises(KeyError):
        sub.getsockopt(S.SUBSCRIBE)
    assert sub.getsockopt(S.INVERT_MATCHING) == 0


def test_sub_fair_queues() -> None:
    sub = _sub()
    sub.setsockopt(S.SUBSCRIBE, b"")
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        sub.attach(p)
        p.in_q.extend([[b"a"], [b"b"]])
    assert [sub.recv() for _ in range(6)] == [[b"a"]] * 3 + [[b"b"]] * 3


# -- XSUB ----------------------------------------------------------------------------


def test_xsub_subscriptions_from_app() -> None:
    xsub = make_routing(SocketType.XSUB)
    assert isinstance(xsub, XSub)
    a, b = make_pipe(), make_pipe()
    xsub.attach(a)
    xsub.attach(b)
    assert xsub.can_send()
    assert xsub.send([b"\x01topic"])
    assert xsub.send([b"\x00other"])  # not held: dropped
    assert xsub.send([b"\x00topic"])
    for p in (a, b):
        assert drain(p) == [Subscription(b"topic"), Subscription(b"topic", False)]
    assert xsub.topics() == []


def test_xsub_forwards_other_messages_and_resends() -> None:
    xsub = make_routing(SocketType.XSUB)
    assert isinstance(xsub, XSub)
    a = make_pipe(out_hwm=3)
    xsub.attach(a)
    xsub.send([b"\x01t"])
    assert xsub.send([b"hello", b"upstream"])  # not a subscription: verbatim
    assert xsub.send([b"\x01a", b"two frames"])  # multi-frame: plain message
    assert drain(a) == [Subscription(b"t"), [b"hello", b"upstream"], [b"\x01a", b"two frames"]]
    for m in (b"x", b"y", b"z", b"w"):
        assert xsub.send([m])  # the last one finds the pipe full: dropped
    assert drain(a) == [[b"x"], [b"y"], [b"z"]]
    xsub.hiccup(a)
    assert drain(a) == [Subscription(b"t")]


def test_xsub_recv_does_not_filter() -> None:
    xsub = make_routing(SocketType.XSUB)
    p = make_pipe()
    xsub.attach(p)
    p.in_q.append([b"anything"])
    assert xsub.can_recv()
    assert xsub.recv() == [b"anything"]
    assert xsub.last_recv_pipe is p
    assert xsub.recv() is None
    xsub.detach(p)
    assert not p.active


def test_xsub_subscribe_option_einval() -> None:
    xsub = make_routing(SocketType.XSUB)
    with pytest.raises(ZMQError) as e:
        xsub.setsockopt(S.SUBSCRIBE, b"x")
    assert e.value.errno == Errno.EINVAL


# -- XPUB ----------------------------------------------------------------------------


def test_xpub_duplicate_suppression() -> None:
    xpub = _xpub()
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.append([b"\x01A"])
    b.in_q.append(Subscription(b"A"))  # type: ignore[arg-type]
    a.in_q.append([b"\x01A"])  # same pipe again: no change
    assert xpub.can_recv()
    assert xpub.recv() == [b"\x01A"]  # first subscribe only
    assert xpub.last_recv_pipe is a
    assert xpub.recv() is None
    a.in_q.append([b"\x00A"])
    assert xpub.recv() is None  # b still holds A
    b.in_q.append(Subscription(b"A", False))  # type: ignore[arg-type]
    assert xpub.recv() == [b"\x00A"]  # last unsubscribe
    a.in_q.append([b"\x00never"])
    assert xpub.recv() == [b"\x00never"]  # libzmq 4.3 reports unknown cancels too


def test_xpub_verbose() -> None:
    xpub = _xpub(XPUB_VERBOSE=1)
    assert xpub.getsockopt(S.XPUB_VERBOSE) == 1
    assert xpub.getsockopt(S.XPUB_VERBOSER) == 0
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.append([b"\x01A"])
    b.in_q.append([b"\x01A"])
    assert xpub.recv() == [b"\x01A"]
    assert xpub.recv() == [b"\x01A"]
    a.in_q.append([b"\x00A"])
    assert xpub.recv() is None  # unsubscribes stay suppressed
    b.in_q.append([b"\x00A"])
    assert xpub.recv() == [b"\x00A"]


def test_xpub_verboser() -> None:
    xpub = _xpub(XPUB_VERBOSER=1)
    assert xpub.getsockopt(S.XPUB_VERBOSER) == 1
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    # OBS 2g shape: commands and messages alike, every one reported
    a.in_q.append(Subscription(b"x"))  # type: ignore[arg-type]
    b.in_q.append([b"\x01x"])
    a.in_q.append(Subscription(b"x", False))  # type: ignore[arg-type]
    b.in_q.append([b"\x00x"])
    got = [xpub.recv() for _ in range(4)]
    assert got == [[b"\x01x"], [b"\x00x"], [b"\x01x"], [b"\x00x"]]
    xpub.setsockopt(S.XPUB_VERBOSE, 1)  # VERBOSE turns unsubscribe verbosity off
    assert xpub.getsockopt(S.XPUB_VERBOSER) == 0


def test_xpub_detach_synthesises_unsubscribes() -> None:
    xpub = _xpub()
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.extend([[b"\x01A"], [b"\x01B"]])
    b.in_q.append([b"\x01B"])
    assert [xpub.recv(), xpub.recv(), xpub.recv()] == [[b"\x01A"], [b"\x01B"], None]
    a.in_q.append([b"\x01C"])  # still queued at detach: applied first
    xpub.detach(a)
    assert not a.active
    got = []
    while (m := xpub.recv()) is not None:
        got.append(m)
    # OBS 2g: got \x00A; B is still wanted by b
    assert got == [[b"\x01C"], [b"\x00A"], [b"\x00C"]]
    assert xpub.last_recv_pipe is None
    xpub.detach(a)  # twice: harmless


def test_xpub_detach_verboser_reports_every_topic() -> None:
    xpub = _xpub(XPUB_VERBOSER=1)
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.append([b"\x01B"])
    b.in_q.append([b"\x01B"])
    xpub.recv()
    xpub.recv()
    xpub.detach(a)
    assert xpub.recv() == [b"\x00B"]


def test_xpub_delivers_upstream_messages() -> None:
    xpub = _xpub()
    p = make_pipe()
    xpub.attach(p)
    p.in_q.append([b"upstream", b"msg"])
    p.in_q.append([b""])
    assert xpub.recv() == [b"upstream", b"msg"]
    assert xpub.last_recv_pipe is p
    assert xpub.recv() == [b""]


def test_xpub_multiframe_subscription_message() -> None:
    xpub = _xpub()
    p = make_pipe()
    xpub.attach(p)
    p.in_q.append([b"\x01a", b"\x01b", b"junk"])
    assert xpub.recv() == [b"\x01a"]
    assert xpub.recv() == [b"\x01b"]
    assert xpub.recv() is None
    assert xpub.topics() == [b"a", b"b"]


def test_xpub_send_matching_and_fanout() -> None:
    xpub = _xpub()
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.append([b"\x01a"])
    b.in_q.append([b"\x01"])
    assert xpub.send([b"abc"])
    assert xpub.send([b"xyz"])
    assert drain(a) == [[b"abc"]]
    assert drain(b) == [[b"abc"], [b"xyz"]]


def test_xpub_nodrop() -> None:
    xpub = _xpub(XPUB_NODROP=1)
    assert xpub.getsockopt(S.XPUB_NODROP) == 1
    full, other = make_pipe(out_hwm=1), make_pipe(out_hwm=1)
    xpub.attach(full)
    xpub.attach(other)
    full.in_q.append([b"\x01a"])
    other.in_q.append([b"\x01b"])
    assert xpub.send([b"a1"])
    assert not xpub.can_send()
    assert xpub.send([b"a2"]) is False  # EAGAIN instead of dropping
    assert xpub.send([b"b1"])  # does not go to the full pipe
    assert drain(full) == [[b"a1"]]
    assert drain(other) == [[b"b1"]]
    assert xpub.can_send()
    xpub.setsockopt(S.XPUB_NODROP, 0)
    full.out_q.append([b"x"])
    assert xpub.send([b"a3"])  # lossy again


def test_xpub_welcome_message() -> None:
    xpub = _xpub(XPUB_WELCOME_MSG=b"hi")
    assert xpub.getsockopt(S.XPUB_WELCOME_MSG) == b"hi"
    p = make_pipe(out_hwm=1)
    p.out_q.append([b"already full"])
    xpub.attach(p)
    assert drain(p) == [[b"already full"], [b"hi"]]
    xpub.setsockopt(S.XPUB_WELCOME_MSG, b"")
    q = make_pipe()
    xpub.attach(q)
    assert drain(q) == []


def test_xpub_manual() -> None:
    xpub = _xpub(XPUB_MANUAL=1)
    assert xpub.getsockopt(S.XPUB_MANUAL) == 1
    a, b = make_pipe(), make_pipe()
    xpub.attach(a)
    xpub.attach(b)
    a.in_q.append([b"\x01A"])
    b.in_q.append([b"\x01A"])  # duplicates are all delivered in manual mode
    assert xpub.recv() == [b"\x01A"]
    xpub.send([b"A-before"])  # not applied automatically
    assert not a.out_q
    xpub.setsockopt(S.SUBSCRIBE, b"X")  # applies to a, the last sender
    assert xpub.recv() == [b"\x01A"]
    xpub.setsockopt(S.SUBSCRIBE, b"Y")  # applies to b
    xpub.send([b"X1"])
    xpub.send([b"Y1"])
    assert drain(a) == [[b"X1"]]
    assert drain(b) == [[b"Y1"]]
    xpub.setsockopt(S.UNSUBSCRIBE, b"Y")
    xpub.send([b"Y2"])
    assert drain(b) == []
    xpub.detach(a)  # every manual topic of a is reported
    assert xpub.recv() == [b"\x00A"]
    xpub.send([b"X2"])
    assert drain(a) == []


def test_xpub_manual_without_last_pipe_and_non_manual_einval() -> None:
    xpub = _xpub(XPUB_MANUAL=1)
    assert xpub.setsockopt(S.SUBSCRIBE, b"x")  # no pipe yet: ignored
    plain = _xpub()
    with pytest.raises(ZMQError) as e:
        plain.setsockopt(S.SUBSCRIBE, b"x")
    assert e.value.errno == Errno.EINVAL
    with pytest.raises(ZMQError):
        plain.setsockopt(S.XPUB_VERBOSE, -1)
    with pytest.raises(ZMQError):
        plain.setsockopt(S.XPUB_WELCOME_MSG, 5)
    with pytest.raises(ZMQError):
        plain.setsockopt(S.REQ_RELAXED, 1)


def test_xpub_manual_last_pipe_cleared_on_detach() -> None:
    xpub = _xpub(XPUB_MANUAL=1)
    a = make_pipe()
    xpub.attach(a)
    a.in_q.append([b"\x01A"])
    assert xpub.recv() == [b"\x01A"]
    xpub.detach(a)
    assert xpub.setsockopt(S.SUBSCRIBE, b"Z")  # no target any more
    assert xpub.topics() == []


# -- end to end over inproc-style shared deques ---------------------------------------


def test_sub_pub_inproc() -> None:
    pub, sub = make_routing(SocketType.PUB), _sub()
    p_pub, p_sub = inproc_pair(hwm=100)
    sub.setsockopt(S.SUBSCRIBE, b"a")
    pub.attach(p_pub)
    sub.attach(p_sub)  # its Subscription lands in the PUB's in_q
    pub.send([b"a1"])
    pub.send([b"b1"])  # filtered at the publisher
    assert sub.recv() == [b"a1"]
    assert sub.recv() is None


def test_xsub_xpub_inproc() -> None:
    xpub, xsub = _xpub(), make_routing(SocketType.XSUB)
    p1, p2 = inproc_pair()
    xpub.attach(p1)
    xsub.attach(p2)
    xsub.send([b"\x01t"])
    assert xpub.recv() == [b"\x01t"]
    xsub.send([b"up"])
    assert xpub.recv() == [b"up"]
    xpub.send([b"t-data"])
    assert xsub.recv() == [b"t-data"]


def test_xpub_manual_unsubscribe_from_pipe_and_pub_manual_detach() -> None:
    xpub = _xpub(XPUB_MANUAL=1)
    p = make_pipe()
    xpub.attach(p)
    p.in_q.extend([[b"\x01A"], [b"\x00A"]])
    assert xpub.recv() == [b"\x01A"]
    assert xpub.recv() == [b"\x00A"]  # manual: every one delivered
    xpub.detach(p)
    assert xpub.recv() is None  # nothing left to report
    pub = make_routing(SocketType.PUB, {S.XPUB_MANUAL: 1})
    q = make_pipe()
    pub.attach(q)
    q.in_q.append([b"\x01A"])
    pub.detach(q)
    assert not pub.can_recv()


def test_xpub_ignores_unknown_queue_items() -> None:
    xpub = _xpub()
    p = make_pipe()
    xpub.attach(p)
    p.in_q.append(("not", "a", "message"))  # type: ignore[arg-type]
    assert xpub.recv() is None


def test_sub_can_recv_is_idempotent() -> None:
    sub = _sub()
    sub.setsockopt(S.SUBSCRIBE, b"")
    p = make_pipe()
    sub.attach(p)
    p.in_q.extend([[b"1"], [b"2"]])
    assert sub.can_recv() and sub.can_recv()
    assert sub.recv() == [b"1"]
    assert sub.recv() == [b"2"]


def test_xpub_manual_subscribe_for_a_pipe_gone_meanwhile() -> None:
    xpub = _xpub(XPUB_MANUAL=1)
    p = make_pipe()
    xpub.attach(p)
    p.in_q.append([b"\x01A"])
    xpub.detach(p)  # before the app read the subscription
    assert xpub.recv() == [b"\x01A"]
    assert xpub.setsockopt(S.SUBSCRIBE, b"A")  # for a detached pipe: ignored
    assert xpub.topics() == []
    assert xpub.recv() == [b"\x00A"]


@pytest.mark.parametrize("socket_type", [SocketType.SUB, SocketType.XSUB, SocketType.XPUB])
def test_topics_count_and_only_first_subscribe(socket_type: int) -> None:
    r = make_routing(socket_type, {S.ONLY_FIRST_SUBSCRIBE: 1})
    assert r.getsockopt(S.ONLY_FIRST_SUBSCRIBE) == 1
    assert r.getsockopt(S.TOPICS_COUNT) == 0
    p = make_pipe()
    r.attach(p)
    if socket_type == SocketType.SUB:
        for t in (b"a", b"a", b"b"):
            r.setsockopt(S.SUBSCRIBE, t)
    elif socket_type == SocketType.XSUB:
        for t in (b"a", b"a", b"b"):
            r.send([b"\x01" + t])
    else:
        p.in_q.extend([[b"\x01a"], [b"\x01b"]])
    assert r.getsockopt(S.TOPICS_COUNT) == 2


def test_only_first_subscribe_elsewhere_einval() -> None:
    with pytest.raises(ZMQError) as e:
        make_routing(SocketType.PUSH).setsockopt(S.ONLY_FIRST_SUBSCRIBE, 1)
    assert e.value.errno == Errno.EINVAL


def test_sub_recv_batch_filters_like_recv() -> None:
    sub = Sub()
    p = make_pipe()
    sub.attach(p)
    sub.setsockopt(SocketOption.SUBSCRIBE, b"a")
    p.in_q.extend([[b"a1"], [b"b1"], [b"a2", b"more"], [b"b2"], [b"a3"]])
    assert sub.recv_batch(10) == ([[b"a1"], [b"a2", b"more"], [b"a3"]], p)
    assert sub.last_recv_pipe is p
    p.in_q.extend([[b"b3"], [b"b4"]])
    assert sub.recv_batch(10) is None  # all filtered out: dropped, nothing to give
    assert not p.in_q and sub.recv() is None


def test_sub_recv_batch_after_can_recv_read_ahead() -> None:
    sub = Sub()
    p = make_pipe()
    sub.attach(p)
    sub.setsockopt(SocketOption.SUBSCRIBE, b"")
    p.in_q.extend([[b"1"], [b"2"], [b"3"]])
    assert sub.can_recv()  # reads one ahead
    assert sub.recv_batch(10) is None  # which recv() must give first
    assert sub.recv() == [b"1"]
    assert sub.recv_batch(10) == ([[b"2"], [b"3"]], p)


def test_xsub_recv_batch_keeps_everything() -> None:
    xsub = XSub()
    p = make_pipe()
    xsub.attach(p)
    p.in_q.extend([[b"x"], [b"y"]])
    assert xsub.recv_batch(10) == ([[b"x"], [b"y"]], p)
