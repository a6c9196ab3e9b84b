"""Fixtures for interop tests: ours against libzmq 4.3.5 (through pyzmq), both directions."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from tests.sockets._ours import Endpoints, Side, load_ours

TRANSPORTS = ["tcp", "ipc"]


class Net:
    """Two sides (ours, libzmq) plus the transport and direction of the current case."""

    def __init__(self, ours: Side, libzmq: Side, transport: str, ours_binds: bool) -> None:
        self.ours = ours
        self.zmq = libzmq
        self.transport = transport
        self.ours_binds = ours_binds
        self.endpoints = Endpoints()
        self._bound: list[tuple[Any, str]] = []

    def side_of(self, sock: Any) -> Side:
        if self.ours.owns(sock):
            return self.ours
        if self.zmq.owns(sock):
            return self.zmq
        raise AssertionError(f"socket {sock!r} was not made by a fixture side")

    def bind(self, sock: Any) -> str:
        ep = self.endpoints.bind(self.side_of(sock).mod, sock, self.transport)
        self._bound.append((sock, ep))
        return ep

    def endpoint_of(self, sock: Any) -> str:
        """The (last) endpoint ``sock`` was bound to by this fixture."""
        for s, ep in reversed(self._bound):
            if s is sock:
                return ep
        raise AssertionError("socket was not bound by this fixture")

    def binds(self, sock: Any) -> bool:
        """Whether ``sock`` is the binding side in this case's direction."""
        return (self.side_of(sock) is self.ours) == self.ours_binds

    def link(self, a: Any, b: Any) -> str:
        """Connect one ours socket and one libzmq socket; ours binds iff ``ours_binds``."""
        assert self.side_of(a) is not self.side_of(b), "link() joins ours to libzmq"
        binder, connecter = (a, b) if self.binds(a) else (b, a)
        ep = self.bind(binder)
        connecter.connect(ep)
        return ep

    def monitor(self, sock: Any) -> Any:
        """A monitor of ``sock`` (every event; RCVTIMEO 5 s), closed with its side."""
        side = self.side_of(sock)
        mon = sock.get_monitor_socket()
        side.sockets.append(mon)
        mon.setsockopt(side.mod.RCVTIMEO, 5000)
        return mon

    def handshakes(self, mon: Any, sock: Any, n: int = 1) -> None:
        """Read ``mon`` (a monitor of ``sock``) until ``n`` handshakes succeeded."""
        done = self.side_of(sock).mod.EVENT_HANDSHAKE_SUCCEEDED
        while n:
            n -= recv_monitor_message(mon)["event"] == done

    def star(self, center: Any, peers: list[Any]) -> None:
        """Connect ``center`` to every peer; the ours side binds iff ``ours_binds``."""
        if self.binds(center):
            ep = self.bind(center)
            for p in peers:
                p.connect(ep)
        else:
            for p in peers:
                center.connect(self.bind(p))


@pytest.fixture
def ours() -> ModuleType:
    return load_ours()


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[True, False], ids=["ours-binds", "zmq-binds"])
def ours_binds(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    e = Endpoints()
    yield e
    e.cleanup()


@pytest.fixture
def ours_side(ours: ModuleType, endpoints: Endpoints) -> Iterator[Side]:
    s = Side(ours, "ours")
    yield s
    s.close()


@pytest.fixture
def zmq_side(endpoints: Endpoints) -> Iterator[Side]:
    s = Side(zmq, "libzmq")
    yield s
    s.close()


@pytest.fixture
def net(ours_side: Side, zmq_side: Side, transport: str, ours_binds: bool) -> Iterator[Net]:
    n = Net(ours_side, zmq_side, transport, ours_binds)
    yield n
    # Close sockets before removing the ipc directory they live in.
    ours_side.close()
    zmq_side.close()
    n.endpoints.cleanup()
