"""parse_monitor_message / recv_monitor_message on real purezmq monitor events."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import purezmq
import purezmq.asyncio as azmq
from purezmq.utils.monitor import parse_monitor_message, recv_monitor_message

TIMEOUT_MS = 5000


@pytest_asyncio.fixture
async def actx() -> AsyncIterator[azmq.Context]:
    c = azmq.Context()
    yield c
    c.destroy(linger=0)


def test_parse_wire_format() -> None:
    msg = [struct.pack("=HI", purezmq.EVENT_ACCEPTED, 17), b"tcp://127.0.0.1:5555"]
    parsed = parse_monitor_message(msg)
    assert parsed == {"event": purezmq.EVENT_ACCEPTED, "value": 17, "endpoint": msg[1]}
    assert parsed["event"] is purezmq.Event.ACCEPTED
    assert isinstance(parsed["value"], int)
    assert type(parsed["endpoint"]) is bytes


def test_parse_keeps_large_values() -> None:
    # HANDSHAKE_FAILED_PROTOCOL carries a ZMTP error code (0x1000_0000 and up)
    msg = [struct.pack("=HI", purezmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, 0x10000001), b""]
    parsed = parse_monitor_message(msg)
    assert parsed["event"] == purezmq.Event.HANDSHAKE_FAILED_PROTOCOL
    assert parsed["value"] == 0x10000001


def test_parse_accepts_buffers() -> None:
    msg = [bytearray(struct.pack("=HI", 1, 2)), memoryview(b"ep")]
    assert parse_monitor_message(msg) == {"event": 1, "value": 2, "endpoint": b"ep"}


@pytest.mark.parametrize(
    "msg",
    [[], [b"\x01\x00\x00\x00\x00\x00"], [b"\x01\x00", b"ep"], [b"\x00" * 6, b"a", b"b"]],
)
def test_parse_rejects_other_messages(msg: list[bytes]) -> None:
    with pytest.raises(RuntimeError, match="Invalid event message"):
        parse_monitor_message(msg)


def _events_until(mon: purezmq.Socket, event: int) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    while not seen or seen[-1]["event"] != event:
        seen.append(dict(recv_monitor_message(mon)))
    return seen


def test_recv_real_events_sync(ctx: purezmq.Context) -> None:
    server = ctx.socket(purezmq.REP)
    client = ctx.socket(purezmq.REQ)
    server.linger = client.linger = 0
    mon = server.get_monitor_socket()
    mon.rcvtimeo = TIMEOUT_MS
    server.bind("tcp://127.0.0.1:*")
    endpoint = server.last_endpoint
    listening = recv_monitor_message(mon)
    assert listening["event"] == purezmq.Event.LISTENING
    assert listening["endpoint"] == endpoint

    client.connect(endpoint.decode())
    seen = _events_until(mon, purezmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert purezmq.EVENT_ACCEPTED in [e["event"] for e in seen]
    assert all(isinstance(e["event"], purezmq.Event) for e in seen)

    server.disable_monitor()
    stopped = recv_monitor_message(mon)
    assert stopped["event"] == purezmq.EVENT_MONITOR_STOPPED
    assert stopped["endpoint"] == b""
    mon.close()


def test_recv_noblock(ctx: purezmq.Context) -> None:
    sock = ctx.socket(purezmq.PULL)
    mon = sock.get_monitor_socket()
    with pytest.raises(purezmq.Again):
        recv_monitor_message(mon, purezmq.NOBLOCK)
    mon.close()


@pytest.mark.asyncio
async def test_recv_real_events_asyncio(actx: azmq.Context) -> None:
    server = actx.socket(purezmq.PULL)
    client = actx.socket(purezmq.PUSH)
    server.linger = client.linger = 0
    mon = server.get_monitor_socket()
    pending = recv_monitor_message(mon)
    assert isinstance(pending, asyncio.Future)
    assert not pending.done()
    server.bind("tcp://127.0.0.1:*")
    event = await asyncio.wait_for(pending, TIMEOUT_MS / 1000)
    assert event["event"] == purezmq.EVENT_LISTENING
    assert event["endpoint"] == server.last_endpoint

    client.connect(server.last_endpoint.decode())
    while event["event"] != purezmq.EVENT_HANDSHAKE_SUCCEEDED:
        event = await asyncio.wait_for(recv_monitor_message(mon), TIMEOUT_MS / 1000)

    server.disable_monitor()
    stopped = await asyncio.wait_for(recv_monitor_message(mon), TIMEOUT_MS / 1000)
    assert stopped["event"] == purezmq.EVENT_MONITOR_STOPPED
    mon.close()


@pytest.mark.asyncio
async def test_cancelled_async_recv_loses_no_event(actx: azmq.Context) -> None:
    server = actx.socket(purezmq.PULL)
    mon = server.get_monitor_socket()
    pending = recv_monitor_message(mon)
    await asyncio.sleep(0)
    pending.cancel()
    server.bind("tcp://127.0.0.1:*")
    event = await asyncio.wait_for(recv_monitor_message(mon), TIMEOUT_MS / 1000)
    assert event["event"] == purezmq.EVENT_LISTENING
    mon.close()


@pytest.mark.asyncio
async def test_async_errors_are_delivered(actx: azmq.Context) -> None:
    mon = actx.socket(purezmq.PAIR)
    mon.bind("inproc://not-a-monitor")
    peer = actx.socket(purezmq.PAIR)
    peer.connect("inproc://not-a-monitor")
    await peer.send(b"garbage")
    with pytest.raises(RuntimeError, match="Invalid event message"):
        await asyncio.wait_for(recv_monitor_message(mon), TIMEOUT_MS / 1000)
    with pytest.raises(purezmq.Again):
        await recv_monitor_message(mon, purezmq.NOBLOCK)
