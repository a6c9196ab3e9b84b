"""PUSH/PULL against libzmq: order, round robin, fair queueing, multipart, large messages."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.interop.conftest import Net
from tests.sockets._ours import recv_any, roles

pytestmark = pytest.mark.interop


def _sides(net: Net, ours_is: str, ours_kind: str):  # type: ignore[no-untyped-def]
    """(side playing PUSH, side playing PULL)."""
    return (net.ours, net.zmq) if ours_is == ours_kind else (net.zmq, net.ours)


@roles("PUSH", "PULL")
def test_push_pull_in_order(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH"), rx.socket("PULL")
    net.link(push, pull)
    sent = [b"msg-%d" % i for i in range(20)] + [b""]
    for m in sent:
        push.send(m)
    assert [pull.recv() for _ in sent] == sent
    assert pull.getsockopt(rx.mod.RCVMORE) == 0


@roles("PUSH", "PULL")
def test_multipart_with_empty_frames(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH"), rx.socket("PULL")
    net.link(push, pull)
    messages = [
        [b"", b"a", b"", b"", b"b" * 300, b""],
        [b"", b""],
        [b"head", b"", b"x" * 255, b"y" * 256],
    ]
    for parts in messages:
        push.send_multipart(parts)
    for parts in messages:
        assert pull.recv_multipart() == parts
    # Frame by frame with SNDMORE / RCVMORE as well.
    push.send(b"one", tx.mod.SNDMORE)
    push.send(b"", tx.mod.SNDMORE)
    push.send(b"three")
    assert pull.recv() == b"one"
    assert pull.getsockopt(rx.mod.RCVMORE) == 1
    assert pull.recv() == b""
    assert pull.getsockopt(rx.mod.RCVMORE) == 1
    assert pull.recv() == b"three"
    assert pull.getsockopt(rx.mod.RCVMORE) == 0


@roles("PUSH", "PULL")
def test_large_message_4mib(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH"), rx.socket("PULL")
    net.link(push, pull)
    big = os.urandom(4 << 20)
    push.send_multipart([b"hdr", big])
    push.send(b"after")
    got = pull.recv_multipart()
    assert len(got) == 2
    assert got[0] == b"hdr"
    assert len(got[1]) == len(big)
    assert got[1] == big
    assert pull.recv() == b"after"


@roles("PUSH", "PULL")
def test_one_push_round_robins_over_three_pulls(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    push = tx.socket("PUSH")
    pulls = [rx.socket("PULL") for _ in range(3)]
    net.star(push, pulls)
    # Barrier: send probes one at a time until every PULL has got one, so that all three
    # pipes exist (a bound PUSH only gets a pipe once a peer's handshake completes).
    seen: set[int] = set()
    for _ in range(300):
        push.send(b"probe")
        i, msg = recv_any(rx.mod, pulls)
        assert msg == [b"probe"]
        seen.add(i)
        if len(seen) == 3:
            break
    assert seen == {0, 1, 2}
    k = 5
    for n in range(3 * k):
        push.send(b"m%d" % n)
    shares = [[p.recv() for _ in range(k)] for p in pulls]
    everything = sorted(m for share in shares for m in share)
    assert everything == sorted(b"m%d" % n for n in range(3 * k))
    for share in shares:
        # Round robin: one pipe gets every third message, in order.
        nums = [int(m[1:]) for m in share]
        assert nums == list(range(nums[0], 3 * k, 3)), shares
    for p in pulls:
        with pytest.raises(rx.mod.Again):
            p.recv(rx.mod.NOBLOCK)


@roles("PUSH", "PULL")
def test_one_pull_fair_queues_three_pushes(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    pull = rx.socket("PULL")
    pushes = [tx.socket("PUSH") for _ in range(3)]
    net.star(pull, pushes)
    k = 20
    for i, push in enumerate(pushes):
        for n in range(k):
            push.send_multipart([b"%d" % i, b"%d" % n])
    got = [pull.recv_multipart() for _ in range(3 * k)]
    for i in range(3):
        assert [n for s, n in got if s == b"%d" % i] == [b"%d" % n for n in range(k)]
    with pytest.raises(rx.mod.Again):
        pull.recv(rx.mod.NOBLOCK)


@roles("PUSH", "PULL")
def test_a_stream_of_large_messages_around_the_in_place_read_sizes(net: Net, ours_is: str) -> None:
    """Bodies from 64 KiB up to 4 MiB are read straight into their own buffer (see
    DIRECT_BODY_MIN/MAX); just below and above those, through the read buffer."""
    from purezmq.zmtp.frames import DIRECT_BODY_MAX, DIRECT_BODY_MIN

    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH"), rx.socket("PULL")
    net.link(push, pull)
    sizes = [DIRECT_BODY_MIN - 1, DIRECT_BODY_MIN, 1 << 20, DIRECT_BODY_MAX + 1, 10]
    sent = [[os.urandom(n), b"more", os.urandom(n // 3)] for n in sizes]
    sent += [[os.urandom(1 << 20)] for _ in range(8)]
    for parts in sent:
        push.send_multipart(parts)
    for parts in sent:
        assert pull.recv_multipart() == parts


@roles("PUSH", "PULL")
def test_a_burst_of_small_messages_takes_the_batch_paths(
    net: Net, ours_is: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ours sending: runs of queued small messages are encoded in bulk
    (encode_messages). Ours receiving: messages are taken from the pipe in batches
    (Routing.recv_batch). Either way libzmq's side sees, or sent, the same stream."""
    from purezmq.routing.pipeline import Pull
    from purezmq.zmtp import connection

    used: list[int] = []
    encode = connection.encode_messages
    recv_batch = Pull.recv_batch

    def counting_encode(msgs: list[Any], budget: int) -> tuple[bytes, int] | None:
        encoded = encode(msgs, budget)
        used.append(len(msgs) if encoded is not None else 0)
        return encoded

    def counting_batch(self: Pull, limit: int) -> Any:
        got = recv_batch(self, limit)
        used.append(len(got[0]) if got is not None else 0)
        return got

    monkeypatch.setattr(connection, "encode_messages", counting_encode)
    monkeypatch.setattr(Pull, "recv_batch", counting_batch)
    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH", SNDHWM=0), rx.socket("PULL", RCVHWM=0)
    net.link(push, pull)
    shapes = [[b"%d"], [b"%d", b"", b"tail"], [b"%d", b"x" * 300]]
    sent = [[f.replace(b"%d", b"%d" % i) for f in shapes[i % 3]] for i in range(3000)]
    for parts in sent:
        push.send_multipart(parts)
    got = [pull.recv_multipart() for _ in sent]
    assert got == sent
    assert max(used) > 1  # a batch really was taken, on the side that is ours


