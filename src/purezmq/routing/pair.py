"""PAIR: one exclusive peer (RFC 31, libzmq pair.cpp)."""

from __future__ import annotations

from purezmq.constants import SocketType
from purezmq.routing.base import Routing
from purezmq.routing.pipe import Pipe

__all__ = ["Pair"]


class Pair(Routing):
    """PAIR socket: a second peer is refused while one is attached.

    libzmq lets the second peer finish its handshake and then ignores it; we refuse it
    (``attach`` returns False) so the engine closes it, as the ZMTP digest 3.6 advises.
    Sending with no peer, or a full pipe, blocks (RFC 31).
    """

    socket_type = SocketType.PAIR

    def __init__(self) -> None:
        super().__init__()
        self._pipe: Pipe | None = None

    @property
    def pipes(self) -> list[Pipe]:
        return [] if self._pipe is None else [self._pipe]

    def attach(self, pipe: Pipe) -> bool:
        if self._pipe is not None:
            return False
        self._pipe = pipe
        return True

    def detach(self, pipe: Pipe) -> None:
        if self._pipe is pipe:
            self._pipe = None
            pipe.active = False

    def send(self, msg: list[bytes]) -> bool:
        pipe = self._pipe
        if pipe is None:
            return False
        hwm = pipe.out_hwm
        if hwm and len(pipe.out_q) >= hwm and not pipe.conflate:
            return False
        pipe.write(msg)
        return True

    def recv(self) -> list[bytes] | None:
        pipe = self._pipe
        if pipe is None:
            return None
        q = pipe.in_q
        if not q:
            return None
        msg = q.popleft()
        self.last_recv_pipe = pipe
        pipe.on_read()
        return msg

    def recv_batch(self, limit: int) -> tuple[list[list[bytes]], Pipe] | None:
        pipe = self._pipe
        if pipe is None:
            return None
        batch = pipe.read_batch(limit)
        if batch is None:
            return None
        self.last_recv_pipe = pipe
        return batch, pipe

    def can_send(self) -> bool:
        pipe = self._pipe
        return pipe is not None and pipe.can_write()

    def can_recv(self) -> bool:
        pipe = self._pipe
        return pipe is not None and bool(pipe.in_q)
