"""ContextCore: the sockets of one context, its inproc namespace and its I/O thread."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from purezmq.constants import ContextOption, Errno
from purezmq.engine.ioloop import IOLoop, IOThread
from purezmq.error import ContextTerminated, ZMQError

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore
    from purezmq.engine.inproc import PendingConnect

__all__ = ["DEFAULT_MAX_SOCKETS", "ContextCore", "ForkedError", "fork_generation"]

#: libzmq's default MAX_SOCKETS (ZMQ_MAX_SOCKETS_DFLT).
DEFAULT_MAX_SOCKETS = 1023

#: Bumped in a child process after fork(): contexts from before it belong to the parent.
_FORK_GENERATION = [0]


def _after_fork_in_child() -> None:
    _FORK_GENERATION[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fork_generation() -> int:
    """How many times this process's ancestry forked since purezmq was imported."""
    return _FORK_GENERATION[0]


def ForkedError() -> ZMQError:
    """The error for using a parent's context or socket in a forked child."""
    return ZMQError(
        Errno.ENOTSUP,
        "this context or socket was created before fork(): the child process cannot use "
        "it (its I/O thread and connections stayed in the parent); create a new Context "
        "in the child",
    )


class ContextCore:
    """Engine-side state of a context.

    The background I/O thread is started lazily, on the first blocking socket, so a
    context used only from asyncio never starts a thread.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sockets: set[SocketCore] = set()
        self.closing: set[SocketCore] = set()
        self.terminated = False
        self.pid = os.getpid()
        self.fork_gen = _FORK_GENERATION[0]
        self._io_thread: IOThread | None = None
        #: inproc name -> bound socket
        self.inproc_bound: dict[str, SocketCore] = {}
        #: inproc name -> connects waiting for a bind
        self.inproc_pending: dict[str, list[PendingConnect]] = {}
        #: socket -> the inproc names it bound or waits on (so closing is O(own names))
        self.inproc_names: dict[SocketCore, set[str]] = {}
        self._all_closed = threading.Condition(self.lock)
        self.options: dict[int, Any] = {}

    @property
    def forked(self) -> bool:
        """True in a child process forked after this context was created."""
        return self.fork_gen != _FORK_GENERATION[0]

    def io_thread(self) -> IOLoop:
        """The background loop for blocking sockets (started on first use)."""
        if self.forked:
            raise ForkedError()
        with self.lock:
            if self.terminated:
                raise ContextTerminated()
            if self._io_thread is None or not self._io_thread.alive:
                self._io_thread = IOThread()
            return self._io_thread.io

    def add_socket(self, core: SocketCore) -> None:
        """Register a new socket (raises ETERM after term)."""
        with self.lock:
            if self.terminated:
                raise ContextTerminated()
            # libzmq refuses sockets past the context's MAX_SOCKETS (default 1023)
            limit = self.options.get(ContextOption.MAX_SOCKETS, DEFAULT_MAX_SOCKETS)
            if len(self.sockets) >= limit:
                raise ZMQError(Errno.EMFILE, "Too many open files")
            self.sockets.add(core)

    def socket_closing(self, core: SocketCore) -> None:
        """``core`` started closing (it may still linger)."""
        with self.lock:
            self.sockets.discard(core)
            self.closing.add(core)
            # only this socket's names: scanning the whole registry made closing N
            # inproc sockets O(N^2) (10,000 pairs took minutes)
            for name in self.inproc_names.pop(core, ()):
                if self.inproc_bound.get(name) is core:
                    del self.inproc_bound[name]
                pend = self.inproc_pending.get(name)
                if pend is not None:
                    rest = [p for p in pend if p.core is not core]
                    if rest:
                        self.inproc_pending[name] = rest
                    else:
                        del self.inproc_pending[name]
            self._all_closed.notify_all()

    def socket_closed(self, core: SocketCore) -> None:
        """``core`` finished closing (linger done)."""
        with self.lock:
            self.closing.discard(core)
            self._all_closed.notify_all()

    def term(self) -> None:
        """Terminate: wake blocked calls with ETERM, wait for every socket to close."""
        if self.forked:
            # the parent owns the sockets and the I/O thread; nothing to wait for here
            self.terminated = True
            return
        with self.lock:
            self.terminated = True
            sockets = list(self.sockets)
        for s in sockets:
            s.live = -1  # its blocking calls raise ETERM from now on
            s.notify()
        with self.lock:
            while self.sockets or self.closing:
                for s in list(self.closing):
                    if s.io.in_loop_thread() or not s.io.loop.is_running():
                        # its lingering close needs a loop that cannot run it: this very
                        # loop (blocked by term()) or a caller's loop that has stopped.
                        # Waiting would hang, so drop what is left.
                        s.abort_close()
                if not (self.sockets or self.closing):
                    break
                self._all_closed.wait(0.5)
                for s in list(self.sockets):
                    s.notify()
            io = self._io_thread
            self._io_thread = None
        if io is not None:
            io.stop()

    def sockets_snapshot(self) -> list[SocketCore]:
        """The open sockets."""
        with self.lock:
            return list(self.sockets)
