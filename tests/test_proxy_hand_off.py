"""Hand-offs: a blocking send into a proxied inproc socket relays in the sender's thread.

purezmq only (libzmq's proxy runs in its own thread, outside the GIL): the proxy's
sockets take a :class:`~purezmq.engine.waiters.HandOffWaiter` instead of the proxy's
own waiter, so that a thread whose send delivered to one of them steps the proxy's flow
itself, after its send, instead of waking the proxy's thread (engine/waiters.py,
purezmq/proxy.py). These tests pin what that may and may not change: who relays, that
nothing is lost, duplicated or reordered, that a stream is left to the proxy's thread,
and that nothing of it raises into the sender.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import purezmq as zmq
from purezmq.engine import waiters
from purezmq.engine.waiters import HANDING_OFF, HandOffWaiter, send_handing_off
from purezmq.proxy import SENDER_BURST_SIZE, Relay, RelayFlow
from tests.devices._api import DEADLINE_S
from tests.engine.test_engine import wait_for
from tests.sockets._ours import OURS_IS_PYZMQ, assert_nothing

pytestmark = pytest.mark.skipif(OURS_IS_PYZMQ, reason="purezmq's proxy internals")

TIMEOUT_MS = int(DEADLINE_S * 1000)


class _Counting:
    """A waiter counting its wakes."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    yield c
    if not c.closed:
        c.term()


def _socket(ctx: zmq.Context, kind: int) -> zmq.Socket:
    sock = ctx.socket(kind)
    sock.linger = 0
    sock.rcvtimeo = sock.sndtimeo = TIMEOUT_MS
    return sock


def _start_proxy(target: Callable[..., Any], *socks: zmq.Socket | None) -> threading.Thread:
    """``target(*socks)`` in a thread, which closes the sockets when it returns."""

    def main() -> None:
        try:
            target(*socks)
        except zmq.ContextTerminated:
            pass
        finally:
            for s in socks:
                if s is not None:
                    s.close(0)

    t = threading.Thread(target=main, daemon=True)
    t.start()
    return t


def _stop(ctx: zmq.Context, *threads: threading.Thread) -> None:
    terminator = threading.Thread(target=ctx.term, daemon=True)
    terminator.start()
    for t in (terminator, *threads):
        t.join(DEADLINE_S)
        assert not t.is_alive()


def _record_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, bool]]:
    """Every RelayFlow.step from now on: (thread, burst, whether it moved anything)."""
    steps: list[tuple[int, int, bool]] = []
    real = RelayFlow.step

    def step(self: RelayFlow, capture: Any, active: bool, burst: int = 1000) -> bool:
        moved = real(self, capture, active, burst)
        steps.append((threading.get_ident(), burst, moved))
        return moved

    monkeypatch.setattr(RelayFlow, "step", step)
    return steps


def _proxy_parked() -> bool:
    """The proxy's thread waits (its relay's lock is free), so that a send made now may
    relay in its own thread; a thread the machine's load keeps from parking would
    otherwise take the relaying over, which is timing, not the rule under test."""
    return bool(HANDING_OFF) and not HANDING_OFF[0]._lock.locked()


