"""What every authentication test checks, for blocking sockets of either library.

A good handshake carries a multipart message and a 1 MiB frame intact both ways and the
server sees the authenticated ``User-Id`` on every payload frame. A refused handshake is
observed deterministically: the server's monitor reports HANDSHAKE_FAILED_AUTH, after
which a good client is still served, nothing of the refused client ever arrives and the
server cannot route to it.
"""

from __future__ import annotations

import time
from typing import Any

import zmq
import zmq.utils.monitor

import purezmq
import purezmq.utils.monitor

from .conftest import TIMEOUT_MS, Lab

#: One megabyte of a fixed pattern (deterministic, and not all one byte).
BIG = bytes(range(256)) * 4096
PAYLOAD = [b"hello", b"", b"multi\x00part", BIG]

#: The routing id a refused client asks for; the ROUTER server must not know it.
BAD_ID = b"refused"

LOCALHOST = "127.0.0.1"
#: Refused clients connect from this loopback address (libzmq's "source;target" syntax).
OTHER_HOST = "127.0.0.2"


def is_purezmq(sock: Any) -> bool:
    return type(sock).__module__.startswith("purezmq")


def monitor_of(lab: Lab, sock: Any) -> Any:
    """A monitor socket reporting only handshake outcomes."""
    events = zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_SUCCEEDED
    mon = lab.adopt(sock.get_monitor_socket(events))
    mon.rcvtimeo = TIMEOUT_MS
    return mon


def wait_event(mon: Any, event: int) -> dict[str, Any]:
    """The next monitor message of type ``event``, within TIMEOUT_MS."""
    recv = (
        purezmq.utils.monitor.recv_monitor_message
        if is_purezmq(mon)
        else zmq.utils.monitor.recv_monitor_message
    )
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        msg: dict[str, Any] = recv(mon)  # bounded by RCVTIMEO
        if msg["event"] == event:
            return msg
    raise AssertionError(f"no monitor event {event} within {TIMEOUT_MS} ms")


def router(lab: Lab, lib: str, **options: Any) -> Any:
    """A server ROUTER that raises instead of dropping messages to unknown peers."""
    return lab.socket(lib, "ROUTER", router_mandatory=1, **options)


def bind(server: Any) -> str:
    port = server.bind_to_random_port(f"tcp://{LOCALHOST}")
    return f"tcp://{LOCALHOST}:{port}"


def connect(client: Any, endpoint: str, from_other_host: bool = False) -> None:
    if from_other_host:
        endpoint = endpoint.replace("tcp://", f"tcp://{OTHER_HOST}:0;", 1)
    client.connect(endpoint)


def exchange(server: Any, client: Any, user_id: str | None) -> None:
    """Round-trip PAYLOAD client -> server -> client and check User-Id on the server."""
    client.send_multipart(PAYLOAD)
    frames = server.recv_multipart(copy=False)
    routing_id = frames[0].bytes
    assert [f.bytes for f in frames[1:]] == PAYLOAD
    if user_id is not None:
        for frame in frames[1:]:
            assert frame.get("User-Id") == user_id
    server.send_multipart([routing_id, *PAYLOAD])
    assert client.recv_multipart() == PAYLOAD


def assert_refused(server: Any, mon: Any, bad: Any, good: Any, user_id: str | None) -> None:
    """``bad`` (already connecting) is refused; ``good`` is served by the same server."""
    bad.send_multipart([b"must", b"not arrive"])  # queued: the pipe exists before the handshake
    failed = wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    assert failed["value"] == 400
    exchange(server, good, user_id)
    # nothing of the refused client was delivered, and the server has no route to it
    try:
        leftover = server.recv_multipart(zmq.NOBLOCK)
    except (zmq.Again, purezmq.Again):
        pass
    else:
        raise AssertionError(f"a refused client's message arrived: {leftover!r}")
    try:
        server.send_multipart([BAD_ID, b"x"])
    except (zmq.ZMQError, purezmq.ZMQError) as exc:
        assert exc.errno == zmq.EHOSTUNREACH
    else:
        raise AssertionError("the server could route to a refused client")
    assert bad.poll(0) == 0
