"""Steerable proxy devices: a Proxy with a control socket (PAUSE/RESUME/TERMINATE/STATISTICS)."""

from __future__ import annotations

from typing import Any

from purezmq.constants import SocketType
from purezmq.devices.proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy
from purezmq.proxy import proxy_steerable
from purezmq.sync.socket import Socket

__all__ = ["ProcessProxySteerable", "ProxySteerable", "ThreadProxySteerable"]


class ProxySteerableBase(ProxyBase):
    """What the steerable devices add to the Proxy devices: the control socket.

    Args:
        in_type: the frontend socket type.
        out_type: the backend socket type.
        mon_type: the monitor socket type (PUB by default).
        ctrl_type: the control socket type (PAIR or REP); required before start.
    """

    def __init__(
        self,
        in_type: int,
        out_type: int,
        mon_type: int = SocketType.PUB,
        ctrl_type: int | None = None,
    ) -> None:
        super().__init__(in_type=in_type, out_type=out_type, mon_type=mon_type)
        self.ctrl_type = ctrl_type
        self._ctrl_binds: list[str] = []
        self._ctrl_connects: list[str] = []
        self._ctrl_sockopts: list[tuple[int, Any]] = []

    def bind_ctrl(self, addr: str) -> None:
        """Bind the control socket to ``addr`` when the device starts."""
        self._ctrl_binds.append(addr)

    def bind_ctrl_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        """Reserve a free port of ``addr`` now and bind the control socket to it on start.

        Returns:
            The port.
        """
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_ctrl(f"{addr}:{port}")
        return port

    def connect_ctrl(self, addr: str) -> None:
        """Connect the control socket to ``addr`` when the device starts."""
        self._ctrl_connects.append(addr)

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Set option ``opt`` of the control socket when the device starts."""
        self._ctrl_sockopts.append((opt, value))

    def _setup_ctrl_socket(self) -> Socket:
        if self.ctrl_type is None:
            raise TypeError("ctrl_type must be specified")
        ctrls = self._new_socket(self.ctrl_type)
        for opt, value in self._ctrl_sockopts:
            ctrls.setsockopt(opt, value)
        for addr in self._ctrl_binds:
            ctrls.bind(addr)
        for addr in self._ctrl_connects:
            ctrls.connect(addr)
        return ctrls

    def run_device(self) -> None:
        """Create the four sockets and run :func:`~purezmq.proxy.proxy_steerable`."""
        ins, outs = self._setup_sockets()
        mons = self._setup_mon_socket()
        ctrls = self._setup_ctrl_socket()
        proxy_steerable(ins, outs, mons, ctrls)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A proxy device steered through a control socket.

    ``PAUSE`` suspends relaying, ``RESUME`` restarts it, ``TERMINATE`` stops the device
    and ``STATISTICS`` is answered with the eight counters (see
    :func:`~purezmq.proxy.proxy_steerable`). Every ``*_in`` method has a ``*_ctrl`` twin
    for the control socket.
    """


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A :class:`ProxySteerable` run in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A :class:`ProxySteerable` run in a background process."""
