"""What the blocking and asyncio pollers share: the registry and readiness checks."""

from __future__ import annotations

import select
from typing import Any

from purezmq.constants import PollEvent
from purezmq.error import ContextTerminated
from purezmq.socket_base import SocketBase

__all__ = [
    "POLLERR",
    "POLLIN",
    "POLLOUT",
    "POLLPRI",
    "PollerBase",
    "fileno_of",
    "poll_now",
    "raw_events",
    "raw_masks",
    "raw_ready",
    "socket_events",
]

POLLIN = int(PollEvent.POLLIN)
POLLOUT = int(PollEvent.POLLOUT)
POLLERR = int(PollEvent.POLLERR)
POLLPRI = int(PollEvent.POLLPRI)
_POLLIN, _POLLOUT, _POLLERR = POLLIN, POLLOUT, POLLERR


def socket_events(sock: SocketBase, read_kernel: bool = True) -> int:
    """POLLIN/POLLOUT readiness of a purezmq socket (0 once closed); ``read_kernel``
    as in :meth:`SocketCore.events`."""
    if sock.closed:
        return 0
    ev = sock._core.events(read_kernel)
    if sock._rx:
        ev |= _POLLIN
    return ev


def fileno_of(obj: Any) -> int:
    """The descriptor of an int or an object with ``fileno()`` (TypeError otherwise)."""
    if isinstance(obj, int):
        return obj
    fileno = getattr(obj, "fileno", None)
    if fileno is None:
        raise TypeError(f"cannot poll {obj!r}: not a socket, fd or object with fileno()")
    fd = fileno()
    if not isinstance(fd, int):
        raise TypeError(f"fileno() of {obj!r} did not return an int")
    return fd


class PollerBase:
    """The registry of a poller: what is watched for which events."""

    def __init__(self) -> None:
        self.sockets: list[tuple[Any, int]] = []
        self._map: dict[Any, int] = {}

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = _POLLIN | _POLLOUT) -> None:
        """Watch ``socket`` for ``flags`` (0 unregisters)."""
        if not flags:
            if socket in self._map:
                self.unregister(socket)
            return
        flags = int(flags)  # (a PollEvent's & costs a Python call per check)
        if socket in self._map:
            self.sockets[self._map[socket]] = (socket, flags)
        else:
            if not isinstance(socket, SocketBase):
                fileno_of(socket)  # fail now, not in poll()
            self._map[socket] = len(self.sockets)
            self.sockets.append((socket, flags))

    def _flags(self, socket: Any) -> int:
        return self.sockets[self._map[socket]][1] if socket in self._map else 0

    def modify(self, socket: Any, flags: int = _POLLIN | _POLLOUT) -> None:
        """Change the flags of a registered socket."""
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        """Stop watching ``socket`` (KeyError if it was not registered)."""
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for s, i in list(self._map.items()):
            if i > idx:
                self._map[s] = i - 1

    def _report(self, ready: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Ready items in registration order; plain descriptors and ``fileno()``
        objects are reported by their fd number, as pyzmq's ``zmq_poll`` does."""
        order = {s: i for i, (s, _) in enumerate(self.sockets)}
        ready.sort(key=lambda r: order.get(r[0], 0))
        return [(s if isinstance(s, SocketBase) else fileno_of(s), ev) for s, ev in ready]

    @staticmethod
    def _check(
        zsocks: list[tuple[SocketBase, int]], read_kernel: bool = True
    ) -> list[tuple[Any, int]]:
        """Ready sockets; raises ContextTerminated once a polled socket's context is
        terminated (zmq_poll's ETERM), so a blocked poll wakes up on term().
        ``read_kernel`` as in :meth:`SocketCore.events`."""
        ready = []
        for s, flags in zsocks:
            if s._core.ctx.terminated:
                raise ContextTerminated()
            ev = socket_events(s, read_kernel) & flags
            if s.closed:
                ev = _POLLERR & flags if flags & _POLLERR else 0
            if ev:
                ready.append((s, ev))
        return ready


def raw_masks(fds: list[tuple[Any, int, int]]) -> dict[int, int]:
    """The ``select.poll`` mask to poll each raw descriptor of a poller with: what
    ``zmq_poll`` asks poll(2) for (``fds``: object, descriptor, flags). Negative
    descriptors are left out, as poll(2) leaves them."""
    masks: dict[int, int] = {}
    for _, fd, flags in fds:
        if fd >= 0:
            masks[fd] = masks.get(fd, 0) | _poll_mask(flags)
    return masks


def poll_now(masks: dict[int, int]) -> dict[int, int]:
    """The ``revents`` of the descriptors of ``masks`` now (those that have any)."""
    if not masks:
        return {}
    poll = select.poll()
    for fd, mask in masks.items():
        poll.register(fd, mask)
    return dict(poll.poll(0))


def raw_ready(fds: list[tuple[Any, int, int]], revents: dict[int, int]) -> list[tuple[Any, int]]:
    """The raw descriptors that ``revents`` (fd: poll(2) result) make ready."""
    ready = []
    if revents:
        for obj, fd, flags in fds:
            ev = raw_events(revents.get(fd, 0), flags)
            if ev:
                ready.append((obj, ev))
    return ready


def _poll_mask(flags: int) -> int:
    # what zmq_poll asks poll(2) for a raw descriptor (errors come unasked)
    mask = 0
    if flags & _POLLIN:
        mask |= select.POLLIN
    if flags & _POLLOUT:
        mask |= select.POLLOUT
    if flags & POLLPRI:
        mask |= select.POLLPRI
    return mask


def raw_events(revents: int, flags: int) -> int:
    """A raw descriptor's events as ``zmq_poll`` reports them: POLLIN, POLLOUT and
    POLLPRI as asked for, and POLLERR for anything else poll(2) says (an error, a hang-up,
    a descriptor that is not open), asked for or not."""
    ev = 0
    if revents & select.POLLIN:
        ev |= _POLLIN
    if revents & select.POLLOUT:
        ev |= _POLLOUT
    if revents & select.POLLPRI:
        ev |= POLLPRI
    ev &= flags
    if revents & _POLL_ERRORS:
        ev |= _POLLERR
    return ev


#: poll(2) results zmq_poll reports as POLLERR
_POLL_ERRORS = ~(select.POLLIN | select.POLLOUT | select.POLLPRI)
