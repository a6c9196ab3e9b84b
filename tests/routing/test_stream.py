from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import make_routing
from purezmq.routing.stream import Stream

from .helpers import make_pipe


def _stream(notify: int = 1) -> Stream:
    s = make_routing(SocketType.STREAM, {SocketOption.STREAM_NOTIFY: notify})
    assert isinstance(s, Stream)
    return s


def test_notifications_and_data() -> None:
    s = _stream()
    assert s.getsockopt(SocketOption.STREAM_NOTIFY) == 1
    assert s.recv() is None and not s.can_recv()
    p = make_pipe()
    assert s.attach(p)
    rid = p.routing_id
    assert rid[:1] == b"\x00" and len(rid) == 5
    p.in_q.append([b"GET / HTTP/1.0\r\n"])
    assert s.can_recv()
    assert s.recv() == [rid, b""]  # connected
    assert s.last_recv_pipe is p
    assert s.recv() == [rid, b"GET / HTTP/1.0\r\n"]
    p.in_q.append([b"tail"])
    s.detach(p)
    assert not p.active
    assert s.recv() == [rid, b"tail"]  # data still queued comes first
    assert s.recv() == [rid, b""]  # disconnected
    assert s.recv() is None


def test_no_notify() -> None:
    s = _stream(0)
    p = make_pipe()
    s.attach(p)
    assert s.recv() is None
    s.detach(p)
    assert s.recv() is None


def test_send_raw_and_close_request() -> None:
    s = _stream()
    p = make_pipe(out_hwm=2)
    closes = []
    p.on_close = lambda: closes.append(1)
    s.attach(p)
    rid = p.routing_id
    assert s.can_send()
    assert s.send([rid, b"hello"])
    assert s.send([rid, b"a", b"b"])  # each data frame is raw bytes
    assert list(p.out_q) == [[b"hello"], [b"a"], [b"b"]]
    assert s.send([rid, b"x"]) is False  # full: EAGAIN
    assert s.send([rid]) is True  # id without data: ignored
    assert s.send([rid, b""])  # close that connection
    assert p.close_requested and closes == [1]
    with pytest.raises(ZMQError) as e:
        s.send([rid, b"after close"])
    assert e.value.errno == Errno.EHOSTUNREACH
    s.recv()  # the connect notification
    s.detach(p)  # the engine closed it: no disconnect notification for our own close
    assert s.recv() is None


def test_unknown_id() -> None:
    s = _stream()
    with pytest.raises(ZMQError) as e:
        s.send([b"\x00nope", b"x"])
    assert e.value.errno == Errno.EHOSTUNREACH


def test_preset_ids_and_duplicates() -> None:
    s = _stream()
    a, b = make_pipe(routing_id=b"conn"), make_pipe(routing_id=b"conn")
    assert s.attach(a)
    assert s.attach(b) is False
    assert a.routing_id == b"conn"
    s.detach(b)  # harmless
    assert s.recv() == [b"conn", b""]
    assert s.recv() is None


def test_many_peers_fair() -> None:
    s = _stream(0)
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        s.attach(p)
        p.in_q.extend([[b"1"], [b"2"]])
    got = [s.recv() for _ in range(6)]
    assert [m[1] for m in got if m] == [b"1"] * 3 + [b"2"] * 3
