"""MonitoredQueue devices: :func:`monitored_queue` run as a Device."""

from __future__ import annotations

from purezmq.constants import SocketType
from purezmq.devices.monitoredqueue import monitored_queue
from purezmq.devices.proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["MonitoredQueue", "ProcessMonitoredQueue", "ThreadMonitoredQueue"]


class MonitoredQueueBase(ProxyBase):
    """What the MonitoredQueue devices change in the Proxy devices: tagged copies.

    Args:
        in_type: the ``in`` socket type.
        out_type: the ``out`` socket type.
        mon_type: the monitor socket type (PUB by default).
        in_prefix: first frame of the copies of messages from the ``in`` socket.
        out_prefix: first frame of the copies of messages from the ``out`` socket.
    """

    def __init__(
        self,
        in_type: int,
        out_type: int,
        mon_type: int = SocketType.PUB,
        in_prefix: bytes = b"in",
        out_prefix: bytes = b"out",
    ) -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        """Create the three sockets and run :func:`monitored_queue`."""
        ins, outs = self._setup_sockets()
        mons = self._setup_mon_socket()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A queue device that publishes a tagged copy of every message it relays.

    Like :class:`~purezmq.devices.Proxy`, except that the copy on the monitor socket
    starts with ``in_prefix`` or ``out_prefix`` depending on the direction, and that
    ROUTER may be used on both sides (see :func:`monitored_queue`).
    """


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A :class:`MonitoredQueue` run in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A :class:`MonitoredQueue` run in a background process."""
