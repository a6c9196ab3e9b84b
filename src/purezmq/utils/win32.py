"""Windows console helpers: letting CTRL-C interrupt a blocked poll.

On Windows the interpreter only turns CTRL-C into :class:`KeyboardInterrupt` when it
gets control back, which a long blocking poll may not give it. :class:`allow_interrupt`
installs a console control handler that runs a callback of yours on CTRL-C (for
example one that sends a message to a PAIR socket the poll is waiting on), so the
poll returns and the interpreter can raise the interrupt. Everywhere else it does
nothing, so code may use it unconditionally.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["allow_interrupt"]

_CTRL_C_EVENT = 0


def _noop() -> None:
    return None


class allow_interrupt:
    """Context manager that runs ``action`` when CTRL-C arrives (Windows only).

    Example::

        with allow_interrupt(wake_my_poller):
            while True:
                poller.poll()

    Args:
        action: a callable taking no arguments, run on the console handler's thread
            when CTRL-C is pressed; it must never raise. Default: do nothing (the
            interrupt is still raised once the interpreter gets control).
    """

    def __init__(self, action: Callable[[], Any] | None = None) -> None:
        self.action: Callable[[], Any] = action if action is not None else _noop
        self._handle: Any = None
        self._set_handler: Any = None
        if sys.platform == "win32":
            self._init_handler()

    if sys.platform == "win32":

        def _init_handler(self) -> None:
            import ctypes
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            handler_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)
            set_handler = kernel32.SetConsoleCtrlHandler
            set_handler.argtypes = (handler_type, wintypes.BOOL)
            set_handler.restype = wintypes.BOOL
            action = self.action

            def on_console_event(event: int) -> int:
                if event == _CTRL_C_EVENT:
                    action()
                # FALSE: let the next handler (Python's own) see the event too, so the
                # interpreter still raises KeyboardInterrupt
                return 0

            # keep a reference: the C side only holds a raw pointer to the thunk
            self._handle = handler_type(on_console_event)
            self._set_handler = set_handler

    def __enter__(self) -> None:
        """Install the console handler (Windows only)."""
        if self._set_handler is not None and not self._set_handler(self._handle, 1):
            raise OSError("SetConsoleCtrlHandler failed")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Remove the console handler (Windows only)."""
        if self._set_handler is not None and not self._set_handler(self._handle, 0):
            raise OSError("SetConsoleCtrlHandler failed")