# ---------------------------------------------------------------- end to end, inproc
def test_an_inproc_queue_relays_in_the_requesters_and_the_workers_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mtserver seed's shape over inproc: after the first round trip, each request
    is relayed by the requester's send and each reply by the worker's."""
    steps = _record_steps(monkeypatch)
    ctx = zmq.Context()
    front, back = _socket(ctx, zmq.ROUTER), _socket(ctx, zmq.DEALER)
    front.bind("inproc://hand-off-front")
    back.bind("inproc://hand-off-back")
    worker_ident: list[int] = []

    def worker() -> None:
        rep = _socket(ctx, zmq.REP)
        rep.connect("inproc://hand-off-back")
        worker_ident.append(threading.get_ident())
        try:
            while True:
                request = rep.recv()
                wait_for(_proxy_parked)
                rep.send(b"re:" + request)
        except zmq.ContextTerminated:
            pass
        finally:
            rep.close(0)

    w = threading.Thread(target=worker, daemon=True)
    w.start()
    p = _start_proxy(zmq.proxy, front, back)
    req = _socket(ctx, zmq.REQ)
    req.connect("inproc://hand-off-front")
    try:
        for i in range(30):
            assert wait_for(_proxy_parked)
            req.send(b"%d" % i)
            assert req.recv() == b"re:%d" % i
    finally:
        req.close(0)
        _stop(ctx, p, w)
    here = threading.get_ident()
    by_requester = [s for s in steps if s[0] == here and s[2]]
    by_worker = [s for s in steps if s[0] == worker_ident[0] and s[2]]
    # the first round trip teaches each thread; timing (a preempted thread) may leave a
    # few more to the proxy's thread, never most of them: each send waits until the
    # proxy's thread is parked, as it is on an idle machine
    assert len(by_requester) >= 15 and len(by_worker) >= 15
    assert all(burst == SENDER_BURST_SIZE for _, burst, _ in by_requester + by_worker)
    assert HANDING_OFF == []  # the proxy has stopped: sends pay nothing any more


def test_many_requesters_and_workers_lose_and_mix_up_nothing(ctx: zmq.Context) -> None:
    """Four requester threads, three workers, hand-offs and the proxy's thread racing:
    every reply reaches the requester that asked, in order."""
    front, back = _socket(ctx, zmq.ROUTER), _socket(ctx, zmq.DEALER)
    front.bind("inproc://many-front")
    back.bind("inproc://many-back")
    stop = threading.Event()

    def worker() -> None:
        rep = _socket(ctx, zmq.REP)
        rep.rcvtimeo = 20
        rep.connect("inproc://many-back")
        try:
            while not stop.is_set():
                try:
                    request = rep.recv_multipart()
                except zmq.Again:
                    continue
                rep.send_multipart([b"re", *request])
        finally:
            rep.close(0)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(3)]
    for t in workers:
        t.start()
    p = _start_proxy(zmq.proxy, front, back)
    failures: list[BaseException] = []

    def requester(n: int) -> None:
        req = _socket(ctx, zmq.REQ)
        req.connect("inproc://many-front")
        try:
            for i in range(100):
                req.send_multipart([b"%d" % n, b"%d" % i])
                assert req.recv_multipart() == [b"re", b"%d" % n, b"%d" % i]
        except BaseException as e:
            failures.append(e)
        finally:
            req.close(0)

    clients = [threading.Thread(target=requester, args=(n,), daemon=True) for n in range(4)]
    for t in clients:
        t.start()
    for t in clients:
        t.join(DEADLINE_S * 3)
        assert not t.is_alive()
    stop.set()
    for t in workers:
        t.join(DEADLINE_S)
    assert failures == []
    terminator = threading.Thread(target=ctx.term, daemon=True)
    terminator.start()
    p.join(DEADLINE_S)
    assert not p.is_alive()
    terminator.join(DEADLINE_S)
    assert not terminator.is_alive()


def test_a_streamer_keeps_every_message_in_order(ctx: zmq.Context) -> None:
    """PUSH threads sending back to back through an inproc PULL/PUSH streamer (a
    stream: mostly the proxy's thread relays, a sender after each pause): nothing
    lost, each sender's messages in order."""
    front, back = _socket(ctx, zmq.PULL), _socket(ctx, zmq.PUSH)
    front.bind("inproc://stream-front")
    back.bind("inproc://stream-back")
    p = _start_proxy(zmq.proxy, front, back)
    sink = _socket(ctx, zmq.PULL)
    sink.connect("inproc://stream-back")
    n, per = 3, 3000

    def sender(k: int) -> None:
        push = _socket(ctx, zmq.PUSH)
        push.connect("inproc://stream-front")
        for i in range(per):
            push.send_multipart([b"%d" % k, b"%d" % i])
        push.close(-1)

    senders = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(n)]
    for t in senders:
        t.start()
    seen: dict[bytes, list[int]] = {}
    for _ in range(n * per):
        k, i = sink.recv_multipart()
        seen.setdefault(k, []).append(int(i))
    for t in senders:
        t.join(DEADLINE_S)
    assert seen == {b"%d" % k: list(range(per)) for k in range(n)}
    assert_nothing(zmq, sink, 20)
    sink.close(0)
    _stop(ctx, p)


