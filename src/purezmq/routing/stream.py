"""STREAM: raw TCP peers addressed by routing id (libzmq stream.cpp, ZMTP digest 3.1).

The engine puts each chunk of bytes read from a connection into ``in_q`` as a one-frame
message ``[data]`` and writes every ``[data]`` taken from ``out_q`` verbatim.

- recv gives ``[routing_id, data]``.
- STREAM_NOTIFY (default on): attach queues ``[routing_id, b""]`` for the app (a peer
  connected); detach queues any data still in the pipe and then ``[routing_id, b""]``
  (a peer disconnected). Not for a pipe the app closed itself.
- send ``[routing_id, data, ...]`` writes each non-empty data frame as ``[data]``;
  unknown id -> EHOSTUNREACH, full pipe -> False (EAGAIN), as libzmq does.
- send ``[routing_id, b""]`` closes that connection: the pipe is forgotten at once and
  ``pipe.request_close()`` is called (``close_requested`` set, the engine's ``on_close``
  hook called); the engine flushes ``out_q`` and closes, then calls ``detach``.
- Routing ids: the pipe's preset ``routing_id`` (CONNECT_ROUTING_ID) or an automatic
  ``00`` + uint32 id; peers have no Identity (no ZMTP). A duplicate preset id is refused.
"""

from __future__ import annotations

from collections import deque

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing.base import Routing
from purezmq.routing.fq import FairQueue
from purezmq.routing.pipe import Pipe
from purezmq.routing.router import AutoIds

__all__ = ["Stream"]


class Stream(Routing):
    """STREAM socket (see the module docstring)."""

    socket_type = SocketType.STREAM
    _flag_options = {SocketOption.STREAM_NOTIFY: "notify"}

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._by_id: dict[bytes, Pipe] = {}
        self._ids = AutoIds()
        # notifications and data of detached pipes, delivered before pipe data
        self._pending: deque[tuple[list[bytes], Pipe]] = deque()
        self.notify = True

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        rid = pipe.routing_id
        if not rid:
            rid = self._ids.next(self._by_id)
        elif rid in self._by_id:
            return False
        pipe.routing_id = rid
        self._by_id[rid] = pipe
        self._fq.attach(pipe)
        if self.notify:
            self._pending.append(([rid, b""], pipe))
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        pipe.active = False
        rid = pipe.routing_id
        if self._by_id.get(rid) is not pipe:
            return  # never attached, or closed by the app
        del self._by_id[rid]
        pending = self._pending
        q = pipe.in_q
        while q:
            pending.append(([rid, *q.popleft()], pipe))
        if self.notify:
            pending.append(([rid, b""], pipe))

    def send(self, msg: list[bytes]) -> bool:
        if len(msg) < 2:
            return True  # an id without data: libzmq ignores it
        pipe = self._by_id.get(msg[0])
        if pipe is None:
            raise ZMQError(Errno.EHOSTUNREACH)
        if len(msg) == 2 and not msg[1]:
            del self._by_id[msg[0]]
            self._fq.detach(pipe)
            pipe.request_close()
            return True
        if not pipe.can_write():
            return False
        for i in range(1, len(msg)):
            data = msg[i]
            if data:
                pipe.write([data])
        return True

    def recv(self) -> list[bytes] | None:
        pending = self._pending
        if pending:
            msg, pipe = pending.popleft()
            self.last_recv_pipe = pipe
            return msg
        fq = self._fq
        msg2 = fq.recv()
        if msg2 is None:
            return None
        src = fq.last_pipe
        assert src is not None  # set by every successful fq.recv
        msg2.insert(0, src.routing_id)
        self.last_recv_pipe = src
        return msg2

    def can_send(self) -> bool:
        return True

    def can_recv(self) -> bool:
        return bool(self._pending) or self._fq.has_in()
