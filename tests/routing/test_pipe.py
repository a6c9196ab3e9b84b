from __future__ import annotations

from collections import deque

from purezmq.routing.lb import LoadBalancer
from purezmq.routing.pipe import PeerInfo, Pipe, QueueItem, Subscription, append_conflated
from purezmq.routing.pubsub import Pub

from .helpers import make_pipe


def test_defaults_and_repr() -> None:
    p = make_pipe()
    assert p.active and not p.close_requested and not p.conflate
    assert p.peer is None and p.routing_id == b""
    p.on_write()
    p.on_read()
    p.on_close()  # default hooks are no-ops
    assert "Pipe" in repr(p)


def test_write_read_and_hooks() -> None:
    p = make_pipe(out_hwm=2)
    calls: list[str] = []
    p.on_write = lambda: calls.append("w")
    p.on_read = lambda: calls.append("r")
    assert p.can_write()
    p.write([b"a"])
    p.write([b"b"])
    assert not p.can_write()
    assert list(p.out_q) == [[b"a"], [b"b"]]
    assert not p.can_read() and p.read() is None
    p.in_q.append([b"x", b"y"])
    assert p.can_read()
    assert p.read() == [b"x", b"y"]
    assert calls == ["w", "w", "r"]


def test_unlimited_hwm() -> None:
    p = make_pipe(out_hwm=0)
    for i in range(5000):
        assert p.can_write()
        p.write([b"%d" % i])
    assert len(p.out_q) == 5000


def test_conflate_keeps_newest_and_never_blocks() -> None:
    p = make_pipe(out_hwm=1, conflate=True)
    for i in range(10):
        assert p.can_write()
        p.write([b"%d" % i])
    assert list(p.out_q) == [[b"9"]]


def test_conflate_keeps_subscriptions() -> None:
    q: deque[QueueItem] = deque()
    append_conflated(q, Subscription(b"a"))
    append_conflated(q, [b"1"])
    append_conflated(q, [b"2"])
    append_conflated(q, Subscription(b"b", False))
    append_conflated(q, [b"3"])
    # data behind a subscription is not reachable without indexing past [0]: kept
    assert q[0] == Subscription(b"a")
    assert [b"3"] in list(q)
    assert Subscription(b"b", False) in list(q)


def test_conflate_on_plain_deque() -> None:
    q: deque[QueueItem] = deque()
    for i in range(3):
        append_conflated(q, [b"%d" % i])
    assert list(q) == [[b"2"]]


def test_subscription_forms() -> None:
    s = Subscription(b"topic")
    assert s.subscribe
    assert s.to_frame() == b"\x01topic"
    assert s.to_message() == [b"\x01topic"]
    c = Subscription(b"topic", False)
    assert c.to_message() == [b"\x00topic"]
    assert Subscription.from_frame(b"\x01abc") == Subscription(b"abc", True)
    assert Subscription.from_frame(b"\x00") == Subscription(b"", False)
    assert Subscription.from_frame(b"\x02abc") is None
    assert Subscription.from_frame(b"") is None
    assert hash(s) == hash(Subscription(b"topic", True))


def test_peer_info() -> None:
    info = PeerInfo("ROUTER", b"me", {"Socket-Type": b"ROUTER"}, 0)
    assert info.minor_version == 0
    assert PeerInfo().properties == {}


def test_request_close_once() -> None:
    p = make_pipe()
    n = []
    p.on_close = lambda: n.append(1)
    p.request_close()
    p.request_close()
    assert p.close_requested and n == [1]


def test_explicit_constructor_order() -> None:
    in_q: deque[list[bytes]] = deque()
    out_q: deque[QueueItem] = deque()
    p = Pipe(in_q, out_q, 10, 20, b"rid")
    assert (p.in_q, p.out_q, p.out_hwm, p.in_hwm, p.routing_id) == (in_q, out_q, 10, 20, b"rid")


def test_conflate_tolerates_concurrent_consumer() -> None:
    class RacingDeque(deque):  # type: ignore[type-arg]
        """The consumer empties the queue between our peek and our popleft."""

        def popleft(self) -> object:
            self.clear()
            raise IndexError("pop from an empty deque")

    q = RacingDeque([[b"old"]])
    append_conflated(q, [b"new"])
    assert list(q) == [[b"new"]]


def test_read_batch_takes_at_most_half_the_hwm_and_calls_on_read_once() -> None:
    calls: list[int] = []
    pipe = make_pipe(in_hwm=10)
    pipe.on_read = lambda: calls.append(len(pipe.in_q))
    pipe.in_q.extend([b"%d" % i] for i in range(10))
    assert pipe.read_batch(100) == [[b"%d" % i] for i in range(5)]  # RCVHWM / 2
    assert calls == [5]
    assert pipe.read_batch(3) == [[b"5"], [b"6"], [b"7"]]
    assert pipe.read_batch(1) is None  # a batch is two or more
    assert calls == [5, 2]
    tiny = make_pipe(in_hwm=3)
    tiny.in_q.extend([[b"a"], [b"b"], [b"c"]])
    assert tiny.read_batch(100) is None  # hwm // 2 < 2: one at a time
    unlimited = make_pipe()
    unlimited.in_q.extend([b"%d" % i] for i in range(1000))
    batch = unlimited.read_batch(256)
    assert batch is not None and len(batch) == 256 and len(unlimited.in_q) == 744


def test_writers_skip_on_write_while_a_flush_is_scheduled() -> None:
    """Pipe.write, the load balancer and PUB's fan-out call on_write unless the engine
    has a flush scheduled (which takes whatever is appended before it runs)."""
    calls: list[int] = []
    pipe = make_pipe()
    pipe.on_write = lambda: calls.append(1)
    lb = LoadBalancer()
    lb.attach(pipe)
    pub = Pub()
    pub.attach(pipe)
    pipe.in_q.append([b"\x01"])  # subscribe to everything
    for scheduled, expected in ((True, 0), (False, 3)):
        pipe.flush_scheduled = scheduled
        calls.clear()
        pipe.write([b"a"])
        assert lb.send([b"b"]) is pipe
        assert pub.send([b"c"])
        assert len(calls) == expected
    assert [m for m in pipe.out_q if type(m) is list] == [[b"a"], [b"b"], [b"c"]] * 2