def test_a_paused_proxy_relays_nothing_in_the_senders_thread(ctx: zmq.Context) -> None:
    front, back = _socket(ctx, zmq.PULL), _socket(ctx, zmq.PUSH)
    ctl_in, ctl_out = _socket(ctx, zmq.PAIR), _socket(ctx, zmq.PAIR)
    front.bind("inproc://paused-front")
    back.bind("inproc://paused-back")
    ctl_in.bind("inproc://paused-ctl")
    ctl_out.connect("inproc://paused-ctl")
    p = _start_proxy(zmq.proxy_steerable, front, back, None, ctl_in)
    push, sink = _socket(ctx, zmq.PUSH), _socket(ctx, zmq.PULL)
    push.connect("inproc://paused-front")
    sink.connect("inproc://paused-back")
    try:
        for i in range(3):  # the sender's thread learns to relay
            push.send(b"%d" % i)
            assert sink.recv() == b"%d" % i
        ctl_out.send(b"PAUSE")
        ctl_out.send(b"STATISTICS")  # its reply proves PAUSE was applied (in order)
        assert len(ctl_out.recv_multipart()) == 8
        push.send(b"held")
        assert_nothing(zmq, sink, 50)
        ctl_out.send(b"RESUME")
        assert sink.recv() == b"held"
        ctl_out.send(b"TERMINATE")
        p.join(DEADLINE_S)
        assert not p.is_alive()
        assert HANDING_OFF == []
    finally:
        for s in (push, sink, ctl_out):
            s.close(0)


# ---------------------------------------------------------------- the relay's side
#: the flow fixture: the relay, its hand-off, its thread's waiter, the PUSH feeding its
#: source, the PULL after its destination, the destination
Flow = tuple[Relay, HandOffWaiter, _Counting, Any, Any, Any]


@pytest.fixture
def flow(ctx: zmq.Context) -> Iterator[Flow]:
    """A relay from an inproc PULL to a PUSH, not running in any thread: its
    ``relay_here`` is called by the test, with a counting waiter for its thread."""
    src, dst = _socket(ctx, zmq.PULL), _socket(ctx, zmq.PUSH)
    src.bind("inproc://relay-src")
    dst.bind("inproc://relay-dst")
    push, sink = _socket(ctx, zmq.PUSH), _socket(ctx, zmq.PULL)
    push.connect("inproc://relay-src")
    sink.connect("inproc://relay-dst")
    relay = Relay([RelayFlow(src, dst)])
    relay._running = True
    woken = _Counting()
    hand_off = HandOffWaiter(relay, woken, src._core)
    yield relay, hand_off, woken, push, sink, dst
    for s in (src, dst, push, sink):
        s.close(0)


def _drain(sink: Any) -> list[bytes]:
    got = []
    while True:
        try:
            got.append(sink.recv(zmq.NOBLOCK))
        except zmq.Again:
            return got


def test_relay_here_moves_a_sender_burst_and_leaves_the_rest_to_the_relays_thread(
    flow: Flow,
) -> None:
    relay, hand_off, woken, push, sink, _ = flow
    n = SENDER_BURST_SIZE + 4
    for i in range(n):
        push.send(b"%d" % i)  # no proxy runs: nothing is handed off
    relay.relay_here(hand_off)
    assert _drain(sink) == [b"%d" % i for i in range(SENDER_BURST_SIZE)]
    assert woken.wakes == 1  # the rest is the relay thread's
    relay.relay_here(hand_off)
    assert _drain(sink) == [b"%d" % i for i in range(SENDER_BURST_SIZE, n)]
    assert woken.wakes == 1


