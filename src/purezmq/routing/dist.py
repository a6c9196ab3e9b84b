"""Fan-out: copy a message to many pipes (libzmq dist.cpp, RFC 29).

A pipe at its SNDHWM is skipped and the message is lost for that peer only, so a slow
subscriber never blocks a publisher (observed: PUB with SNDHWM=2 accepted 20000 NOBLOCK
sends, ZMTP digest 3.5). XPUB_NODROP instead asks :meth:`Dist.can_write_all` first.

Ownership: the first pipe gets the caller's list, every other pipe a shallow copy (the
frames are immutable bytes, so nothing large is copied), because a receiver may mutate
the list it is handed (ROUTER prepends ids, the socket facade pops frames).
"""

from __future__ import annotations

from collections.abc import Iterable

from purezmq.routing.pipe import Pipe, QueueItem

__all__ = ["Dist"]


class Dist:
    """Fan-out writer.

    Attributes:
        pipes: the attached pipes, in attach order.
    """

    __slots__ = ("pipes",)

    def __init__(self) -> None:
        self.pipes: list[Pipe] = []

    def attach(self, pipe: Pipe) -> None:
        """Add ``pipe``."""
        self.pipes.append(pipe)

    def detach(self, pipe: Pipe) -> None:
        """Remove ``pipe`` (no-op if absent)."""
        try:
            self.pipes.remove(pipe)
        except ValueError:
            pass

    def send_to_all(self, msg: list[bytes]) -> None:
        """Send ``msg`` to every pipe with room; full pipes miss it."""
        self.send_to(self.pipes, msg)

    @staticmethod
    def send_to(pipes: Iterable[Pipe], msg: list[bytes]) -> None:
        """Send ``msg`` to each of ``pipes`` that has room; full pipes miss it."""
        # PUB's per-message path: Pipe.write inlined but for CONFLATE. A one-frame
        # message goes to a stream engine's pipe as its bytes (Pipe.bare_frames), which
        # every such pipe can share.
        first = True
        bare = msg[0] if len(msg) == 1 and type(msg[0]) is bytes else None
        for pipe in pipes:
            if pipe.conflate:
                pipe.write(msg if first else list(msg))
            else:
                hwm = pipe.out_hwm
                q = pipe.out_q
                if hwm and len(q) >= hwm:
                    continue
                if bare is not None and pipe.bare_frames:
                    q.append(bare)
                    if not pipe.flush_scheduled:
                        pipe.on_write()
                    continue
                q.append(msg if first else list(msg))
                if not pipe.flush_scheduled:
                    pipe.on_write()
            first = False

    def write_all(self, item: QueueItem) -> None:
        """Write a control item (a Subscription) to every pipe, ignoring the HWM."""
        for pipe in self.pipes:
            pipe.write(item)

    @staticmethod
    def can_write_all(pipes: Iterable[Pipe]) -> bool:
        """True if every one of ``pipes`` has room (XPUB_NODROP's check_hwm)."""
        for pipe in pipes:
            hwm = pipe.out_hwm
            if hwm and len(pipe.out_q) >= hwm and not pipe.conflate:
                return False
        return True
