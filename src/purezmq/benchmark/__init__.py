"""Side-by-side benchmarks: purezmq against pyzmq, measured in the same run.

The matrix (issue #7): PUSH/PULL throughput at 16 B, 256 B, 4 KiB, 64 KiB and 1 MiB;
PUB/SUB at 256 B with 1 and 4 subscribers (throughput at the slowest subscriber);
REQ/REP round trips at 16 B and 4 KiB (median and p99). Each is run by purezmq
(blocking), purezmq.asyncio (default loop and uvloop), pyzmq and zmq.asyncio, with
both ends of a workload using the same API, over tcp (default), ipc or inproc.

Run it as ``purezmq bench`` or ``python bench/bench.py`` (``--help`` for the options);
docs/performance.md describes the method. Speed is never asserted in tests: this
package only measures and reports.

Modules: :mod:`~purezmq.benchmark.workloads` (roles, run in the children),
:mod:`~purezmq.benchmark.runner` (processes, timeouts, the matrix),
:mod:`~purezmq.benchmark.report` (statistics, tables, targets),
:mod:`~purezmq.benchmark.plot` (the PNG, needs matplotlib).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from purezmq.benchmark import report, runner
from purezmq.benchmark import workloads as wl

__all__ = ["add_arguments", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark's options to ``parser`` (``purezmq bench`` shares them)."""
    names = ", ".join(w.name for w in wl.WORKLOADS)
    impls = ", ".join(i.name for i in wl.IMPLS)
    extra = ", ".join(i.name for i in wl.IMPLS if not i.default)
    add = parser.add_argument
    add("--quick", action="store_true", help="short runs (1 run, 0.1 s each): the matrix in ~2 min")
    add("--runs", type=int, metavar="N", help="measured runs per cell, median reported (default 3)")
    add("--workloads", metavar="LIST", help=f"comma-separated names or globs of: {names}")
    add(
        "--impls",
        metavar="LIST",
        help=f"comma-separated names or globs of: {impls} (default: all but {extra})",
    )
    add("--transport", default="tcp", metavar="T", help="tcp (default), ipc or inproc; or a list")
    add("--target-time", type=float, metavar="S", help="seconds per measurement (default 0.5)")
    add("--count", type=int, metavar="N", help="fixed messages per measurement (no calibration)")
    add(
        "--timeout", type=float, default=60.0, metavar="S", help="fail a measurement after S s (60)"
    )
    add("--check-targets", action="store_true", help="also check the targets of issue #7")
    add("--json", metavar="FILE", help="write machine facts, settings and every sample as JSON")
    add("--plot", metavar="FILE", help="draw the results as a PNG (needs matplotlib)")
    add("--load", metavar="FILE", help="report a --json FILE instead of measuring")
    add("--quiet", action="store_true", help="no progress lines on stderr")


def _references() -> dict[str, tuple[str, ...]]:
    return {i.name: i.references for i in wl.IMPLS}


def run(args: argparse.Namespace, out: Any = None) -> int:
    """Measure (or ``--load``) and report as the parsed options say; the exit status.

    Raises:
        ValueError: bad option values (a usage error).
    """
    out = out if out is not None else sys.stdout
    if args.load:
        with open(args.load, encoding="utf-8") as f:
            data = json.load(f)
        facts, settings = data["machine"], data["settings"]
        cells = [report.Cell.from_json(c) for c in data["cells"]]
    else:
        plan = runner.build_plan(args)
        plan.impls, notes = runner.available_impls(plan.impls)
        for note in notes:
            sys.stderr.write(f"note: {note}\n")
        facts = report.machine_facts()
        settings = {
            "runs": plan.runs,
            "target_time": plan.target_time,
            "count": plan.count,
            "transports": list(plan.transports),
            "workloads": [w.name for w in plan.workloads],
            "impls": [i.name for i in plan.impls],
        }
        log = None if args.quiet else sys.stderr
        cells = runner.run_matrix(plan, log=log)
    print(report.format_machine(facts), file=out)
    print(
        f"medians of {settings['runs']} runs; ratio: msg/s over the reference's "
        "(higher is better), REQ/REP: median round trip over the reference's (lower is "
        "better)\n",
        file=out,
    )
    print(report.format_table(cells, _references()), file=out)
    errors = report.format_errors(cells)
    if errors:
        print(f"\nfailed runs:\n{errors}", file=out)
    checked = report.check_targets(cells)
    if args.check_targets:
        print("\n" + report.format_targets(checked), file=out)
    if args.json and not args.load:
        data = {
            "machine": facts,
            "settings": settings,
            "cells": [c.to_json() for c in cells],
            "targets": [
                {"target": t.text, "transport": tr, "ratio": v, "verdict": verdict}
                for t, tr, v, verdict in checked
            ],
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
    if args.plot:
        from purezmq.benchmark.plot import plot

        plot(cells, facts, args.plot, _references())
    return 1 if any(not c.ok for c in cells) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``bench/bench.py`` (``purezmq bench`` calls :func:`run`)."""
    parser = argparse.ArgumentParser(
        description="Benchmark purezmq against pyzmq (see docs/performance.md)."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ValueError as e:
        parser.error(str(e))
    except ImportError as e:  # matplotlib for --plot
        sys.stderr.write(f"bench: error: {e}\n")
        return 1
