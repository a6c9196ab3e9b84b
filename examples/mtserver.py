"""Multithreaded Hello World server: ROUTER/DEALER proxy in front of 5 REP workers.

The code lives in :mod:`purezmq.examples.mtserver` (so that ``purezmq demo mtserver`` works
after ``pip install``); read it there. This script only runs it.

Run: python examples/mtserver.py [--asyncio]
"""

from __future__ import annotations

import sys

from purezmq.examples import mtserver

if __name__ == "__main__":
    sys.exit(mtserver.run(asyncio="--asyncio" in sys.argv[1:]))
