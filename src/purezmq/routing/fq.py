"""Fair queueing: receive whole messages from the pipes in turn (libzmq fq.cpp, RFC 28).

After a message is taken from a pipe the queue moves on to the next pipe, so with three
peers each holding ``a, b, c`` the socket receives ``a a a b b b c c c`` (observed with
libzmq 4.3.5, ZMTP digest 3.2). Messages are whole ``list[bytes]`` objects, so there is
no "current pipe until the last frame" state to keep.

Nothing tells the fair queue when an empty pipe gets data (the producer may be another
thread), so it scans from the current position: O(1) when the next pipe has data, and
at worst one pass over the pipes.
"""

from __future__ import annotations

from purezmq.routing.pipe import Pipe

__all__ = ["FairQueue", "FairQueued"]


class FairQueue:
    """Round-robin reader over a set of pipes.

    Attributes:
        pipes: the attached pipes, in attach order.
        last_pipe: the pipe the last message came from (None before any).
    """

    __slots__ = ("_current", "last_pipe", "pipes")

    def __init__(self) -> None:
        self.pipes: list[Pipe] = []
        self._current = 0
        self.last_pipe: Pipe | None = None

    def attach(self, pipe: Pipe) -> None:
        """Add ``pipe`` at the end of the rotation."""
        self.pipes.append(pipe)

    def detach(self, pipe: Pipe) -> None:
        """Remove ``pipe`` (no-op if absent), keeping the rotation position."""
        pipes = self.pipes
        try:
            i = pipes.index(pipe)
        except ValueError:
            return
        del pipes[i]
        if i < self._current:
            self._current -= 1
        if self.last_pipe is pipe:
            self.last_pipe = None

    def recv(self) -> list[bytes] | None:
        """Take one whole message from the next pipe that has one; None if all are empty."""
        pipes = self.pipes
        n = len(pipes)
        i = self._current
        if i >= n:
            if not n:
                return None
            i = 0
        # fast path: the next pipe in turn has a message (no loop set up)
        pipe = pipes[i]
        q = pipe.in_q
        if not q:
            for _ in range(n - 1):
                i += 1
                if i >= n:
                    i = 0
                pipe = pipes[i]
                q = pipe.in_q
                if q:
                    break
            else:
                return None
        # we are the only consumer: a non-empty deque stays non-empty for us
        msg = q.popleft()
        self._current = i + 1
        self.last_pipe = pipe
        pipe.on_read()
        return msg

    def recv_batch(self, limit: int) -> tuple[list[list[bytes]], Pipe] | None:
        """Up to ``limit`` messages at once when exactly one pipe is attached (fair
        queueing has no choice to make then); None otherwise."""
        pipes = self.pipes
        if len(pipes) != 1:
            return None
        pipe = pipes[0]
        batch = pipe.read_batch(limit)
        if batch is None:
            return None
        self.last_pipe = pipe
        return batch, pipe

    def has_in(self) -> bool:
        """True if any pipe holds a message."""
        pipes = self.pipes
        n = len(pipes)
        i = self._current
        for _ in range(n):
            if i >= n:
                i = 0
            if pipes[i].in_q:
                return True
            i += 1
        return False


class FairQueued:
    """The receiving half of a pattern that fair-queues its pipes and hands messages
    over as they are (PULL, DEALER): ``recv``, ``recv_batch`` and ``can_recv`` of
    :class:`~purezmq.routing.base.Routing`, over the pattern's ``_fq``."""

    _fq: FairQueue
    last_recv_pipe: Pipe | None

    def recv(self) -> list[bytes] | None:
        fq = self._fq
        msg = fq.recv()
        if msg is not None:
            self.last_recv_pipe = fq.last_pipe
        return msg

    def recv_batch(self, limit: int) -> tuple[list[list[bytes]], Pipe] | None:
        batch = self._fq.recv_batch(limit)
        if batch is not None:
            self.last_recv_pipe = batch[1]
        return batch

    def can_recv(self) -> bool:
        return self._fq.has_in()

    def recv_would_wait(self) -> bool:
        return not self._fq.has_in()
