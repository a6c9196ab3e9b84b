"""The socket FD option: a descriptor that becomes readable when the socket's state
may have changed, for integration with foreign event loops.

As with libzmq's ZMQ_FD it is edge-triggered: once it signals, read EVENTS (which
drains it) and handle the socket until EVENTS shows nothing more; it signals again
on the next change.
"""

from __future__ import annotations

import os

__all__ = ["FdSignal"]


class FdSignal:
    """A waiter that writes one byte into a pipe per batch of wake-ups."""

    __slots__ = ("_armed", "_r", "_w")

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        self._armed = True

    def fileno(self) -> int:
        """The readable end (what getsockopt(FD) returns)."""
        return self._r

    def wake(self) -> None:
        """Signal once until the next :meth:`drain` (thread-safe, never blocks)."""
        if self._armed:
            self._armed = False
            try:
                os.write(self._w, b"\0")
            except OSError:
                pass  # full or closed: the reader has a pending signal anyway

    def drain(self) -> None:
        """Consume pending signals and re-arm (called when EVENTS is read, before the
        state is looked at).

        Read first, re-arm after: re-armed first, a wake in between would write a byte
        that this read swallowed, leaving the signal disarmed with nothing pending, deaf
        to every later change. A wake between the read and the re-arm writes nothing,
        and need not: the state is looked at after this.
        """
        try:
            while os.read(self._r, 4096):
                pass
        except OSError:
            pass
        self._armed = True

    def close(self) -> None:
        """Close both ends."""
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
