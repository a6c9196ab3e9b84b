"""Load balancing: send each message to the next pipe that can take it (libzmq lb.cpp).

Round-robin over the pipes that are below their SNDHWM; a full pipe is skipped. With
three peers, six sends go ``[0, 3] [1, 4] [2, 5]`` (observed with libzmq 4.3.5, ZMTP
digest 3.2). Messages are whole, so a message never straddles two pipes. When every
pipe is full (or there is none) the socket is "mute" and ``send`` returns None: the
caller blocks or raises EAGAIN (RFC 28 for DEALER/REQ, RFC 30 for PUSH).
"""

from __future__ import annotations

from purezmq.routing.pipe import Pipe

__all__ = ["LoadBalancer"]


class LoadBalancer:
    """Round-robin writer over a set of pipes.

    Attributes:
        pipes: the attached pipes, in attach order.
    """

    __slots__ = ("_current", "pipes")

    def __init__(self) -> None:
        self.pipes: list[Pipe] = []
        self._current = 0

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

    def send(self, msg: list[bytes]) -> Pipe | None:
        """Write ``msg`` to the next pipe with room; return that pipe, or None if mute."""
        pipes = self.pipes
        n = len(pipes)
        i = self._current
        if i >= n:
            if not n:
                return None
            i = 0
        # fast path: the next pipe in turn has room (no loop set up)
        pipe = pipes[i]
        hwm = pipe.out_hwm
        q = pipe.out_q
        if (hwm == 0 or len(q) < hwm) and not pipe.conflate:
            # pipe.write inlined; a one-frame message as its bytes (Pipe.bare_frames)
            q.append(
                msg[0] if pipe.bare_frames and len(msg) == 1 and type(msg[0]) is bytes else msg
            )
            if not pipe.flush_scheduled:
                pipe.on_write()
            self._current = i + 1
            return pipe
        if pipe.conflate:
            pipe.write(msg)
            self._current = i + 1
            return pipe
        for _ in range(n - 1):
            i += 1
            if i >= n:
                i = 0
            pipe = pipes[i]
            hwm = pipe.out_hwm
            if hwm == 0 or len(pipe.out_q) < hwm or pipe.conflate:
                pipe.write(msg)
                self._current = i + 1
                return pipe
        return None

    def has_out(self) -> bool:
        """True if some pipe has room (POLLOUT)."""
        for pipe in self.pipes:
            hwm = pipe.out_hwm
            if hwm == 0 or len(pipe.out_q) < hwm or pipe.conflate:
                return True
        return False
