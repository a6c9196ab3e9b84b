"""What the demos share: the output callback type, threads that report their errors,
and bounded waits.

Every demo must finish in a few seconds and leave nothing behind, so every thread it
starts goes through :class:`Threads` (joined with a deadline, errors collected) and
every wait has a timeout (:data:`DEADLINE_S`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["DEADLINE_S", "DemoError", "Out", "Threads", "elapsed_since", "print_line"]

#: What a demo prints through: ``print`` by default, a list's ``append`` in tests.
Out = Callable[[str], object]

#: The longest any single wait of a demo may take (seconds) before it gives up; the
#: demos normally finish in well under a second.
DEADLINE_S = 10.0


class DemoError(Exception):
    """A demo did not behave as it should (a wrong reply, a thread that hung...)."""


class Threads:
    """Start threads, keep the first error any of them raises, join them all.

    A demo thread that fails must not be silent: the error is kept and
    :meth:`join` raises it in the demo's own thread.
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()

    def start(self, target: Callable[..., object], *args: Any, name: str) -> threading.Thread:
        """Run ``target(*args)`` in a new thread called ``name``."""

        def body() -> None:
            try:
                target(*args)
            except BaseException as exc:  # reported by join()
                with self._lock:
                    self._errors.append(exc)

        thread = threading.Thread(target=body, name=name)
        self._threads.append(thread)
        thread.start()
        return thread

    def join(self, timeout: float = DEADLINE_S) -> None:
        """Join every thread within ``timeout`` seconds in total.

        Raises:
            DemoError: a thread is still running after the timeout.
            BaseException: the first error a thread raised.
        """
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self._threads if t.is_alive()]
        if stuck:
            raise DemoError(f"threads still running after {timeout:.0f} s: {', '.join(stuck)}")
        if self._errors:
            raise self._errors[0]


def elapsed_since(start: float) -> float:
    """Seconds since ``start`` (a ``time.monotonic()`` value)."""
    return time.monotonic() - start


_print_lock = threading.Lock()


def print_line(line: str) -> None:
    """Print ``line`` to stdout in one write, so lines from threads never interleave.

    ``print`` writes the text and the newline separately: two threads printing at once
    can produce ``"Worker 1 got 1Worker 3 got 1"``. This is the demos' default ``out``.
    """
    import sys

    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
