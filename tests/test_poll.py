"""Poller and select: level-triggered over sockets, fds and fileno() objects."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import pytest

import purezmq


def _pair(ctx: purezmq.Context, ep: str = "inproc://p") -> tuple[purezmq.Socket, purezmq.Socket]:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    a.bind(ep)
    b.connect(ep)
    return a, b


def test_pollin_is_level_triggered(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    poller = purezmq.Poller()
    poller.register(a, purezmq.POLLIN)
    assert poller.poll(0) == []
    b.send_multipart([b"1", b"2"])
    b.send(b"3")
    assert poller.poll(1000) == [(a, purezmq.POLLIN)]
    assert poller.poll(0) == [(a, purezmq.POLLIN)]  # still readable until read
    assert a.recv() == b"1"
    assert poller.poll(0) == [(a, purezmq.POLLIN)]  # RCVMORE frames pending
    assert a.recv_multipart() == [b"2"]
    assert a.recv() == b"3"
    assert poller.poll(0) == []


def test_pollout_and_modify_unregister(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    poller = purezmq.Poller()
    poller.register(a)
    assert poller.poll(0) == [(a, purezmq.POLLOUT)]
    poller.modify(a, purezmq.POLLIN)
    assert poller.poll(0) == []
    poller.unregister(a)
    assert a not in poller
    with pytest.raises(KeyError):
        poller.unregister(a)


def test_poll_wakes_on_message_from_another_thread(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    poller = purezmq.Poller()
    poller.register(a, purezmq.POLLIN)
    started = threading.Event()

    def later() -> None:
        started.wait(5)
        b.send(b"hi")

    t = threading.Thread(target=later)
    t.start()
    started.set()
    assert poller.poll(5000) == [(a, purezmq.POLLIN)]
    t.join(5)


def test_poll_timeout_expires(ctx: purezmq.Context) -> None:
    a, _ = _pair(ctx)
    poller = purezmq.Poller()
    poller.register(a, purezmq.POLLIN)
    t0 = time.monotonic()
    assert poller.poll(100) == []
    assert 0.09 <= time.monotonic() - t0 < 2.0


def test_poll_over_tcp(ctx: purezmq.Context) -> None:
    a, b = ctx.socket(purezmq.PULL), ctx.socket(purezmq.PUSH)
    a.bind("tcp://127.0.0.1:*")
    b.connect(a.last_endpoint.decode())
    poller = purezmq.Poller()
    poller.register(a, purezmq.POLLIN)
    b.send(b"x")
    assert poller.poll(5000) == [(a, purezmq.POLLIN)]


def test_poll_mixes_sockets_and_raw_fds(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    r, w = os.pipe()
    s1, s2 = socket.socketpair()
    try:
        poller = purezmq.Poller()
        poller.register(a, purezmq.POLLIN)
        poller.register(r, purezmq.POLLIN)
        poller.register(s1, purezmq.POLLIN)
        assert poller.poll(0) == []
        os.write(w, b"x")
        assert poller.poll(1000) == [(r, purezmq.POLLIN)]
        os.read(r, 1)
        s2.send(b"y")
        assert poller.poll(1000) == [(s1.fileno(), purezmq.POLLIN)]  # fds, as pyzmq
        s1.recv(1)
        # a socket message wakes a poll that is blocked in the selector
        threading.Timer(0.05, lambda: b.send(b"z")).start()
        assert poller.poll(5000) == [(a, purezmq.POLLIN)]
    finally:
        os.close(r)
        os.close(w)
        s1.close()
        s2.close()


@pytest.mark.parametrize("with_fd", [False, True], ids=["sockets", "sockets-and-fd"])
def test_a_message_arriving_as_a_poll_starts_is_not_missed(
    ctx: purezmq.Context, monkeypatch: pytest.MonkeyPatch, with_fd: bool
) -> None:
    """A message that arrives right after the poll's first look, before it waits, must
    end the wait at once: the poll registers before it looks (a poll over raw
    descriptors too once looked first, and waited out its timeout)."""
    a, b = _pair(ctx)
    r, w = os.pipe()
    real = purezmq.Poller._check
    calls = []

    def check(zsocks: Any, read_kernel: bool = True) -> Any:
        ready = real(zsocks, read_kernel)
        if not calls:
            # another thread's send lands between this look and the wait
            sender = threading.Thread(target=b.send, args=(b"late",))
            sender.start()
            sender.join(5)
        calls.append(ready)
        return ready

    monkeypatch.setattr(purezmq.Poller, "_check", staticmethod(check))
    try:
        poller = purezmq.Poller()
        poller.register(a, purezmq.POLLIN)
        if with_fd:
            poller.register(r, purezmq.POLLIN)
        start = time.monotonic()
        assert poller.poll(5000) == [(a, purezmq.POLLIN)]
        assert time.monotonic() - start < 2.5  # not the timeout's last look
        assert calls[0] == []  # the first look did see nothing
        assert a.recv() == b"late"
    finally:
        os.close(r)
        os.close(w)


def test_register_rejects_unpollable() -> None:
    with pytest.raises(TypeError):
        purezmq.Poller().register(object())


def test_select(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    assert purezmq.select([a], [], [], 0) == ([], [], [])
    b.send(b"x")
    assert purezmq.select([a], [b], [], 1.0) == ([a], [b], [])


def test_socket_poll(ctx: purezmq.Context) -> None:
    a, b = _pair(ctx)
    assert a.poll(0) == 0
    b.send(b"x")
    assert a.poll(1000) == purezmq.POLLIN
    assert a.poll(0, purezmq.POLLOUT) == purezmq.POLLOUT


def test_fd_signals_state_changes_edge_triggered(ctx: purezmq.Context) -> None:
    import selectors

    a, b = _pair(ctx)
    fd = a.getsockopt(purezmq.FD)
    assert fd == a.fd and isinstance(fd, int)
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        assert sel.select(0)  # signalled at first: the caller must look at EVENTS
        assert a.getsockopt(purezmq.EVENTS) == purezmq.POLLOUT
        assert sel.select(0) == []  # drained by reading EVENTS
        b.send(b"x")
        assert sel.select(5)
        assert a.getsockopt(purezmq.EVENTS) & purezmq.POLLIN
        assert a.recv() == b"x"
    finally:
        sel.close()


def test_blocked_poll_raises_eterm_on_term() -> None:
    ctx = purezmq.Context()
    s = ctx.socket(purezmq.PULL)
    s.bind("inproc://poll-term")
    caught: list[BaseException] = []

    def blocked() -> None:
        poller = purezmq.Poller()
        poller.register(s, purezmq.POLLIN)
        try:
            poller.poll()  # no timeout: only term() can end it
        except purezmq.ZMQError as e:
            caught.append(e)
        s.close()

    t = threading.Thread(target=blocked)
    t.start()
    t0 = time.monotonic()
    ctx.term()
    t.join(5)
    assert not t.is_alive() and time.monotonic() - t0 < 5
    assert len(caught) == 1 and isinstance(caught[0], purezmq.ContextTerminated)