def test_relay_here_leaves_everything_while_the_relays_thread_steps(
    flow: Flow,
) -> None:
    relay, hand_off, woken, push, sink, _ = flow
    push.send(b"x")
    with relay._lock:  # the relay's thread is at work
        relay.relay_here(hand_off)
    assert woken.wakes == 1 and _drain(sink) == []
    relay._running = False  # the relay has stopped: nothing is done for it any more
    relay.relay_here(hand_off)
    assert woken.wakes == 1 and _drain(sink) == []


def test_relay_here_never_raises_into_the_sender(
    flow: Flow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay, hand_off, woken, push, _, dst = flow

    def terminated(msg: list[bytes]) -> bool:
        raise zmq.ContextTerminated()

    monkeypatch.setattr(dst._core, "try_send", terminated)
    push.send(b"x")
    relay.relay_here(hand_off)  # the relay's thread meets the error, and raises it there
    assert woken.wakes == 1


def test_relay_here_leaves_a_message_for_a_closed_destination_where_it_is(
    flow: Flow,
) -> None:
    relay, hand_off, woken, push, _, dst = flow
    push.send(b"x")
    dst.close(0)  # its close wakes the relay's thread, which ends with ENOTSOCK
    relay.relay_here(hand_off)
    assert relay.flows[0].source.recv(zmq.NOBLOCK) == b"x"


def test_a_full_destination_holds_the_rest_in_the_source_in_order(
    ctx: zmq.Context,
) -> None:
    """Back-pressure: a sender's relay moves only what the destination takes; the rest
    stays in the source (the destination's room, once freed, wakes the relay's thread
    through the hand-off registered on it: not in this unit test), nothing is lost."""
    src, dst = _socket(ctx, zmq.PULL), _socket(ctx, zmq.PUSH)
    dst.sndhwm = 1
    src.bind("inproc://full-src")
    dst.bind("inproc://full-dst")
    push, sink = _socket(ctx, zmq.PUSH), _socket(ctx, zmq.PULL)
    sink.rcvhwm = 1
    push.connect("inproc://full-src")
    sink.connect("inproc://full-dst")
    relay = Relay([RelayFlow(src, dst)])
    relay._running = True
    hand_off = HandOffWaiter(relay, _Counting(), src._core)
    try:
        for i in range(6):
            push.send(b"%d" % i)
        relay.relay_here(hand_off)
        moved = _drain(sink)
        assert 0 < len(moved) < 6  # an inproc pipe holds SNDHWM + RCVHWM
        for _ in range(6):
            relay.relay_here(hand_off)
            moved += _drain(sink)
        assert moved == [b"%d" % i for i in range(6)]
    finally:
        for s in (src, dst, push, sink):
            s.close(0)


# ---------------------------------------------------------------- the waiter's side
class _Relay:
    """A relay that records the hand-offs it is given."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[HandOffWaiter] = []
        self.fail = fail

    def relay_here(self, hand_off: HandOffWaiter) -> None:
        self.calls.append(hand_off)
        if self.fail:
            raise KeyboardInterrupt


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    now = [100.0]
    monkeypatch.setattr(waiters, "_clock", lambda: now[0])
    scope = waiters.HAND_OFF_SCOPE
    saved = scope.wanted
    yield now
    scope.wanted = saved


def test_a_wake_outside_a_send_wakes_the_relays_thread_and_teaches_this_one(
    clock: list[float],
) -> None:
    relay, woken = _Relay(), _Counting()
    w = HandOffWaiter(relay, woken, None)
    waiters.HAND_OFF_SCOPE.wanted = False
    w.wake()
    assert woken.wakes == 1 and relay.calls == []
    assert waiters.HAND_OFF_SCOPE.wanted  # this thread's sends look for hand-offs now


def test_a_stream_outside_sends_teaches_nothing(clock: list[float]) -> None:
    w = HandOffWaiter(_Relay(), _Counting(), None)
    w.wake()
    waiters.HAND_OFF_SCOPE.wanted = False
    clock[0] += waiters.HAND_OFF_GAP / 2
    w.wake()
    assert not waiters.HAND_OFF_SCOPE.wanted


def test_a_send_runs_its_hand_offs_once_after_it(clock: list[float]) -> None:
    relay, woken = _Relay(), _Counting()
    w = HandOffWaiter(relay, woken, None)
    during: list[int] = []

    def send() -> str:
        w.wake()
        w.wake()  # the same hand-off twice in one send: run once
        during.append(len(relay.calls))
        return "sent"

    assert send_handing_off(send) == "sent"
    assert during == [0] and relay.calls == [w] and woken.wakes == 0


def test_sends_that_come_as_a_stream_leave_the_work_to_the_relays_thread(
    clock: list[float],
) -> None:
    relay, woken = _Relay(), _Counting()
    w = HandOffWaiter(relay, woken, None)
    waiters.HAND_OFF_SCOPE.wanted = True
    send_handing_off(w.wake)
    assert relay.calls == [w] and woken.wakes == 0
    clock[0] += waiters.HAND_OFF_GAP / 2
    send_handing_off(w.wake)
    assert relay.calls == [w] and woken.wakes == 1
    assert not waiters.HAND_OFF_SCOPE.wanted  # this thread's sends stop looking


def test_an_interrupted_send_leaves_its_other_hand_offs_to_their_threads(
    clock: list[float],
) -> None:
    first, second = _Relay(fail=True), _Relay()
    a_woken, b_woken = _Counting(), _Counting()
    a, b = HandOffWaiter(first, a_woken, None), HandOffWaiter(second, b_woken, None)

    def send() -> None:
        a.wake()
        b.wake()

    with pytest.raises(KeyboardInterrupt):
        send_handing_off(send)
    assert first.calls == [a] and second.calls == [] and b_woken.wakes == 1
    assert not waiters.HAND_OFF_SCOPE.active


def test_a_send_within_a_send_leaves_the_hand_offs_to_the_outer_one(
    clock: list[float],
) -> None:
    relay = _Relay()
    w = HandOffWaiter(relay, _Counting(), None)

    def inner() -> None:
        w.wake()

    def outer() -> None:
        send_handing_off(inner)
        assert relay.calls == []

    send_handing_off(outer)
    assert relay.calls == [w]


def test_the_proxy_registers_and_unregisters_its_hand_offs(ctx: zmq.Context) -> None:
    front, back = _socket(ctx, zmq.PULL), _socket(ctx, zmq.PUSH)
    ctl_in, ctl_out = _socket(ctx, zmq.PAIR), _socket(ctx, zmq.PAIR)
    front.bind("inproc://reg-front")
    back.bind("inproc://reg-back")
    ctl_in.bind("inproc://reg-ctl")
    ctl_out.connect("inproc://reg-ctl")
    fcore, ccore = front._core, ctl_in._core
    p = _start_proxy(zmq.proxy_steerable, front, back, None, ctl_in)
    push, sink = _socket(ctx, zmq.PUSH), _socket(ctx, zmq.PULL)
    push.connect("inproc://reg-front")
    sink.connect("inproc://reg-back")
    try:
        push.send(b"x")
        assert sink.recv() == b"x"  # the proxy is running
        assert len(HANDING_OFF) == 1
        assert [type(w) for w in fcore.waiters] == [HandOffWaiter]
        assert not any(isinstance(w, HandOffWaiter) for w in ccore.waiters)  # its own
    finally:
        ctl_out.send(b"TERMINATE")
        p.join(DEADLINE_S)
        for s in (push, sink, ctl_out):
            s.close(0)
    assert not p.is_alive()
    assert HANDING_OFF == [] and not fcore.waiters
