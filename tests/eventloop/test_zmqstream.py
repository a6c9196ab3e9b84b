"""ZMQStream on tornado's asyncio IOLoop, end to end over inproc and tcp."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import purezmq
import purezmq.asyncio as azmq

tornado = pytest.importorskip("tornado", reason="ZMQStream needs the optional tornado extra")
from purezmq.eventloop import zmqstream  # noqa: E402
from purezmq.eventloop.zmqstream import ZMQStream  # noqa: E402

TIMEOUT = 5.0


@pytest.fixture
def streams() -> Iterator[list[ZMQStream]]:
    made: list[ZMQStream] = []
    yield made
    for s in made:
        if not s.closed():
            s.close(linger=0)


def _stream(streams: list[ZMQStream], sock: Any) -> ZMQStream:
    s = ZMQStream(sock)
    streams.append(s)
    return s


def _pair(
    ctx: purezmq.Context, streams: list[ZMQStream], kinds: tuple[int, int], transport: str
) -> tuple[ZMQStream, ZMQStream]:
    a = _stream(streams, ctx.socket(kinds[0]))
    b = _stream(streams, ctx.socket(kinds[1]))
    if transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect(f"tcp://127.0.0.1:{port}")
    else:
        a.bind(f"inproc://s-{id(a)}")
        b.connect(f"inproc://s-{id(a)}")
    return a, b


class Collect:
    """A recv callback that resolves a future once it has ``n`` messages."""

    def __init__(self, n: int = 1) -> None:
        self.n = n
        self.msgs: list[list[bytes]] = []
        self.done: asyncio.Future[list[list[bytes]]] = asyncio.get_running_loop().create_future()

    def __call__(self, msg: list[bytes]) -> None:
        self.msgs.append(msg)
        if len(self.msgs) >= self.n and not self.done.done():
            self.done.set_result(self.msgs)

    async def wait(self) -> list[list[bytes]]:
        return await asyncio.wait_for(self.done, TIMEOUT)


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", ["inproc", "tcp"])
async def test_send_and_on_recv(
    ctx: purezmq.Context, streams: list[ZMQStream], transport: str
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), transport)
    got = Collect(100)
    pull.on_recv(got)
    for i in range(100):
        push.send_multipart([b"n", str(i).encode()])
    msgs = await got.wait()
    assert msgs == [[b"n", str(i).encode()] for i in range(100)]
    assert pull.receiving() and not pull.sending()


@pytest.mark.asyncio
async def test_message_queued_before_on_recv(
    ctx: purezmq.Context, streams: list[ZMQStream]
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    push.socket.send(b"early")
    got = Collect()
    pull.on_recv(got)
    assert await got.wait() == [[b"early"]]


@pytest.mark.asyncio
async def test_message_from_another_thread_wakes_the_stream(
    ctx: purezmq.Context, streams: list[ZMQStream]
) -> None:
    pull = _stream(streams, ctx.socket(purezmq.PULL))
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    got = Collect()
    pull.on_recv(got)
    push = ctx.socket(purezmq.PUSH)
    push.connect(f"tcp://127.0.0.1:{port}")
    await asyncio.get_running_loop().run_in_executor(None, push.send, b"from a thread")
    assert await got.wait() == [[b"from a thread"]]
    push.close(0)


@pytest.mark.asyncio
async def test_on_send_callbacks(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    sent: list[tuple[Any, Any]] = []
    once: list[Any] = []
    push.on_send(lambda msg, status: sent.append((msg, status)))
    got = Collect(3)
    pull.on_recv(got)
    push.send(b"a")
    push.send_string("é")
    push.send_multipart([b"c", b"d"])
    await got.wait()
    assert got.msgs == [[b"a"], ["é".encode()], [b"c", b"d"]]
    assert sent == [([b"a"], None), (["é".encode()], None), ([b"c", b"d"], None)]
    # a callback given to send replaces on_send's
    got2 = Collect()
    pull.on_recv(got2)
    push.send(b"e", callback=lambda msg, status: once.append(msg))
    await got2.wait()
    await asyncio.sleep(0)
    assert once == [[b"e"]]
    assert len(sent) == 3


@pytest.mark.asyncio
async def test_send_waits_for_a_peer(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push = _stream(streams, ctx.socket(purezmq.PUSH))
    push.send(b"queued")
    await asyncio.sleep(0)
    assert push.sending()  # no peer yet: the message waits in the stream
    pull = _stream(streams, ctx.socket(purezmq.PULL))
    got = Collect()
    pull.on_recv(got)
    pull.bind("inproc://later")
    push.connect("inproc://later")
    assert await got.wait() == [[b"queued"]]
    assert not push.sending()


@pytest.mark.asyncio
async def test_on_recv_stream_and_reply(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    rep, req = _pair(ctx, streams, (purezmq.REP, purezmq.REQ), "tcp")

    def echo(stream: ZMQStream, msg: list[bytes]) -> None:
        assert stream is rep
        stream.send_multipart([b"re:" + msg[0]])

    rep.on_recv_stream(echo)
    got = Collect()
    req.on_recv(got)
    req.send(b"ping")
    assert await got.wait() == [[b"re:ping"]]


@pytest.mark.asyncio
async def test_on_send_stream(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    seen: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
    push.on_send_stream(lambda *args: seen.set_result(args))
    push.send(b"x")
    assert await asyncio.wait_for(seen, TIMEOUT) == (push, [b"x"], None)
    push.on_send_stream(None)
    pull.on_recv_stream(None)
    assert not pull.receiving()


@pytest.mark.asyncio
async def test_stop_on_recv_leaves_messages_in_the_socket(
    ctx: purezmq.Context, streams: list[ZMQStream]
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    got = Collect()

    def first_only(msg: list[bytes]) -> None:
        got(msg)
        pull.stop_on_recv()

    pull.on_recv(first_only)
    push.send(b"1")
    push.send(b"2")
    await got.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    assert got.msgs == [[b"1"]]
    pull.socket.rcvtimeo = int(TIMEOUT * 1000)
    assert pull.socket.recv() == b"2"


@pytest.mark.asyncio
async def test_copy_flag_is_passed_to_recv(
    ctx: purezmq.Context, streams: list[ZMQStream], monkeypatch: pytest.MonkeyPatch
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    copies: list[bool] = []
    real = pull.socket.recv_multipart

    def spy(flags: int = 0, copy: bool = True, track: bool = False) -> list[Any]:
        copies.append(copy)
        return real(flags, copy=copy, track=track)

    monkeypatch.setattr(pull.socket, "recv_multipart", spy)
    got = Collect()
    pull.on_recv(got, copy=False)
    push.send(b"x")
    await got.wait()
    assert copies == [False]


@pytest.mark.asyncio
async def test_async_callbacks_and_their_errors(
    ctx: purezmq.Context, streams: list[ZMQStream], caplog: pytest.LogCaptureFixture
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    got = Collect(2)

    async def callback(msg: list[bytes]) -> None:
        await asyncio.sleep(0)
        got(msg)
        if msg == [b"bad"]:
            raise ZeroDivisionError

    pull.on_recv(callback)
    with caplog.at_level(logging.ERROR, logger=zmqstream.gen_log.name):
        push.send(b"bad")
        push.send(b"good")
        await got.wait()
        for _ in range(5):
            await asyncio.sleep(0)
    errors = [r for r in caplog.records if r.name == zmqstream.gen_log.name]
    assert [r.getMessage() for r in errors] == ["Uncaught exception in ZMQStream callback"]
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is ZeroDivisionError


@pytest.mark.asyncio
async def test_failing_callback_does_not_stop_the_stream(
    ctx: purezmq.Context, streams: list[ZMQStream], caplog: pytest.LogCaptureFixture
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    got = Collect(3)

    def callback(msg: list[bytes]) -> None:
        got(msg)
        raise RuntimeError("callback failed")

    pull.on_recv(callback)
    with caplog.at_level(logging.ERROR, logger=zmqstream.gen_log.name):
        for i in range(3):
            push.send(b"%d" % i)
        assert len(await got.wait()) == 3
    assert sum("Uncaught exception" in r.getMessage() for r in caplog.records) == 3


@pytest.mark.asyncio
async def test_flush(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    got = Collect(3)
    pull.on_recv(got)
    for i in range(3):
        push.socket.send(b"%d" % i)
    # handled now, by flush, not on later loop turns
    assert pull.flush(purezmq.POLLIN, limit=2) == 2
    assert len(got.msgs) == 2
    assert pull.flush() == 1
    assert got.done.done()
    assert pull.flush() == 0
    # outgoing: flush sends the queue right away
    sent: list[Any] = []
    push.send(b"a", callback=lambda m, s: sent.append(m))
    push.send(b"b")
    assert push.flush(purezmq.POLLOUT) == 2
    assert sent == [[b"a"], [b"b"]]
    assert pull.socket.poll(int(TIMEOUT * 1000)) == purezmq.POLLIN
    # flush with no callback discards incoming messages
    pull.stop_on_recv()
    assert pull.flush(purezmq.POLLIN) == 2
    assert pull.socket.poll(0) == 0


@pytest.mark.asyncio
async def test_json_and_pyobj(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    got = Collect(2)
    pull.on_recv(got)
    push.send_json({"a": 1})
    push.send_pyobj((1, "x"))
    json_msg, pyobj_msg = await got.wait()
    assert json_msg == [b'{"a": 1}']
    import pickle

    assert pickle.loads(pyobj_msg[0]) == (1, "x")
    with pytest.raises(TypeError):
        push.send_string(b"bytes")  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_close(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    sock = pull.socket
    closed: list[bool] = []
    pull.set_close_callback(lambda: closed.append(True))
    pull.on_recv(lambda msg: None)
    pull.close(linger=0)
    assert sock.closed
    assert pull.closed() and pull.socket is None
    assert closed == [True]
    pull.close()  # idempotent
    with pytest.raises(OSError, match="closed"):
        pull.on_recv(lambda msg: None)
    with pytest.raises(OSError, match="closed"):
        pull.send(b"x")
    with pytest.raises(OSError, match="closed"):
        pull.flush()
    push.send(b"nobody listens")
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_socket_closed_directly(
    ctx: purezmq.Context, streams: list[ZMQStream], caplog: pytest.LogCaptureFixture
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    pull.socket.close(0)
    with pytest.warns(UserWarning, match="after closing socket"):
        assert pull.closed()
    assert pull.socket is None


@pytest.mark.asyncio
async def test_socket_closed_directly_while_receiving(
    ctx: purezmq.Context, streams: list[ZMQStream], caplog: pytest.LogCaptureFixture
) -> None:
    push, pull = _pair(ctx, streams, (purezmq.PUSH, purezmq.PULL), "inproc")
    pull.on_recv(lambda msg: None)
    sock = pull.socket
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        sock.close(0)  # the engine wakes the stream, which notices
        for _ in range(5):
            await asyncio.sleep(0)
    assert pull.socket is None
    assert any("after closing socket" in str(r.message) for r in records)
    assert "closed socket" in caplog.text


@pytest.mark.asyncio
async def test_callable_check(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    s = _stream(streams, ctx.socket(purezmq.PULL))
    with pytest.raises(AssertionError):
        s.on_recv(1)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        s.on_send("x")  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_socket_methods_on_the_stream(ctx: purezmq.Context, streams: list[ZMQStream]) -> None:
    s = _stream(streams, ctx.socket(purezmq.SUB))
    s.setsockopt(purezmq.SUBSCRIBE, b"a")
    s.setsockopt_string(purezmq.SUBSCRIBE, "b")
    s.setsockopt(purezmq.LINGER, 7)
    assert s.getsockopt(purezmq.LINGER) == 7
    s.setsockopt_string(purezmq.ROUTING_ID, "me")
    assert s.getsockopt_string(purezmq.ROUTING_ID) == "me"
    assert s.getsockopt_unicode(purezmq.ROUTING_ID) == "me"
    assert "ZMQStream" in repr(s)


@pytest.mark.asyncio
async def test_asyncio_socket_is_used_through_a_blocking_view(
    streams: list[ZMQStream],
) -> None:
    actx = azmq.Context()
    try:
        asock = actx.socket(purezmq.PULL)
        with pytest.warns(RuntimeWarning, match="blocking"):
            pull = _stream(streams, asock)
        assert type(pull.socket) is purezmq.Socket
        assert pull.socket.underlying == asock.underlying
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push = actx.socket(purezmq.PUSH)
        push.connect(f"tcp://127.0.0.1:{port}")
        got = Collect()
        pull.on_recv(got)
        await push.send(b"through the view")
        assert await got.wait() == [[b"through the view"]]
        pull.close(linger=0)
        assert asock.closed
        push.close(0)
    finally:
        actx.term()


@pytest.mark.asyncio
async def test_deprecated_on_err(
    ctx: purezmq.Context, streams: list[ZMQStream], caplog: pytest.LogCaptureFixture
) -> None:
    s = _stream(streams, ctx.socket(purezmq.PULL))
    with caplog.at_level(logging.WARNING, logger=zmqstream.gen_log.name):
        s.on_err(print)
        s.stop_on_err()
    assert caplog.text.count("on_err does nothing") == 2


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_import_purezmq_never_imports_tornado() -> None:
    r = _run(
        "import sys, purezmq, purezmq.asyncio, purezmq.decorators, purezmq.log.handlers\n"
        "import purezmq.utils.monitor, purezmq.utils.z85, purezmq.utils.jsonapi\n"
        "assert 'tornado' not in sys.modules, 'tornado imported'\n"
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("module", ["purezmq.eventloop.zmqstream", "purezmq.eventloop"])
def test_import_without_tornado_names_the_extra(module: str) -> None:
    r = _run(
        "import sys\n"
        "sys.modules['tornado'] = None  # as if tornado were not installed\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "else:\n"
        "    raise SystemExit('imported')\n"
    )
    assert r.returncode == 0, r.stderr
    assert "purezmq[tornado]" in r.stdout
