"""Receives served from a batch (SocketCore.rx_cache) and the engine's read hysteresis.

A PULL, DEALER or PAIR with a single peer takes up to RX_BATCH queued messages in one
step; the next receives pop them without the socket's lock. Everything a receive
promises must hold for those messages too: errors after close and term, POLLIN,
per-message metadata, RCVHWM, and several threads sharing the socket.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from types import SimpleNamespace

import pytest
import zmq

import purezmq
from purezmq.engine.core import RX_BATCH
from purezmq.engine.stream import StreamEngine
from purezmq.routing.pipe import Pipe


def _queued_pull(ctx: purezmq.Context, n: int) -> tuple[purezmq.Socket, purezmq.Socket]:
    """A PULL with ``n`` messages already in its pipe (inproc: sends land at once)."""
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 5000
    addr = f"inproc://batch-{id(pull)}"
    pull.bind(addr)
    push = ctx.socket(purezmq.PUSH)
    push.connect(addr)
    for i in range(n):
        push.send(b"%d" % i)
    return pull, push


def test_a_receive_takes_a_batch_and_the_rest_come_in_order(ctx: purezmq.Context) -> None:
    pull, _push = _queued_pull(ctx, 10)
    assert pull.recv() == b"0"
    assert len(pull._core.rx_cache) == 9  # served from the batch from now on
    assert [pull.recv() for _ in range(9)] == [b"%d" % i for i in range(1, 10)]
    with pytest.raises(purezmq.Again):
        pull.recv(purezmq.NOBLOCK)


def test_pollin_and_events_count_the_batch(ctx: purezmq.Context) -> None:
    pull, _push = _queued_pull(ctx, 3)
    pull.recv()
    assert pull._core.rx_cache and not pull._core.routing.can_recv()
    assert pull.poll(0) == purezmq.POLLIN
    assert pull.getsockopt(purezmq.EVENTS) & purezmq.POLLIN
    poller = purezmq.Poller()
    poller.register(pull, purezmq.POLLIN)
    assert dict(poller.poll(0)) == {pull: purezmq.POLLIN}
    pull.recv()
    pull.recv()
    assert pull.poll(0) == 0


def test_close_drops_the_batch_and_recv_raises_enotsock(ctx: purezmq.Context) -> None:
    pull, _push = _queued_pull(ctx, 5)
    pull.recv()
    pull.close(0)
    with pytest.raises(purezmq.ZMQError) as e:
        pull.recv()
    assert e.value.errno == purezmq.ENOTSOCK


def test_term_makes_recv_raise_eterm_despite_the_batch() -> None:
    ctx = purezmq.Context()
    pull, push = _queued_pull(ctx, 5)
    push.close(0)
    pull.recv()
    assert pull._core.rx_cache
    term = threading.Thread(target=ctx.term)
    term.start()
    deadline = time.monotonic() + 5
    while not ctx._core.terminated and time.monotonic() < deadline:
        time.sleep(0.001)
    with pytest.raises(purezmq.ContextTerminated):
        pull.recv()
    pull.close(0)
    term.join(5)
    assert not term.is_alive()


def test_every_message_of_a_batch_keeps_its_connection_metadata(ctx: purezmq.Context) -> None:
    zctx = zmq.Context()
    try:
        pull = ctx.socket(purezmq.PULL)
        pull.rcvtimeo = 5000
        pull.bind("tcp://127.0.0.1:*")
        push = zctx.socket(zmq.PUSH)
        push.setsockopt(zmq.LINGER, 0)
        push.connect(pull.last_endpoint.decode())
        for i in range(50):
            push.send(b"%d" % i)
        frames = [pull.recv(copy=False) for _ in range(50)]
        assert [f.bytes for f in frames] == [b"%d" % i for i in range(50)]
        assert {f.get("Socket-Type") for f in frames} == {"PUSH"}
        assert {f.get("Peer-Address") for f in frames} == {"127.0.0.1"}
        push.close(0)
    finally:
        zctx.term()


def test_threads_sharing_a_pull_get_each_message_once_and_in_order(
    ctx: purezmq.Context,
) -> None:
    n = 20 * RX_BATCH
    pull = ctx.socket(purezmq.PULL)
    pull.rcvtimeo = 5000
    pull.bind("inproc://shared-pull")
    push = ctx.socket(purezmq.PUSH)
    push.connect("inproc://shared-pull")
    got: list[list[int]] = [[], [], []]

    def reader(mine: list[int]) -> None:
        while True:
            msg = pull.recv()
            if msg == b"end":
                return
            mine.append(int(msg))

    threads = [threading.Thread(target=reader, args=(g,)) for g in got]
    for t in threads:
        t.start()
    for i in range(n):
        push.send(b"%d" % i)
    for _ in threads:
        push.send(b"end")
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert sorted(sum(got, [])) == list(range(n))  # each exactly once
    for mine in got:
        assert mine == sorted(mine)  # one peer's order, as each thread saw it


def test_a_batch_is_at_most_half_of_rcvhwm(ctx: purezmq.Context) -> None:
    pull = ctx.socket(purezmq.PULL)
    pull.rcvhwm = 20
    pull.rcvtimeo = 5000
    pull.bind("tcp://127.0.0.1:*")
    push = ctx.socket(purezmq.PUSH)
    push.connect(pull.last_endpoint.decode())
    for i in range(500):
        push.send(b"%d" % i)
    seen = 0
    for i in range(500):
        assert pull.recv() == b"%d" % i
        seen = max(seen, len(pull._core.rx_cache))
    assert 0 < seen < 10


class _Owner:
    endpoint = "tcp://test"


def test_reading_resumes_at_half_of_rcvhwm_not_at_the_first_free_slot(
    ctx: purezmq.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libzmq's low-water mark: resuming as soon as one slot is free would pause again
    after the next read, two syscalls per read at full speed."""
    sock = ctx.socket(purezmq.PULL)
    core = sock._core
    # the resume is recorded, not run: run by the I/O thread, it would clear
    # _resume_pending whenever that thread got there first (seen under load)
    engine = StreamEngine(core, _Owner())
    scheduled: list[object] = []
    monkeypatch.setattr(core, "io", SimpleNamespace(call_soon=scheduled.append))
    pipe = Pipe(deque(), deque(), 0, 10)
    pipe.in_q.extend([b"%d" % i] for i in range(10))
    engine.pipe = pipe
    engine._read_paused = True
    engine.transport = None  # _resume_reading then only clears the flag
    for expected in (9, 8, 7, 6):
        pipe.in_q.popleft()
        engine._on_pipe_read()
        assert len(pipe.in_q) == expected and not engine._resume_pending
    assert not scheduled
    pipe.in_q.popleft()
    engine._on_pipe_read()
    assert len(pipe.in_q) == 5 and engine._resume_pending
    assert scheduled == [engine._resume_reading]


def test_the_core_says_wait_only_for_a_usable_socket_with_nothing_cached(
    ctx: purezmq.Context,
) -> None:
    pull, _push = _queued_pull(ctx, 3)
    core = pull._core
    assert not core.recv_would_wait()  # three messages queued
    assert pull.recv() == b"0"
    assert core.rx_cache and not core.recv_would_wait()  # two in the batch
    pull.recv()
    pull.recv()
    assert core.recv_would_wait()
    pull.close()
    assert not core.recv_would_wait()  # recv must raise ENOTSOCK now
