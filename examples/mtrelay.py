"""Multithreaded relay: three steps signalling each other over inproc PAIR sockets.

The code lives in :mod:`purezmq.examples.mtrelay` (so that ``purezmq demo mtrelay`` works
after ``pip install``); read it there. This script only runs it.

Run: python examples/mtrelay.py [--asyncio]
"""

from __future__ import annotations

import sys

from purezmq.examples import mtrelay

if __name__ == "__main__":
    sys.exit(mtrelay.run(asyncio="--asyncio" in sys.argv[1:]))
