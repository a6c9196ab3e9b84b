"""The frame decoder alone: nanoseconds per message for one 64 KiB read of each stream.

Each stream is encoded once, then fed to a fresh ``FrameDecoder.read_messages`` as the
engine calls it (``make_message`` None); the figure is the best of ``--rounds`` reads.
With ``--against REV``, the decoder of that git revision (its ``frames.py``, taken with
``git show``) is measured in the same process, alternating with this checkout's, and
the ratio new / old is printed: the two see the same drift.

Usage:
    python bench/decode.py [--rounds 300] [--against REV]

Speed is never asserted in tests; this script only measures and prints.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from purezmq.zmtp import frames  # noqa: E402


def streams() -> dict[str, list[list[bytes]]]:
    """The streams measured: equal sizes (one run), mixed sizes, runs, multipart."""
    rng = random.Random(1)
    return {
        "16 B": [[b"x" * 16]] * 3640,
        "256 B": [[b"x" * 256]] * 247,
        "1000 B": [[b"x" * 1000]] * 64,
        "random 10-30 B": [[b"x" * rng.randint(10, 30)] for _ in range(2000)],
        "16/17 B alternating": [[b"x" * (16 + i % 2)] for i in range(2000)],
        "runs of 8": [[b"x" * (16 + (i // 8) % 2)] for i in range(2000)],
        "runs of 20": [[b"x" * (16 + (i // 20) % 2)] for i in range(2000)],
        "runs of 40": [[b"x" * (16 + (i // 40) % 2)] for i in range(2000)],
        "two frames": [[b"a" * 5, b"x" * 16]] * 2000,
        "30 x 16 B (short read)": [[b"x" * 16]] * 30,
    }


def load_revision(rev: str) -> ModuleType:
    """``frames.py`` of git revision ``rev``, as a module of its own."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:src/purezmq/zmtp/frames.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "frames_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("frames_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_read(module: ModuleType, data: bytes, expected: int) -> float:
    """Seconds taken by one read of ``data`` into a fresh decoder."""
    decoder = module.FrameDecoder()
    out: list[object] = []
    t0 = time.perf_counter()
    decoder.read_messages(data, out, None, lambda body, sink: True)
    elapsed = time.perf_counter() - t0
    assert len(out) == expected
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--against", metavar="REV", help="also measure this git revision")
    args = parser.parse_args()
    modules = [frames] if args.against is None else [load_revision(args.against), frames]
    header = "| stream | ns/msg |" if len(modules) == 1 else "| stream | old | new | new/old |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name, msgs in streams().items():
        data = frames.encode_messages(msgs, 1 << 40)
        assert data is not None
        best = [float("inf")] * len(modules)
        for _ in range(args.rounds):
            for i, module in enumerate(modules):
                best[i] = min(best[i], best_read(module, data[0], len(msgs)))
        per = [b / len(msgs) * 1e9 for b in best]
        if len(per) == 1:
            print(f"| {name} | {per[0]:.0f} |")
        else:
            print(f"| {name} | {per[0]:.0f} | {per[1]:.0f} | {per[1] / per[0]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
