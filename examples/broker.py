"""REQ clients, a poller-based ROUTER/DEALER broker, REP workers and a kill signal.

The code lives in :mod:`purezmq.examples.broker` (so that ``purezmq demo broker`` works
after ``pip install``); read it there. This script only runs it.

Run: python examples/broker.py [--asyncio]
"""

from __future__ import annotations

import sys

from purezmq.examples import broker

if __name__ == "__main__":
    sys.exit(broker.run(asyncio="--asyncio" in sys.argv[1:]))
