"""Sockets shared between threads stay consistent; a forked child gets a clear error."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable

import pytest

import purezmq


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_shared_sockets_never_interleave_frames(ctx: purezmq.Context, transport: str) -> None:
    """4 threads send 3-frame messages on one PUSH; 4 threads receive on one PULL."""
    pull, push = ctx.socket(purezmq.PULL), ctx.socket(purezmq.PUSH)
    pull.rcvtimeo = 10_000
    push.sndtimeo = 10_000
    pull.bind("inproc://shared" if transport == "inproc" else "tcp://127.0.0.1:*")
    push.connect(pull.last_endpoint.decode())
    n_threads, per_thread = 4, 500
    received: list[list[bytes]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def sender(t: int) -> None:
        try:
            for i in range(per_thread):
                tag = b"%d-%d" % (t, i)
                push.send_multipart([tag, b"middle-" + tag, b"end-" + tag])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def receiver() -> None:
        try:
            for _ in range(per_thread):
                msg = pull.recv_multipart()
                with lock:
                    received.append(msg)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(n_threads)]
    threads += [threading.Thread(target=receiver) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(received) == n_threads * per_thread
    for tag, mid, end in received:
        assert mid == b"middle-" + tag and end == b"end-" + tag
    seen = {m[0] for m in received}
    assert seen == {b"%d-%d" % (t, i) for t in range(n_threads) for i in range(per_thread)}


def test_term_wakes_a_blocked_recv_with_eterm(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PULL)
    s.bind("inproc://blocked")
    caught: list[BaseException] = []

    def blocked() -> None:
        try:
            s.recv()
        except purezmq.ZMQError as e:
            caught.append(e)
        s.close()

    t = threading.Thread(target=blocked)
    t.start()
    ctx.term()
    t.join(10)
    assert len(caught) == 1 and isinstance(caught[0], purezmq.ContextTerminated)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_parent_socket_in_forked_child_raises_clear_error(ctx: purezmq.Context) -> None:
    s = ctx.socket(purezmq.PAIR)
    s.bind("inproc://forked")

    def child() -> bytes:
        code = b"?"
        try:
            s.send(b"x")
        except purezmq.ZMQError as e:
            code = b"E" if "fork" in str(e) else b"e"
        try:
            fresh = purezmq.Context.instance()
            a, b = fresh.socket(purezmq.PAIR), fresh.socket(purezmq.PAIR)
            a.bind("inproc://child")
            b.connect("inproc://child")
            b.send(b"ok")
            code += a.recv()
        except BaseException:
            code += b"!"
        return code

    got = _in_forked_child(child)
    assert got == b"Eok"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_forked_child_waits_on_its_own_eventfd() -> None:
    """A thread's waiter (its eventfd) is not inherited by a forked child: parent and
    child waiting on one eventfd drain each other's wake-ups (a process device hung)."""
    from purezmq.engine import waiters

    mine = waiters.poll_waiter()
    mine.busy = False

    def child() -> bytes:
        theirs = waiters.poll_waiter()
        return b"fresh" if theirs is not mine and mine._r == -1 else b"inherited"

    got = _in_forked_child(child)
    assert got == b"fresh"
    assert waiters.poll_waiter() is mine and mine._r >= 0  # the parent's is untouched
    mine.busy = False


def _in_forked_child(body: Callable[[], bytes]) -> bytes:
    """Run ``body`` in a forked child and return what it returned (b"!" if it raised);
    the child leaves without running any Python cleanup."""
    r, w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads
        pid = os.fork()
    if pid == 0:
        try:
            code = body()
        except BaseException:
            code = b"!"
        os.write(w, code)
        os._exit(0)
    os.close(w)
    try:
        return os.read(r, 16)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
