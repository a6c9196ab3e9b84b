"""Poller/select report plain descriptors by fd number, and their events, as pyzmq's
zmq_poll does."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import zmq
import zmq.asyncio

import purezmq
import purezmq.asyncio


def test_poller_reports_fd_numbers_for_file_objects() -> None:
    r_fd, w_fd = os.pipe()
    with os.fdopen(r_fd, "rb") as r, os.fdopen(w_fd, "wb") as w:
        p = purezmq.Poller()
        p.register(r, purezmq.POLLIN)
        assert dict(p.poll(1)) == {}
        w.write(b"x")
        w.flush()
        assert dict(p.poll(1000)) == {r.fileno(): purezmq.POLLIN}
        rl, wl, xl = purezmq.select([r], [w], [], 1.0)
        assert rl == [r.fileno()] and wl == [w.fileno()] and xl == []


def test_poller_keeps_sockets_as_objects(ctx: purezmq.Context) -> None:
    a, b = ctx.socket(purezmq.PAIR), ctx.socket(purezmq.PAIR)
    a.bind("inproc://poll-api")
    b.connect("inproc://poll-api")
    r, w = os.pipe()
    try:
        p = purezmq.Poller()
        p.register(r, purezmq.POLLIN)
        p.register(a, purezmq.POLLIN)
        b.send(b"x")
        os.write(w, b"y")
        assert p.poll(1000) == [(r, purezmq.POLLIN), (a, purezmq.POLLIN)]
    finally:
        os.close(r)
        os.close(w)
        a.close()
        b.close()


# --------------------------------------------------- raw descriptors, as zmq_poll says
# Each case is polled by pyzmq's Poller (libzmq's zmq_poll) and ours, on the very same
# descriptors: what libzmq reports is the expected answer, never written down here.


def _both(register: list[tuple[Any, int]], timeout: int = 100) -> tuple[Any, Any]:
    results = []
    for lib in (zmq, purezmq):
        poller = lib.Poller()
        for obj, flags in register:
            poller.register(obj, flags)
        results.append(poller.poll(timeout))
    return results[0], results[1]


@pytest.fixture
def hung_up() -> Iterator[socket.socket]:
    """A connected socket whose peer has closed."""
    a, b = socket.socketpair()
    b.close()
    yield a
    a.close()


@pytest.mark.parametrize(
    "flags",
    [zmq.POLLIN, zmq.POLLIN | zmq.POLLERR, zmq.POLLOUT, zmq.POLLERR],
    ids=["in", "in-err", "out", "err"],
)
def test_a_hung_up_descriptor_reads_as_in_libzmq(hung_up: socket.socket, flags: int) -> None:
    theirs, ours = _both([(hung_up, flags)])
    assert theirs  # libzmq does report it: POLLERR, asked for or not
    assert ours == theirs


@pytest.mark.parametrize("flags", [zmq.POLLIN, zmq.POLLERR], ids=["in", "err"])
def test_a_pipe_at_eof_reads_as_in_libzmq(flags: int) -> None:
    r, w = os.pipe()
    os.close(w)
    try:
        theirs, ours = _both([(r, flags)])
        assert theirs == [(r, zmq.POLLERR)]  # a hang-up with nothing to read
        assert ours == theirs
    finally:
        os.close(r)


def test_a_descriptor_that_is_not_open_reads_as_in_libzmq() -> None:
    # a high number: no descriptor opened meanwhile (a poll's own) can take it
    r, w = os.pipe()
    fd = os.dup2(r, 1000)
    os.close(fd)
    os.close(r)
    os.close(w)
    theirs, ours = _both([(fd, zmq.POLLIN)])
    assert theirs == [(fd, zmq.POLLERR)]
    assert ours == theirs


def test_a_negative_descriptor_is_left_out_as_in_libzmq() -> None:
    r, w = os.pipe()
    os.write(w, b"x")
    try:
        theirs, ours = _both([(-1, zmq.POLLIN), (r, zmq.POLLIN)])
        assert theirs == [(r, zmq.POLLIN)]
        assert ours == theirs
    finally:
        os.close(r)
        os.close(w)


def test_one_descriptor_registered_twice_is_reported_twice_as_in_libzmq() -> None:
    r, w = os.pipe()
    os.write(w, b"x")

    class Readable:
        def fileno(self) -> int:
            return r

    try:
        theirs, ours = _both([(r, zmq.POLLIN), (Readable(), zmq.POLLIN | zmq.POLLOUT)])
        assert theirs == [(r, zmq.POLLIN), (r, zmq.POLLIN)]
        assert ours == theirs
        # the write end asked for POLLIN only: nothing (it is writable, not readable)
        theirs, ours = _both([(w, zmq.POLLIN)], timeout=20)
        assert theirs == ours == []
    finally:
        os.close(r)
        os.close(w)


def test_urgent_data_reads_as_pollpri_as_in_libzmq() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    try:
        client.send(b"u", socket.MSG_OOB)
        theirs, ours = _both([(server, zmq.POLLPRI)], timeout=2000)
        assert theirs == [(server.fileno(), zmq.POLLPRI)]
        assert ours == theirs
        theirs, ours = _both([(server, zmq.POLLIN | zmq.POLLPRI)], timeout=2000)
        assert ours == theirs
    finally:
        for s in (client, server, listener):
            s.close()


def test_select_reports_a_hang_up_in_xlist_as_pyzmq(hung_up: socket.socket) -> None:
    fd = hung_up.fileno()
    theirs = zmq.select([hung_up], [], [hung_up], 0.1)
    ours = purezmq.select([hung_up], [], [hung_up], 0.1)
    assert theirs == ([fd], [], [fd])
    assert ours == theirs


def test_a_hang_up_wakes_a_waiting_poll(ctx: purezmq.Context) -> None:
    # the descriptor is polled in the wait itself, beside a socket's connection
    pull = ctx.socket(purezmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    push = ctx.socket(purezmq.PUSH)
    push.connect(pull.last_endpoint.decode())
    a, b = socket.socketpair()
    try:
        poller = purezmq.Poller()
        poller.register(pull, purezmq.POLLIN)
        poller.register(a, purezmq.POLLIN)
        threading.Timer(0.05, b.close).start()
        start = time.monotonic()
        assert poller.poll(10_000) == [(a.fileno(), purezmq.POLLIN | purezmq.POLLERR)]
        assert time.monotonic() - start < 5.0
    finally:
        a.close()
        b.close()
        push.close(0)
        pull.close(0)


async def _both_async(register: list[tuple[Any, int]], timeout: int = 100) -> tuple[Any, Any]:
    results = []
    for lib in (zmq.asyncio, purezmq.asyncio):
        poller = lib.Poller()
        for obj, flags in register:
            poller.register(obj, flags)
        results.append(await poller.poll(timeout))
    return results[0], results[1]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "flags",
    [zmq.POLLIN, zmq.POLLIN | zmq.POLLERR, zmq.POLLOUT],
    ids=["in", "in-err", "out"],
)
async def test_asyncio_poller_reads_a_hang_up_as_zmq_asyncio(
    hung_up: socket.socket, flags: int
) -> None:
    theirs, ours = await _both_async([(hung_up, flags)])
    assert theirs  # zmq.asyncio reports zmq_poll's events once woken
    assert ours == theirs
    theirs, ours = await _both_async([(hung_up, flags)], timeout=0)
    assert theirs and ours == theirs


@pytest.mark.asyncio
async def test_asyncio_poller_reports_a_descriptor_that_is_not_open() -> None:
    # zmq.asyncio's loop refuses to watch it (an OSError); ours reports zmq_poll's POLLERR
    r, w = os.pipe()
    fd = os.dup2(r, 1001)
    os.close(fd)
    os.close(r)
    os.close(w)
    poller = purezmq.asyncio.Poller()
    poller.register(fd, purezmq.POLLIN)
    assert await poller.poll(100) == [(fd, purezmq.POLLERR)]


@pytest.mark.asyncio
async def test_asyncio_poller_wakes_on_a_hang_up() -> None:
    a, b = socket.socketpair()
    try:
        poller = purezmq.asyncio.Poller()
        poller.register(a, purezmq.POLLIN)
        asyncio.get_running_loop().call_later(0.05, b.close)
        start = time.monotonic()
        assert await poller.poll(10_000) == [(a.fileno(), purezmq.POLLIN | purezmq.POLLERR)]
        assert time.monotonic() - start < 5.0
    finally:
        a.close()
        b.close()
