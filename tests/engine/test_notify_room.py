"""SocketCore.notify_room: an inproc peer taking a message wakes the waiters that may
wait for room (senders, POLLOUT polls, a relay stopped by a full destination), not
those that wait for messages only (a recv, a POLLIN poll)."""

from __future__ import annotations

import threading

import purezmq
from purezmq.engine.core import SocketCore
from purezmq.engine.waiters import HandOffWaiter


class Counting:
    """A waiter that counts its wake-ups."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


def _inproc_pair(ctx: purezmq.Context, name: str) -> tuple[purezmq.Socket, purezmq.Socket]:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    return a, b


def test_the_peer_reading_wakes_room_waiters_only(ctx: purezmq.Context) -> None:
    a, b = _inproc_pair(ctx, "room-only")
    core: SocketCore = a._core
    sender, receiver = Counting(), Counting()
    core.add_waiter(sender)
    core.add_reading_waiter(receiver, room=False)
    a.send(b"m")
    before = (sender.wakes, receiver.wakes)
    seen = core.notified
    assert b.recv() == b"m"  # takes a's message: room for a's sends
    assert core.notified > seen  # a state change all the same (the seen protocol)
    assert sender.wakes == before[0] + 1
    assert receiver.wakes == before[1]
    b.send(b"back")  # a message for a: everybody hears it
    assert sender.wakes == before[0] + 2 and receiver.wakes == before[1] + 1
    core.remove_waiter(sender)
    core.remove_waiter(receiver)
    assert not core.waiters and not core.recv_waiters


def test_a_waiter_registered_again_for_room_hears_room(ctx: purezmq.Context) -> None:
    a, b = _inproc_pair(ctx, "room-again")
    core: SocketCore = a._core
    w = Counting()
    core.add_reading_waiter(w, room=False)
    core.add_reading_waiter(w)  # reused for a poll that also asks POLLOUT
    a.send(b"m")
    n = w.wakes
    b.recv()
    assert w.wakes == n + 1


def test_a_blocked_recv_is_not_woken_by_its_peer_reading(ctx: purezmq.Context) -> None:
    a, b = _inproc_pair(ctx, "room-recv")
    core: SocketCore = a._core
    woken = Counting()
    registered = threading.Event()
    real = core.add_reading_waiter

    def spy(waiter: object, room: bool = True) -> None:
        real(waiter, room)  # type: ignore[arg-type]
        assert room is False  # a recv's waiter: messages only
        registered.set()

    core.add_reading_waiter = spy  # type: ignore[method-assignment]
    got: list[bytes] = []
    a.send(b"to-b")
    t = threading.Thread(target=lambda: got.append(a.recv()))
    t.start()
    assert registered.wait(5)
    core.add_waiter(woken)
    assert b.recv() == b"to-b"  # room for a: only `woken` hears it
    assert woken.wakes == 1
    b.send(b"to-a")
    t.join(5)
    assert got == [b"to-a"]


def test_a_relays_hand_off_waiter_wants_room_only_while_a_flow_needs_it(
    ctx: purezmq.Context,
) -> None:
    from purezmq.proxy import Relay, RelayFlow

    front, back = ctx.socket(purezmq.PULL), ctx.socket(purezmq.PUSH)
    flow = RelayFlow(front, back)
    relay = Relay([flow], None, None)

    hand_off = HandOffWaiter(relay, Counting(), back._core)
    assert not hand_off.wants_room
    assert not HandOffWaiter(relay, Counting(), front._core).wants_room  # not a dest
    # a PUSH without a peer has no room: the step stops before reading, wanting room
    front.bind("inproc://room-front")
    src = ctx.socket(purezmq.PUSH)
    src.connect("inproc://room-front")
    src.send(b"m")
    assert not flow.step(None, True)
    assert flow.room_wanted and hand_off.wants_room
    sink = ctx.socket(purezmq.PULL)
    back.bind("inproc://room-back")
    sink.connect("inproc://room-back")
    assert flow.step(None, True)  # room now: the message moves, the source is empty
    assert not flow.room_wanted and not hand_off.wants_room
    sink.rcvtimeo = 5000
    assert sink.recv() == b"m"
