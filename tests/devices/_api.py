"""Shared helpers for the proxy and device tests.

The module under test is purezmq by default; ``PUREZMQ_OURS=zmq`` runs the same tests
against pyzmq/libzmq, which is how the expectations themselves are checked.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.sockets._ours import OURS_IS_PYZMQ, OURS_NAME, TIMEOUT_MS, load_ours

#: Upper bound for anything that must finish (a proxy stopping, a context terminating).
DEADLINE_S = 10.0


@dataclass
class Api:
    """The module under test and its proxy entry points."""

    mod: ModuleType
    proxy: Callable[..., Any]
    proxy_steerable: Callable[..., Any]
    device: Callable[..., Any]
    devices: ModuleType


def load_api() -> Api:
    """The proxy functions and the devices package of the module under test."""
    mod = load_ours()
    devices = importlib.import_module(OURS_NAME + ".devices")
    if OURS_IS_PYZMQ:
        return Api(mod, mod.proxy, mod.proxy_steerable, mod.device, devices)
    # purezmq.proxy the module (the package attribute may be rebound to the function)
    impl = importlib.import_module(OURS_NAME + ".proxy")
    return Api(mod, impl.proxy, impl.proxy_steerable, impl.device, devices)


@dataclass
class Running:
    """A proxy function running in a thread; it closes its sockets when it stops."""

    thread: threading.Thread
    outcome: list[Any] = field(default_factory=list)

    def join(self, timeout: float = DEADLINE_S) -> Any:
        """Wait (bounded) for the proxy to stop; return its result or the exception."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "proxy did not stop in time"
        return self.outcome[0]


class Harness:
    """One context; sockets with LINGER 0 and bounded timeouts; proxies run in threads.

    At teardown every client socket is closed, the context is terminated from another
    thread (bounded), and every proxy still running must stop with ETERM.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        self.mod = api.mod
        self.ctx = api.mod.Context()
        self.sockets: list[Any] = []
        self.running: list[Running] = []

    def socket(self, kind: int, **options: Any) -> Any:
        """A client socket of type ``kind`` (closed at teardown)."""
        sock = self.raw_socket(kind, **options)
        self.sockets.append(sock)
        return sock

    def raw_socket(self, kind: int, **options: Any) -> Any:
        """A socket nobody closes for you (hand it to a proxy, which closes it)."""
        mod = self.mod
        sock = self.ctx.socket(kind)
        sock.setsockopt(mod.LINGER, 0)
        sock.setsockopt(mod.RCVTIMEO, TIMEOUT_MS)
        sock.setsockopt(mod.SNDTIMEO, TIMEOUT_MS)
        for name, value in options.items():
            sock.setsockopt(getattr(mod, name), value)
        return sock

    def bind(self, sock: Any) -> str:
        """Bind to a wildcard tcp port; return the endpoint to connect to."""
        sock.bind("tcp://127.0.0.1:*")
        ep = sock.getsockopt(self.mod.LAST_ENDPOINT)
        assert isinstance(ep, bytes)
        return ep.decode()

    def run(self, fn: Callable[..., Any], *socks: Any) -> Running:
        """Run ``fn(*socks)`` in a thread; ``socks`` are closed when it stops."""
        running = Running(threading.Thread(target=lambda: None))

        def main() -> None:
            try:
                running.outcome.append(fn(*socks))
            except BaseException as e:
                running.outcome.append(e)
            finally:
                for s in socks:
                    if hasattr(s, "closed") and not s.closed:
                        s.close(0)

        running.thread = threading.Thread(target=main, daemon=True)
        running.thread.start()
        self.running.append(running)
        return running

    def term(self) -> None:
        """Terminate the context from another thread, bounded."""
        t = threading.Thread(target=self.ctx.term, daemon=True)
        t.start()
        t.join(DEADLINE_S)
        assert not t.is_alive(), "context could not terminate"

    def close(self) -> None:
        """Close the client sockets, terminate, check every proxy stopped with ETERM."""
        for s in self.sockets:
            if not s.closed:
                s.close(0)
        self.sockets.clear()
        self.term()
        for r in self.running:
            result = r.join()
            eterm = isinstance(result, self.mod.ZMQError) and result.errno == self.mod.ETERM
            if isinstance(result, BaseException) and not eterm:
                raise result
