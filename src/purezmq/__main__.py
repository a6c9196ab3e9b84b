"""``python -m purezmq``: the ``purezmq`` command (see :mod:`purezmq.cli`)."""

from __future__ import annotations

import sys

from purezmq.cli import main

if __name__ == "__main__":
    sys.exit(main())
