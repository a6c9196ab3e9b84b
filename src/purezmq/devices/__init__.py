"""Devices: proxies that create their own sockets and run in a thread or a process.

Mirrors pyzmq's ``zmq.devices``: :class:`Device`, :class:`Proxy`,
:class:`ProxySteerable` and :class:`MonitoredQueue`, each also as a ``Thread*`` and a
``Process*`` variant, plus :func:`monitored_queue`.
"""

from __future__ import annotations

# the submodules, DeviceType and the proxy functions are reachable here too, as in pyzmq
from purezmq.constants import DeviceType as DeviceType
from purezmq.devices import basedevice as basedevice
from purezmq.devices import monitoredqueue as monitoredqueue
from purezmq.devices import monitoredqueuedevice as monitoredqueuedevice
from purezmq.devices import proxydevice as proxydevice
from purezmq.devices import proxysteerabledevice as proxysteerabledevice
from purezmq.devices.basedevice import Device, ProcessDevice, ThreadDevice
from purezmq.devices.monitoredqueue import monitored_queue
from purezmq.devices.monitoredqueuedevice import (
    MonitoredQueue,
    ProcessMonitoredQueue,
    ThreadMonitoredQueue,
)
from purezmq.devices.proxydevice import ProcessProxy, Proxy, ThreadProxy
from purezmq.devices.proxysteerabledevice import (
    ProcessProxySteerable,
    ProxySteerable,
    ThreadProxySteerable,
)
from purezmq.proxy import device as device
from purezmq.proxy import proxy as proxy
from purezmq.proxy import proxy_steerable as proxy_steerable

__all__ = [
    "Device",
    "MonitoredQueue",
    "ProcessDevice",
    "ProcessMonitoredQueue",
    "ProcessProxy",
    "ProcessProxySteerable",
    "Proxy",
    "ProxySteerable",
    "ThreadDevice",
    "ThreadMonitoredQueue",
    "ThreadProxy",
    "ThreadProxySteerable",
    "monitored_queue",
]
