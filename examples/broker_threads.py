"""The broker as one thread per direction on shared sockets (safe with purezmq).

The code lives in :mod:`purezmq.examples.broker_threads` (so that
``purezmq demo broker-threads`` works after ``pip install``); read it there. This
script only runs it.

Run: python examples/broker_threads.py [--asyncio]
"""

from __future__ import annotations

import sys

from purezmq.examples import broker_threads

if __name__ == "__main__":
    sys.exit(broker_threads.run(asyncio="--asyncio" in sys.argv[1:]))
