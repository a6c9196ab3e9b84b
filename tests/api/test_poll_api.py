"""Poller/select report plain descriptors by fd number, as pyzmq's zmq_poll does."""

from __future__ import annotations

import os

import purezmq


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
