"""``monitored_queue``: a queue that publishes every message, tagged with its direction."""

from __future__ import annotations

from purezmq.constants import SocketType
from purezmq.proxy import Relay, RelayFlow
from purezmq.socket_base import SocketBase

__all__ = ["monitored_queue"]


def _prefix_bytes(prefix: object, name: str) -> bytes:
    if isinstance(prefix, str) or not isinstance(prefix, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes, not {type(prefix).__name__}")
    return bytes(prefix)


def monitored_queue(
    in_socket: SocketBase,
    out_socket: SocketBase,
    mon_socket: SocketBase,
    in_prefix: bytes = b"in",
    out_prefix: bytes = b"out",
) -> int:
    """Relay messages between two sockets and publish a tagged copy of each.

    It works like :func:`~purezmq.proxy.proxy` with a capture socket, except that the
    copy sent to ``mon_socket`` is ``[in_prefix, *message]`` for messages that arrived
    on ``in_socket`` and ``[out_prefix, *message]`` for those from ``out_socket``, and
    that two ROUTER sockets may be joined: their first two frames (sender and
    recipient routing ids) are swapped on the way, so ``[b"b", ...]`` sent by peer
    ``a`` reaches ``b`` as ``[b"a", ...]``.

    Blocks until the context is terminated.

    Args:
        in_socket: one side of the queue.
        out_socket: the other side.
        mon_socket: gets a prefixed copy of every message (PUB is the usual choice).
        in_prefix: first frame of the copies of messages from ``in_socket``.
        out_prefix: first frame of the copies of messages from ``out_socket``.

    Returns:
        Never returns normally.

    Raises:
        ContextTerminated: the context was terminated.
        ZMQError: ENOTSOCK if a socket was closed, or the error of a failed send.
        TypeError: a socket is not a purezmq socket, or a prefix is not bytes.
    """
    for sock, name in (
        (in_socket, "in_socket"),
        (out_socket, "out_socket"),
        (mon_socket, "mon_socket"),
    ):
        if not isinstance(sock, SocketBase):
            raise TypeError(f"{name} must be a purezmq Socket, not {type(sock).__name__}")
    in_tag = _prefix_bytes(in_prefix, "in_prefix")
    out_tag = _prefix_bytes(out_prefix, "out_prefix")
    swap_ids = (
        in_socket.socket_type == SocketType.ROUTER and out_socket.socket_type == SocketType.ROUTER
    )
    flows = [
        RelayFlow(in_socket, out_socket, capture_prefix=in_tag, swap_ids=swap_ids),
        RelayFlow(out_socket, in_socket, capture_prefix=out_tag, swap_ids=swap_ids),
    ]
    return Relay(flows, capture=mon_socket).run()
