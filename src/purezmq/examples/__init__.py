"""The seed applications, runnable as ``purezmq demo NAME [--asyncio]``.

Each demo is a module with ``run(asyncio=False, out=print_line) -> int`` (0 on
success; ``out`` receives every line the demo prints) and ``main()``. Every demo binds
to ``tcp://127.0.0.1:*`` or inproc (no fixed ports), finishes in well under a second,
and joins every thread, closes every socket and terminates its context before it
returns.

- ``mtserver``: a ROUTER/DEALER queue joined by the proxy, in front of five REP
  workers; shows that requests are served in parallel.
- ``mtrelay``: three steps signalling each other over inproc PAIR sockets.
- ``poller``: one reader of a PULL, a SUB and a kill-switch SUB, with a Poller (or
  one task per socket with ``--asyncio``).
- ``broker``: REQ clients, a poller-based ROUTER/DEALER broker, REP workers and a kill
  signal.
- ``broker-threads``: the same with one thread per direction sharing the broker's
  sockets: broken with libzmq, safe with purezmq.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from purezmq.examples._common import Out

__all__ = ["DEMOS", "Demo", "load"]


class Demo(Protocol):
    """What a demo module provides."""

    def run(self, asyncio: bool = ..., out: Out = ...) -> int:
        """Run the demo; 0 on success."""
        ...


#: Demo name -> (module name, one-line summary), in the order ``demo --list`` shows.
DEMOS: dict[str, tuple[str, str]] = {
    "mtserver": ("mtserver", "ROUTER/DEALER proxy in front of 5 REP workers, served in parallel"),
    "mtrelay": ("mtrelay", "three steps signalling each other over inproc PAIR sockets"),
    "poller": ("poller", "one reader of PULL + SUB + kill-switch SUB (Poller, or tasks)"),
    "broker": ("broker", "REQ clients, poller broker (ROUTER/DEALER), REP workers, kill signal"),
    "broker-threads": (
        "broker_threads",
        "the broker as one thread per direction on shared sockets (safe in purezmq)",
    ),
}


def load(name: str) -> Demo:
    """The module of demo ``name``.

    Raises:
        KeyError: there is no such demo.
    """
    module, _ = DEMOS[name]
    demo: Demo = importlib.import_module(f"purezmq.examples.{module}")
    return demo
