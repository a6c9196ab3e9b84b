"""PUSH and PULL: the pipeline pattern (RFC 30, libzmq push.cpp / pull.cpp)."""

from __future__ import annotations

from purezmq.constants import SocketType
from purezmq.routing.base import Routing
from purezmq.routing.fq import FairQueue, FairQueued
from purezmq.routing.lb import LoadBalancer
from purezmq.routing.pipe import Pipe

__all__ = ["Pull", "Push"]


class Push(Routing):
    """PUSH: load-balance outgoing messages; blocks when every peer is full or none.

    A PUSH never reads its pipes (recv raises ENOTSUP).
    """

    socket_type = SocketType.PUSH

    def __init__(self) -> None:
        super().__init__()
        self._lb = LoadBalancer()

    @property
    def pipes(self) -> list[Pipe]:
        return self._lb.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._lb.attach(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        self._lb.detach(pipe)
        pipe.active = False

    def send(self, msg: list[bytes]) -> bool:
        return self._lb.send(msg) is not None

    def can_send(self) -> bool:
        return self._lb.has_out()


class Pull(FairQueued, Routing):
    """PULL: fair-queue incoming messages (send raises ENOTSUP)."""

    socket_type = SocketType.PULL

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._fq.attach(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        pipe.active = False
