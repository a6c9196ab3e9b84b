"""Side-by-side benchmarks: purezmq against pyzmq, measured in the same run.

A thin wrapper around :mod:`purezmq.benchmark` (the same as ``purezmq bench``); see
docs/performance.md for the method and the latest numbers.

Usage:
    python bench/bench.py [--quick] [--runs N] [--workloads LIST] [--impls LIST]
                          [--transport tcp|ipc|inproc] [--check-targets]
                          [--json FILE] [--plot FILE]

Speed is never asserted in tests; this script only measures and prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from purezmq.benchmark import main
except ImportError:  # run from a checkout without installing: use its src/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from purezmq.benchmark import main

# The guard matters: the benchmark's child processes re-import this module.
if __name__ == "__main__":
    sys.exit(main())
