"""Endpoint strings: ``tcp://host:port``, ``ipc://path``, ``inproc://name``.

Parsing is pure; resolution and socket creation live in :mod:`purezmq.transport.tcp`
and :mod:`purezmq.transport.ipc`.
"""

from __future__ import annotations

from dataclasses import dataclass

from purezmq.constants import Errno
from purezmq.error import ZMQError

__all__ = ["TRANSPORTS", "Endpoint", "parse_endpoint"]

#: Transports purezmq implements. libzmq's others (pgm, epgm, tipc, vmci, ws, norm,
#: udp) are reported as EPROTONOSUPPORT, as libzmq does when built without them.
TRANSPORTS = ("tcp", "ipc", "inproc")
_KNOWN_UNSUPPORTED = ("pgm", "epgm", "tipc", "vmci", "ws", "wss", "norm", "udp")

#: Longest inproc name / ipc path we accept (Unix socket paths are limited by the OS).
MAX_ENDPOINT_LENGTH = 4096


@dataclass(frozen=True)
class Endpoint:
    """A parsed endpoint.

    Attributes:
        transport: ``tcp``, ``ipc`` or ``inproc``.
        address: everything after ``://``.
        host: tcp host (``*`` for all interfaces, brackets removed from IPv6), else "".
        port: tcp port; 0 for the ``*``/``0`` wildcard; -1 for non-tcp.
        source: tcp source address for connect (``tcp://src;host:port``), else "".
    """

    transport: str
    address: str
    host: str = ""
    port: int = -1
    source: str = ""

    def __str__(self) -> str:
        return f"{self.transport}://{self.address}"


def _einval(msg: str) -> ZMQError:
    return ZMQError(Errno.EINVAL, msg)


def parse_endpoint(endpoint: str | bytes) -> Endpoint:
    """Parse an endpoint string.

    Raises:
        ZMQError: EINVAL for a malformed endpoint, EPROTONOSUPPORT for an unknown or
            unsupported transport.
    """
    if isinstance(endpoint, bytes):
        try:
            endpoint = endpoint.decode("utf-8")
        except UnicodeDecodeError:
            raise _einval("endpoint is not valid UTF-8") from None
    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be str, not {type(endpoint).__name__}")
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise _einval("endpoint too long")
    transport, sep, address = endpoint.partition("://")
    if not sep:
        raise _einval(f"invalid endpoint {endpoint!r}: expected transport://address")
    transport = transport.lower()
    if transport not in TRANSPORTS:
        if transport in _KNOWN_UNSUPPORTED:
            raise ZMQError(Errno.EPROTONOSUPPORT, f"transport {transport!r} is not supported")
        raise ZMQError(Errno.EPROTONOSUPPORT, f"unknown transport {transport!r}")
    if not address:
        raise _einval(f"invalid endpoint {endpoint!r}: empty address")
    if transport != "tcp":
        return Endpoint(transport, address)
    source = ""
    target = address
    if ";" in address:
        source, _, target = address.partition(";")
        src_port = source.rpartition(":")[2] if ":" in source else "0"
        if src_port not in ("", "*") and not src_port.isdigit():
            raise _einval(f"invalid source address in {endpoint!r}")
    host, port = _split_host_port(target, endpoint)
    return Endpoint("tcp", address, host, port, source)


def _split_host_port(hostport: str, endpoint: str) -> tuple[str, int]:
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0 or hostport[close + 1 : close + 2] != ":":
            raise _einval(f"invalid endpoint {endpoint!r}")
        host = hostport[1:close]
        port_s = hostport[close + 2 :]
    else:
        host, sep, port_s = hostport.rpartition(":")
        if not sep or not host:
            raise _einval(f"invalid endpoint {endpoint!r}: expected host:port")
        if ":" in host:  # a bare IPv6 address must be bracketed
            raise _einval(f"invalid endpoint {endpoint!r}: bracket IPv6 addresses")
    if "%" in host:  # scope id (fe80::1%eth0) is kept as is for getaddrinfo
        pass
    if port_s in ("*", "0"):
        return host, 0
    if not port_s.isdigit():
        raise _einval(f"invalid endpoint {endpoint!r}: bad port {port_s!r}")
    port = int(port_s)
    if not 0 < port < 65536:
        raise _einval(f"invalid endpoint {endpoint!r}: port out of range")
    return host, port
