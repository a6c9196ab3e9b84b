"""TCP: listening sockets created synchronously, and per-connection socket options.

``bind()`` must fail at once (EADDRINUSE, ...) and report LAST_ENDPOINT with the real
port, so listeners are created here in the calling thread, then handed to the engine's
event loop to accept on.
"""

from __future__ import annotations

import errno as _errno
import ipaddress
import socket

from purezmq.constants import Errno
from purezmq.error import ZMQError
from purezmq.transport.endpoint import Endpoint

__all__ = [
    "IPC_SNDBUF",
    "configure_stream_socket",
    "format_tcp_endpoint",
    "listen_tcp",
    "resolve_family",
]

#: Send buffer (bytes) asked for an ipc connection when SNDBUF is left at -1 (the kernel
#: caps it at net.core.wmem_max). A Unix socket keeps the OS default, 208 KiB on Linux,
#: where TCP grows its buffer to 4 MiB by itself; with it a 1 MiB message left asyncio's
#: transport to buffer and copy most of each write, and a purezmq sender over ipc reached
#: 700-825 msg/s at 1 MiB against 2,863-3,137 with this (pyzmq: 2,693-3,035). libzmq
#: keeps the default, but writes from C.
IPC_SNDBUF = 1 << 21


def _is_ipv6_literal(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host.split("%", 1)[0]), ipaddress.IPv6Address)
    except ValueError:
        return False


def resolve_family(host: str, ipv6: bool) -> int:
    """The address family to resolve ``host`` with (libzmq: IPv4 only unless IPV6=1)."""
    if _is_ipv6_literal(host):
        return socket.AF_INET6
    return socket.AF_UNSPEC if ipv6 else socket.AF_INET


def format_tcp_endpoint(sockaddr: tuple[object, ...], family: int) -> str:
    """``tcp://ip:port`` (``tcp://[ip]:port`` for IPv6), as libzmq's LAST_ENDPOINT."""
    host, port = str(sockaddr[0]), int(str(sockaddr[1]))
    if family == socket.AF_INET6:
        return f"tcp://[{host}]:{port}"
    return f"tcp://{host}:{port}"


def _oserror_to_zmq(exc: OSError) -> ZMQError:
    code = exc.errno if exc.errno is not None else Errno.EINVAL
    return ZMQError(code, f"{exc.strerror or exc}")


def listen_tcp(ep: Endpoint, *, ipv6: bool, backlog: int) -> tuple[socket.socket, str]:
    """Create, bind and listen a TCP socket for ``ep``.

    Returns:
        The non-blocking listening socket and its LAST_ENDPOINT string.

    Raises:
        ZMQError: EADDRINUSE, EADDRNOTAVAIL, ENODEV (unknown host), ...
    """
    host = ep.host
    if host == "*":
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        addr: tuple[object, ...] = ("::", ep.port, 0, 0) if ipv6 else ("0.0.0.0", ep.port)
    else:
        try:
            infos = socket.getaddrinfo(
                host,
                ep.port,
                resolve_family(host, ipv6),
                socket.SOCK_STREAM,
                0,
                socket.AI_PASSIVE,
            )
        except socket.gaierror as exc:
            raise ZMQError(Errno.ENODEV, f"cannot resolve {host!r}: {exc}") from None
        family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "*":
            # dual stack, like libzmq with IPV6=1 on the wildcard
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(addr)
        sock.listen(backlog if backlog > 0 else socket.SOMAXCONN)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        if exc.errno == _errno.EACCES:
            raise ZMQError(Errno.EACCES, str(exc)) from None
        raise _oserror_to_zmq(exc) from None
    return sock, format_tcp_endpoint(sock.getsockname(), family)


def configure_stream_socket(sock: socket.socket, options: dict[int, object]) -> None:
    """Apply per-connection options (TCP_NODELAY always, as libzmq does; keepalive; buffers)."""
    from purezmq.constants import SocketOption as O

    def opt(o: int) -> int:
        v = options.get(o, -1)
        return v if isinstance(v, int) else -1

    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ka = opt(O.TCP_KEEPALIVE)
            if ka != -1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1 if ka else 0)
            for o, name in (
                (O.TCP_KEEPALIVE_IDLE, "TCP_KEEPIDLE"),
                (O.TCP_KEEPALIVE_INTVL, "TCP_KEEPINTVL"),
                (O.TCP_KEEPALIVE_CNT, "TCP_KEEPCNT"),
            ):
                v = opt(o)
                if v > 0 and hasattr(socket, name):
                    sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), v)
            tos = opt(O.TOS)
            if tos > 0 and sock.family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
        sndbuf, rcvbuf = opt(O.SNDBUF), opt(O.RCVBUF)
        if sndbuf > 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        elif sndbuf == -1 and sock.family == getattr(socket, "AF_UNIX", None):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, IPC_SNDBUF)
        if rcvbuf > 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    except OSError:
        # a closed or exotic socket: options are best effort, as in libzmq
        pass