def _every_form(mod: Any) -> list[tuple[str, Any]]:
    """A stream mixing every way a message reaches a pipe: one-frame bytes (queued as
    their bytes to a tcp/ipc peer: Pipe.bare_frames), multipart, zero-copy frames, a
    bytearray, empty and large one-frame messages; bursts, so that the engine's flush
    sees runs of one form and runs of mixed forms."""
    items: list[tuple[str, Any]] = []
    for i in range(60):
        items.append(("one", b"m%d" % i))
    for i in range(30):
        items.append(("one", b"b%d" % i) if i % 2 else ("multi", [b"h%d" % i, b"x" * 300]))
    items += [
        ("one", b""),
        ("one", b"L" * 70000),
        ("view", memoryview(b"zero-copy view")),
        ("frame", mod.Frame(b"a Frame")),
        ("one", bytearray(b"a bytearray")),
        ("one", b"y" * 256),
    ]
    return items


@roles("PUSH", "PULL")
def test_messages_of_every_form_arrive_in_order(net: Net, ours_is: str) -> None:
    tx, rx = _sides(net, ours_is, "PUSH")
    push, pull = tx.socket("PUSH"), rx.socket("PULL")
    net.link(push, pull)
    push.send(b"hello")
    assert pull.recv() == b"hello"  # handshaken: every form goes to the engine's pipe
    expected: list[list[bytes]] = []
    for _ in range(3):
        for kind, body in _every_form(tx.mod):
            if kind == "multi":
                push.send_multipart(body)
                expected.append(body)
            elif kind == "one":
                push.send(body)
                expected.append([bytes(body)])
            else:
                push.send(body, copy=False)
                expected.append([bytes(body.bytes if kind == "frame" else body)])
    assert [pull.recv_multipart() for _ in expected] == expected


@roles("PUSH", "PULL")
def test_streams_of_equal_size_messages_arrive_whole_and_in_order(
    net: Net, ours_is: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs of equal-size messages (taken at once by our decoder, frames._read_run,
    and queued as bare frames by our PUSH), broken by other sizes, a multipart
    message and empty ones, in both directions."""
    from purezmq.zmtp import frames

    runs: list[int] = []
    real = frames._read_run

    def counting(*args: Any) -> tuple[int, int]:
        got = real(*args)
        runs.append(got[1])
        return got

    monkeypatch.setattr(frames, "_read_run", counting)
    tx, rx = _sides(net, ours_is, "PUSH")
    # no HWM: every message is sent before the first is received
    push, pull = tx.socket("PUSH", SNDHWM=0), rx.socket("PULL", RCVHWM=0)
    net.link(push, pull)
    push.send(b"hello")
    assert pull.recv() == b"hello"
    sent: list[list[bytes]] = [[b"%015d" % i] for i in range(3000)]
    sent += [[b""]] * 100 + [[b"odd"], [b"head", b"x" * 16]]
    sent += [[b"%0255d" % i] for i in range(300)] + [[b"%0256d" % i] for i in range(300)]
    for m in sent:
        push.send_multipart(m)
    assert [pull.recv_multipart() for _ in sent] == sent
    if ours_is == "PULL":
        assert max(runs, default=0) >= 2  # the runs were taken as runs
