"""Proxy devices: a Device with a third, capture ("monitor") socket."""

from __future__ import annotations

from typing import Any

from purezmq.constants import DeviceType, SocketType
from purezmq.devices.basedevice import Device, ProcessDevice, ThreadDevice
from purezmq.proxy import proxy
from purezmq.sync.socket import Socket

__all__ = ["ProcessProxy", "Proxy", "ThreadProxy"]


class ProxyBase(Device):
    """What the Proxy devices add to :class:`Device`: the monitor socket.

    Args:
        in_type: the frontend socket type.
        out_type: the backend socket type (negative: use the frontend for both).
        mon_type: the monitor socket type (PUB by default).
    """

    def __init__(self, in_type: int, out_type: int, mon_type: int = SocketType.PUB) -> None:
        Device.__init__(self, DeviceType.QUEUE, in_type, out_type)
        self.mon_type = mon_type
        self._mon_binds: list[str] = []
        self._mon_connects: list[str] = []
        self._mon_sockopts: list[tuple[int, Any]] = []

    def bind_mon(self, addr: str) -> None:
        """Bind the monitor socket to ``addr`` when the device starts."""
        self._mon_binds.append(addr)

    def bind_mon_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        """Reserve a free port of ``addr`` now and bind the monitor socket to it on start.

        Returns:
            The port.
        """
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_mon(f"{addr}:{port}")
        return port

    def connect_mon(self, addr: str) -> None:
        """Connect the monitor socket to ``addr`` when the device starts."""
        self._mon_connects.append(addr)

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Set option ``opt`` of the monitor socket when the device starts."""
        self._mon_sockopts.append((opt, value))

    def _setup_mon_socket(self) -> Socket:
        mons = self._new_socket(self.mon_type)
        for opt, value in self._mon_sockopts:
            mons.setsockopt(opt, value)
        for addr in self._mon_binds:
            mons.bind(addr)
        for addr in self._mon_connects:
            mons.connect(addr)
        return mons

    def run_device(self) -> None:
        """Create the three sockets and run :func:`~purezmq.proxy.proxy` with capture."""
        ins, outs = self._setup_sockets()
        mons = self._setup_mon_socket()
        proxy(ins, outs, mons)


class Proxy(ProxyBase, Device):
    """A proxy device with a monitor socket that gets a copy of every message.

    See :class:`~purezmq.devices.Device`; every ``*_in``/``*_out`` method has a
    ``*_mon`` twin for the monitor socket. PUB is the natural monitor type.
    """


class ThreadProxy(ProxyBase, ThreadDevice):
    """A :class:`Proxy` run in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A :class:`Proxy` run in a background process."""
