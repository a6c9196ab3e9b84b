"""Long fuzz run of the ZMTP parsers and handshakes (docs/reliability.md, "Fuzzing").

Drives the targets of ``tests/zmtp/test_fuzz_handshakes.py`` (the frame decoder's three
readers, the greeting parser, and the handshake of every mechanism and role, fed a valid
prefix of a real exchange followed by mutations) for N inputs, and prints inputs/s and
any failure. Each input is a byte string decoded into the targets' structured arguments
by :class:`Draw`, so the same input format serves two engines:

* ``atheris`` (preferred; coverage-guided libFuzzer, ``pip install atheris``): seeded with
  one whole valid transcript per target; a failure is written as ``crash-*`` under
  ``--artifacts`` and the process exits non-zero;
* ``hypothesis`` (fallback, always available in the dev extras): random byte strings,
  ``max_examples=N``; a failure prints the input in hex.

Usage (from the repository root)::

    nice -n 19 python tools/fuzz_long.py --runs 1000000
    python tools/fuzz_long.py --engine hypothesis --runs 20000 --target curve_server
    python tools/fuzz_long.py --replay crash-1234abcd   # re-run one saved input
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

MAX_LEN = 4096


class Draw:
    """Reads structured values from fuzzer bytes; an exhausted input reads as zeros."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def u8(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def u16(self) -> int:
        return self.u8() << 8 | self.u8()

    def blob(self, max_size: int) -> bytes:
        n = self.u8() % (max_size + 1)
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


def make_runner(targets: Sequence[str]) -> tuple[Callable[[bytes], None], Counter[str]]:
    """Return ``one_input(data)`` over ``targets`` and the per-target counter."""
    from tests.zmtp import test_fuzz_handshakes as fz

    counts: Counter[str] = Counter()
    limits = (-1, 0, 1, 255, 256, 1000)
    mechs = (b"NULL", b"PLAIN", b"CURVE", b"NULL\x00X", b"GSSAPI")

    def mutations(d: Draw, max_n: int) -> list[tuple[int, int, bytes]]:
        return [(d.u8() % 5, d.u16(), d.blob(12)) for _ in range(d.u8() % (max_n + 1))]

    def cuts(d: Draw) -> list[int]:
        return [d.u16() for _ in range(d.u8() % 7)]

    def one_input(data: bytes) -> None:
        d = Draw(data)
        target = targets[d.u8() % len(targets)]
        counts[target] += 1
        if target == "frames":
            limit = limits[d.u8() % len(limits)]
            c = cuts(d)
            fz.run_frames(data[d.pos :], c, limit)
        elif target == "greeting":
            ours = mechs[d.u8() % 3]
            theirs = mechs[d.u8() % len(mechs)]
            minor = d.u8()
            fz.run_greeting(ours, theirs, minor, mutations(d, 4), cuts(d))
        else:
            at_frame = bool(d.u8() & 1)
            prefix = d.u16()
            muts = mutations(d, 3)
            garbage = d.blob(40)
            c = cuts(d)
            zap = [fz.ZAP_CODES[d.u8() % len(fz.ZAP_CODES)] for _ in range(1 + d.u8() % 2)]
            timers = [d.u8() % 11 for _ in range(d.u8() % 3)]
            fz.run_handshake(target, prefix, muts, garbage, c, zap, timers, at_frame)

    return one_input, counts


def seed(targets: Sequence[str], target: str) -> bytes:
    """An input that replays the whole valid transcript of ``target`` (no mutation)."""
    from tests.zmtp import test_fuzz_handshakes as fz

    index = bytes((targets.index(target),))
    if target == "frames":
        return index + b"\x00\x00" + bytes.fromhex("0103616263000178040541424344")
    if target == "greeting":
        return index + b"\x00\x00\x01"
    n = len(fz.transcript(target).wire)
    return index + b"\x00" + n.to_bytes(2, "big") + bytes(6)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="inputs to run")
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument("--target", action="append", help="restrict to these targets")
    parser.add_argument("--report", type=int, default=100_000, help="progress every N inputs")
    parser.add_argument("--artifacts", default=".", help="where atheris writes crash-* files")
    parser.add_argument("--replay", help="run one saved input file and exit")
    args = parser.parse_args(argv)

    engine = args.engine
    if engine in ("auto", "atheris"):
        try:
            import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError:
            if engine == "atheris":
                raise
            engine = "hypothesis"
        else:
            engine = "atheris"
            # Coverage feedback from the code under test only.
            with atheris.instrument_imports(include=["purezmq"]):
                import purezmq.zmtp  # noqa: F401
                from purezmq.zmtp.mechanisms import curve, plain  # noqa: F401

    from tests.zmtp.test_fuzz_handshakes import SCENARIOS

    all_targets = ["frames", "greeting", *sorted(SCENARIOS)]
    targets = args.target or all_targets
    unknown = set(targets) - set(all_targets)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {all_targets}")
    one_input, counts = make_runner(targets)

    if args.replay:
        one_input(pathlib.Path(args.replay).read_bytes())
        print("replay: no failure")
        return 0

    start = time.monotonic()
    done = 0

    def progress(final: bool = False) -> None:
        elapsed = time.monotonic() - start
        rate = done / elapsed if elapsed else 0.0
        tag = "DONE" if final else "progress"
        print(
            f"{tag}: engine={engine} inputs={done} seconds={elapsed:.1f}"
            f" inputs/s={rate:.0f} per-target={dict(sorted(counts.items()))}",
            flush=True,
        )

    def counted(data: bytes) -> None:
        nonlocal done
        one_input(data)
        done += 1
        if done % args.report == 0 or done == args.runs:
            progress(final=done == args.runs)

    print(f"fuzz_long: engine={engine} runs={args.runs} targets={targets}", flush=True)
    if engine == "atheris":
        corpus = tempfile.mkdtemp(prefix="purezmq-fuzz-corpus-")
        for target in targets:
            pathlib.Path(corpus, f"seed-{target}").write_bytes(seed(targets, target))
        artifacts = os.path.join(os.path.abspath(args.artifacts), "")
        atheris.Setup(
            [
                sys.argv[0],
                corpus,
                f"-runs={args.runs}",
                f"-max_len={MAX_LEN}",
                f"-artifact_prefix={artifacts}",
                "-print_final_stats=1",
            ],
            counted,
        )
        atheris.Fuzz()  # libFuzzer exits the process when the runs are done
        return 0

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(
        max_examples=args.runs,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.binary(max_size=MAX_LEN))
    def fuzz(data: bytes) -> None:
        try:
            counted(data)
        except Exception:
            print(f"FAILURE on input {data.hex()}", flush=True)
            raise

    fuzz()
    if done % args.report and done != args.runs:
        progress(final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
