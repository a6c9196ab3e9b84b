"""Endpoint parsing."""

from __future__ import annotations

import pytest

from purezmq.constants import Errno
from purezmq.error import ZMQError
from purezmq.transport.endpoint import Endpoint, parse_endpoint


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("tcp://127.0.0.1:5555", "127.0.0.1", 5555),
        ("tcp://*:5555", "*", 5555),
        ("tcp://*:*", "*", 0),
        ("tcp://localhost:0", "localhost", 0),
        ("tcp://[::1]:7", "::1", 7),
        ("tcp://[::]:*", "::", 0),
        ("TCP://host.example:65535", "host.example", 65535),
    ],
)
def test_tcp(text: str, host: str, port: int) -> None:
    ep = parse_endpoint(text)
    assert (ep.transport, ep.host, ep.port) == ("tcp", host, port)


def test_tcp_source_address() -> None:
    ep = parse_endpoint("tcp://127.0.0.1:0;127.0.0.1:5555")
    assert (ep.source, ep.host, ep.port) == ("127.0.0.1:0", "127.0.0.1", 5555)


def test_ipc_and_inproc_keep_the_address() -> None:
    assert parse_endpoint("ipc:///tmp/x.sock") == Endpoint("ipc", "/tmp/x.sock")
    assert parse_endpoint(b"inproc://a/b:c") == Endpoint("inproc", "a/b:c")
    assert str(parse_endpoint("ipc://@abstract")) == "ipc://@abstract"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tcp",
        "tcp://",
        "tcp://host",
        "tcp://host:",
        "tcp://host:port",
        "tcp://:5555",
        "tcp://h:70000",
        "tcp://h:-1",
        "tcp://::1:5",
        "tcp://[::1]5",
        "inproc://",
        "tcp://h:0x10",
    ],
)
def test_malformed_is_einval(text: str) -> None:
    with pytest.raises(ZMQError) as exc:
        parse_endpoint(text)
    assert exc.value.errno == Errno.EINVAL


@pytest.mark.parametrize("text", ["pgm://eth0;239.0.0.1:5555", "ws://h:1", "foo://bar"])
def test_unsupported_transport_is_eprotonosupport(text: str) -> None:
    with pytest.raises(ZMQError) as exc:
        parse_endpoint(text)
    assert exc.value.errno == Errno.EPROTONOSUPPORT


def test_wrong_type() -> None:
    with pytest.raises(TypeError):
        parse_endpoint(5)  # type: ignore[arg-type]
