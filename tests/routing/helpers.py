"""Test helpers: pipes over plain deques, with the test acting as the engine."""

from __future__ import annotations

from collections import deque

from purezmq.routing.pipe import PeerInfo, Pipe, QueueItem


def make_pipe(
    out_hwm: int = 0,
    in_hwm: int = 0,
    routing_id: bytes = b"",
    identity: bytes | None = None,
    conflate: bool = False,
) -> Pipe:
    """A pipe with fresh deques; ``identity`` sets a PeerInfo with that Identity."""
    peer = None if identity is None else PeerInfo("DEALER", identity, {}, 1)
    in_q: deque[list[bytes]] = deque()
    out_q: deque[QueueItem] = deque()
    return Pipe(in_q, out_q, out_hwm, in_hwm, routing_id, peer, conflate)


def drain(pipe: Pipe) -> list[QueueItem]:
    """Everything the socket wrote to ``pipe`` (as the engine would take it)."""
    out = list(pipe.out_q)
    pipe.out_q.clear()
    return out


def inproc_pair(hwm: int = 0) -> tuple[Pipe, Pipe]:
    """Two pipes sharing deques crosswise, like inproc."""
    a: deque[QueueItem] = deque()
    b: deque[QueueItem] = deque()
    p1 = Pipe(a, b, hwm, hwm)  # type: ignore[arg-type]
    p2 = Pipe(b, a, hwm, hwm)  # type: ignore[arg-type]
    return p1, p2
