"""Devices: a proxy whose sockets are made, set up and run in the background.

A :class:`Device` is given socket *types*, not sockets. It records every option,
bind and connect asked of it and replays them on sockets it creates itself in the
thread (or process) that runs it, so no socket is ever shared with the caller.
"""

from __future__ import annotations

import threading
from multiprocessing import Process
from typing import Any, ClassVar, Protocol

from purezmq.constants import DeviceType, Errno, SocketType
from purezmq.error import ZMQBindError, ZMQError
from purezmq.proxy import proxy
from purezmq.sync.context import Context
from purezmq.sync.socket import Socket

__all__ = ["Device", "ProcessDevice", "ThreadDevice"]

#: How often a reservation retries when the port it got is already reserved by this
#: device (pyzmq uses the same count).
_RESERVE_TRIES = 5


class ContextFactory(Protocol):
    """What :attr:`Device.context_factory` must be: a callable returning a Context."""

    def __call__(self) -> Context:
        """Return the context the device's sockets are created in."""


class _Launcher(Protocol):
    """A :class:`threading.Thread` or :class:`multiprocessing.Process`."""

    daemon: bool

    def start(self) -> None:
        """Start running the target."""

    def join(self, timeout: float | None = None) -> None:
        """Wait for the target to finish."""


class Device:
    """A proxy between two sockets it creates itself, run with :meth:`start`.

    Configure it before starting: :meth:`bind_in`, :meth:`connect_in`,
    :meth:`setsockopt_in` and their ``_out`` twins are recorded and replayed on the
    sockets once they exist (options first, so ROUTING_ID applies, then binds, then
    connects). A plain :class:`Device` runs in the calling thread: :meth:`start` returns
    only when the device stops, which is when its context is terminated.

    Args:
        device_type: QUEUE, FORWARDER or STREAMER (kept for compatibility; every device
            is a :func:`~purezmq.proxy.proxy`).
        in_type: the frontend socket type, e.g. ``purezmq.ROUTER``.
        out_type: the backend socket type; negative means "use the frontend socket for
            both sides" (a one-socket device, such as a REP echo).

    Raises:
        TypeError: ``in_type`` or ``out_type`` is missing.

    Attributes:
        daemon: run the background thread or process as a daemon (default True, since a
            device only ends when its context is terminated).
        done: True once the device has stopped.
        context_factory: callable returning the context to create the sockets in:
            ``Context.instance`` for thread devices, ``Context`` (a fresh one) for
            process devices, which must never use a context inherited through fork.
    """

    context_factory: ClassVar[ContextFactory] = Context.instance

    daemon: bool
    done: bool
    device_type: int
    in_type: int
    out_type: int

    def __init__(
        self,
        device_type: int = DeviceType.QUEUE,
        in_type: int | None = None,
        out_type: int | None = None,
    ) -> None:
        self.device_type = device_type
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        self.in_type = in_type
        self.out_type = out_type
        self._in_binds: list[str] = []
        self._in_connects: list[str] = []
        self._in_sockopts: list[tuple[int, Any]] = []
        self._out_binds: list[str] = []
        self._out_connects: list[str] = []
        self._out_sockopts: list[tuple[int, Any]] = []
        self._random_addrs: list[str] = []
        self._sockets: list[Socket] = []
        self._context: Context | None = None
        self._done_event = threading.Event()
        self.daemon = True
        self.done = False

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # a process device under the spawn/forkserver start methods is pickled: leave
        # out what only makes sense in this process (threads, sockets, the launcher)
        state = dict(self.__dict__)
        for key in ("_done_event", "_context", "launcher"):
            state.pop(key, None)
        state["_sockets"] = []
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._context = None
        self._done_event = threading.Event()
        if self.done:
            self._done_event.set()

    # ------------------------------------------------------------------ configuration
    def bind_in(self, addr: str) -> None:
        """Bind the frontend socket to ``addr`` when the device starts."""
        self._in_binds.append(addr)

    def bind_in_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        """Reserve a free port of ``addr`` now and bind the frontend to it on start.

        Takes the arguments of :meth:`~purezmq.Socket.bind_to_random_port`
        (``min_port``, ``max_port``, ``max_tries``).

        Returns:
            The port.
        """
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_in(f"{addr}:{port}")
        return port

    def connect_in(self, addr: str) -> None:
        """Connect the frontend socket to ``addr`` when the device starts."""
        self._in_connects.append(addr)

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Set option ``opt`` of the frontend socket when the device starts."""
        self._in_sockopts.append((opt, value))

    def bind_out(self, addr: str) -> None:
        """Bind the backend socket to ``addr`` when the device starts."""
        self._out_binds.append(addr)

    def bind_out_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        """Reserve a free port of ``addr`` now and bind the backend to it on start.

        Returns:
            The port.
        """
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_out(f"{addr}:{port}")
        return port

    def connect_out(self, addr: str) -> None:
        """Connect the backend socket to ``addr`` when the device starts."""
        self._out_connects.append(addr)

    def setsockopt_out(self, opt: int, value: Any) -> None:
        """Set option ``opt`` of the backend socket when the device starts."""
        self._out_sockopts.append((opt, value))

    def _reserve_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        # Bind a throw-away socket to learn a free port, as pyzmq does. The port is free
        # again by the time the device binds it, unless someone else takes it first:
        # the same race pyzmq has. Ports this device already reserved are skipped.
        ctx = Context()
        try:
            binder: Socket = ctx.socket(SocketType.PUSH)
            try:
                for _ in range(_RESERVE_TRIES):
                    port = binder.bind_to_random_port(addr, *args, **kwargs)
                    new_addr = f"{addr}:{port}"
                    if new_addr not in self._random_addrs:
                        break
                else:
                    raise ZMQBindError("Could not reserve random port.")
            finally:
                binder.close(0)
        finally:
            ctx.term()
        self._random_addrs.append(new_addr)
        return port

    # ------------------------------------------------------------------ running
    def _new_socket(self, socket_type: int) -> Socket:
        ctx = self._context
        assert ctx is not None  # set by _setup_sockets before any socket is made
        sock: Socket = ctx.socket(socket_type)
        self._sockets.append(sock)
        return sock

    def _setup_sockets(self) -> tuple[Socket, Socket]:
        """Create the context and the frontend/backend sockets, configured."""
        self._context = self.context_factory()
        ins = self._new_socket(self.in_type)
        outs = ins if self.out_type < 0 else self._new_socket(self.out_type)
        # every option first (ROUTING_ID must precede bind/connect), then binds, connects
        for opt, value in self._in_sockopts:
            ins.setsockopt(opt, value)
        for opt, value in self._out_sockopts:
            outs.setsockopt(opt, value)
        for addr in self._in_binds:
            ins.bind(addr)
        for addr in self._out_binds:
            outs.bind(addr)
        for addr in self._in_connects:
            ins.connect(addr)
        for addr in self._out_connects:
            outs.connect(addr)
        return ins, outs

    def run_device(self) -> None:
        """Create the sockets and run the proxy (called by :meth:`run`)."""
        ins, outs = self._setup_sockets()
        proxy(ins, outs)

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            if not sock.closed:
                sock.close()

    def run(self) -> None:
        """Run the device in this thread until it stops.

        A terminated context (ETERM) or a closed socket (ENOTSOCK) is the normal way a
        device ends and is not raised; its sockets are closed either way.
        """
        try:
            self.run_device()
        except ZMQError as e:
            if e.errno not in (Errno.ETERM, Errno.ENOTSOCK):
                raise
        finally:
            self.done = True
            self._done_event.set()
            self._close_sockets()

    def start(self) -> None:
        """Start the device; for a plain Device this runs it in the calling thread."""
        self.run()

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds (None: forever) for the device to stop."""
        self._done_event.wait(timeout)


class BackgroundDevice(Device):
    """A Device run by a launcher (a thread or a process) started by :meth:`start`."""

    launcher: _Launcher | None = None
    _launch_class: ClassVar[type[threading.Thread] | type[Process] | None] = None

    def start(self) -> None:
        """Start the device in the background and return at once."""
        cls = self._launch_class
        if cls is None:
            raise NotImplementedError("BackgroundDevice needs a _launch_class")
        launcher: _Launcher = cls(target=self.run)
        launcher.daemon = self.daemon
        self.launcher = launcher
        launcher.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds (None: forever) for the launcher to finish."""
        if self.launcher is not None:
            self.launcher.join(timeout)


class ThreadDevice(BackgroundDevice):
    """A Device run in a background thread (see :class:`Device`)."""

    _launch_class = threading.Thread


class ProcessDevice(BackgroundDevice):
    """A Device run in a background process (see :class:`Device`).

    The process creates its own context (``context_factory`` is :class:`Context`):
    a context inherited through fork must never be used.
    """

    _launch_class = Process
    context_factory: ClassVar[ContextFactory] = Context
