"""One reader of PULL + SUB + kill-switch SUB, with a Poller (or one task per socket).

The code lives in :mod:`purezmq.examples.poller` (so that ``purezmq demo poller`` works
after ``pip install``); read it there. This script only runs it.

Run: python examples/poller.py [--asyncio]
"""

from __future__ import annotations

import sys

from purezmq.examples import poller

if __name__ == "__main__":
    sys.exit(poller.run(asyncio="--asyncio" in sys.argv[1:]))
