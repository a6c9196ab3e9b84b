"""Statistics, ratios, the tables and the JSON of a benchmark run (no I/O but files).

A *sample* is one measurement (one run of one workload by one implementation); a
*cell* gathers the samples of one (transport, workload, implementation) and reports
their median. Ratios compare a cell with its reference cell measured in the same run:
for throughput ``ours / reference`` (higher is better), for round trips ``ours /
reference`` of the median time (lower is better).
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "TARGETS",
    "Cell",
    "Sample",
    "Target",
    "check_targets",
    "format_machine",
    "format_table",
    "format_targets",
    "machine_facts",
    "percentile",
    "ratio",
    "reference_of",
    "summarize_latencies",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method.

    Nearest rank returns a value that was measured (no interpolation): the p99 of 100
    round trips is the 99th smallest, of 1000 the 990th.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} is not in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def summarize_latencies(seconds: Sequence[float]) -> dict[str, float]:
    """Round-trip times (seconds) as ``n``, ``elapsed`` (s), ``median_us``, ``p99_us``."""
    return {
        "n": float(len(seconds)),
        "elapsed": float(sum(seconds)),
        "median_us": statistics.median(seconds) * 1e6,
        "p99_us": percentile(seconds, 99) * 1e6,
    }


@dataclass
class Sample:
    """One measurement.

    Attributes:
        n: messages (round trips) timed.
        elapsed: seconds they took.
        msg_s: throughput (for PUB/SUB: the slowest subscriber's).
        median_us, p99_us: round-trip times (REQ/REP only).
    """

    n: int
    elapsed: float
    msg_s: float = 0.0
    median_us: float = 0.0
    p99_us: float = 0.0

    @classmethod
    def from_payloads(cls, kind: str, payloads: Sequence[dict[str, float]]) -> Sample:
        """Combine what the measuring roles reported (several subscribers: the slowest)."""
        if not payloads:
            raise ValueError("no measuring role reported")
        if kind == "latency":
            (p,) = payloads
            return cls(
                int(p["n"]), p["elapsed"], p["n"] / p["elapsed"], p["median_us"], p["p99_us"]
            )
        slowest = min(payloads, key=lambda p: p["n"] / p["elapsed"])
        return cls(int(slowest["n"]), slowest["elapsed"], slowest["n"] / slowest["elapsed"])


@dataclass
class Cell:
    """The samples of one (transport, workload, implementation), and its failures."""

    transport: str
    workload: str
    label: str
    kind: str
    size: int
    impl: str
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """At least one run succeeded."""
        return bool(self.samples)

    @property
    def msg_s(self) -> float:
        """Median throughput over the runs."""
        return statistics.median(s.msg_s for s in self.samples)

    @property
    def mb_s(self) -> float:
        """Median throughput in MB/s (10**6 bytes of payload per second)."""
        return self.msg_s * self.size / 1e6

    @property
    def median_us(self) -> float:
        """Median over the runs of each run's median round trip."""
        return statistics.median(s.median_us for s in self.samples)

    @property
    def p99_us(self) -> float:
        """Median over the runs of each run's p99 round trip."""
        return statistics.median(s.p99_us for s in self.samples)

    @property
    def value(self) -> float:
        """What ratios compare: msg/s, or the median round trip in us."""
        return self.median_us if self.kind == "latency" else self.msg_s

    @property
    def spread(self) -> float:
        """How much the runs disagree: (max - min) / median of the compared value."""
        values = [s.median_us if self.kind == "latency" else s.msg_s for s in self.samples]
        return (max(values) - min(values)) / self.value if self.value else 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (medians included for readers of the file)."""
        data = asdict(self)
        if self.ok:
            data["median"] = {"msg_s": self.msg_s, "mb_s": self.mb_s}
            if self.kind == "latency":
                data["median"].update(median_us=self.median_us, p99_us=self.p99_us)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cell:
        """The inverse of :meth:`to_json` (the medians are recomputed)."""
        fields = {k: v for k, v in data.items() if k not in ("samples", "median")}
        return cls(**fields, samples=[Sample(**s) for s in data.get("samples", [])])


def reference_of(cell: Cell, cells: Iterable[Cell], references: Sequence[str]) -> Cell | None:
    """The first of ``references`` measured (successfully) for the same row, if any."""
    by_impl = {
        c.impl: c
        for c in cells
        if c.ok and c.transport == cell.transport and c.workload == cell.workload
    }
    for name in references:
        if name in by_impl:
            return by_impl[name]
    return None


def ratio(cell: Cell, reference: Cell | None) -> float | None:
    """``cell`` over ``reference`` (msg/s, or median round-trip time); None if unknown."""
    if reference is None or not cell.ok or not reference.ok or reference.value <= 0:
        return None
    return cell.value / reference.value


# ------------------------------------------------------------------ machine facts
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("model name", "Hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions() -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        import zmq

        out["pyzmq"] = zmq.pyzmq_version()
        out["libzmq"] = zmq.zmq_version()
    except ImportError:
        out["pyzmq"] = out["libzmq"] = "not installed"
    import purezmq

    out["purezmq"] = purezmq.__version__
    try:
        import uvloop

        out["uvloop"] = str(getattr(uvloop, "__version__", "?"))
    except ImportError:
        out["uvloop"] = "not installed"
    return out


def machine_facts() -> dict[str, Any]:
    """What the numbers depend on: cores, CPU, Python, library versions, date, load."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "usable_cores": usable,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average": load,
        **_versions(),
    }


def format_machine(facts: dict[str, Any]) -> str:
    """The machine facts as a few lines of text."""
    return (
        f"date: {facts.get('date')}; cpu: {facts.get('cpu')}, {facts.get('cores')} cores "
        f"({facts.get('usable_cores')} usable), load {facts.get('load_average')}\n"
        f"{facts.get('python')} on {facts.get('os')}; purezmq {facts.get('purezmq')}, "
        f"pyzmq {facts.get('pyzmq')} (libzmq {facts.get('libzmq')}), "
        f"uvloop {facts.get('uvloop')}"
    )


# ------------------------------------------------------------------ tables
def _num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def format_table(cells: Sequence[Cell], references: Mapping[str, Sequence[str]]) -> str:
    """The results as a markdown table (readable as text, pastable into the docs).

    Args:
        cells: the cells, in the order to print.
        references: for each implementation name, its reference implementations.
    """
    head = ["transport", "workload", "impl", "msg/s", "MB/s", "median us", "p99 us"]
    head += ["ratio", "vs", "runs"]
    lines = [_row(head), _row(["---"] * 3 + ["---:"] * 4 + ["---:", "---", "---:"])]
    for c in cells:
        runs = f"{len(c.samples)}"
        if len(c.samples) > 1:
            runs += f" ±{c.spread * 50:.0f}%"  # half the range: the usual "±" reading
        if c.errors:
            runs += f" ({len(c.errors)} failed)"
        if not c.ok:
            lines.append(_row([c.transport, c.label, c.impl, "failed", "", "", "", "", "", runs]))
            continue
        ref = reference_of(c, cells, references.get(c.impl, ()))
        lat = c.kind == "latency"
        lines.append(
            _row(
                [
                    c.transport,
                    c.label,
                    c.impl,
                    "" if lat else _num(c.msg_s),
                    "" if lat else _num(c.mb_s, 1),
                    _num(c.median_us, 1) if lat else "",
                    _num(c.p99_us, 1) if lat else "",
                    _ratio_text(ratio(c, ref)),
                    ref.impl if ref else "",
                    runs,
                ]
            )
        )
    return "\n".join(lines)


def format_errors(cells: Sequence[Cell]) -> str:
    """One line per failed run (empty if none failed)."""
    return "\n".join(f"{c.transport} {c.workload} {c.impl}: {e}" for c in cells for e in c.errors)


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    """One of the issue's performance targets.

    Attributes:
        text: the target as the issue words it.
        workload: which workload it reads.
        impl: the implementation measured.
        reference: what it is compared with.
        bound: the ratio needed: at least (throughput) or at most (round-trip time).
    """

    text: str
    workload: str
    impl: str
    reference: str
    bound: float

    def met(self, value: float, kind: str) -> bool:
        """Whether a measured ratio meets the bound."""
        return value <= self.bound if kind == "latency" else value >= self.bound


#: The targets of issue #7 (asyncio: purezmq on the default loop, like zmq.asyncio).
TARGETS: tuple[Target, ...] = (
    Target("asyncio PUSH/PULL 256 B >= 5x zmq.asyncio", "pushpull-256", "purezmq.asyncio",
           "zmq.asyncio", 5.0),
    Target("asyncio REQ/REP 16 B round trip <= 0.5x zmq.asyncio's", "reqrep-16",
           "purezmq.asyncio", "zmq.asyncio", 0.5),
    Target("blocking PUSH/PULL 256 B >= 0.5x pyzmq", "pushpull-256", "purezmq", "pyzmq", 0.5),
    Target("blocking PUSH/PULL 16 B >= 0.5x pyzmq", "pushpull-16", "purezmq", "pyzmq", 0.5),
    Target("blocking PUSH/PULL 1 MiB >= 1.0x pyzmq", "pushpull-1m", "purezmq", "pyzmq", 1.0),
    Target("blocking REQ/REP 16 B round trip <= 1.5x pyzmq's", "reqrep-16", "purezmq",
           "pyzmq", 1.5),
    Target("blocking PUB/SUB 256 B >= 0.5x pyzmq", "pubsub-256x1", "purezmq", "pyzmq", 0.5),
)  # fmt: skip


def check_targets(cells: Sequence[Cell]) -> list[tuple[Target, str, float | None, str]]:
    """Each target per transport measured: (target, transport, ratio, verdict)."""
    out: list[tuple[Target, str, float | None, str]] = []
    transports = sorted({c.transport for c in cells}) or ["tcp"]
    for transport in transports:
        for t in TARGETS:
            pick = {
                c.impl: c
                for c in cells
                if c.transport == transport and c.workload == t.workload and c.ok
            }
            mine, ref = pick.get(t.impl), pick.get(t.reference)
            value = ratio(mine, ref) if mine is not None else None
            if value is None:
                verdict = "not measured"
            else:
                verdict = "met" if t.met(value, mine.kind if mine else "") else "NOT MET"
            out.append((t, transport, value, verdict))
    return out


def format_targets(checked: Sequence[tuple[Target, str, float | None, str]]) -> str:
    """The target check as a markdown table."""
    lines = [_row(["target (issue #7)", "transport", "needed", "measured", "verdict"])]
    lines.append(_row(["---", "---", "---:", "---:", "---"]))
    for t, transport, value, verdict in checked:
        lat = t.workload.startswith("reqrep")
        needed = f"{'<=' if lat else '>='} {t.bound:g}x"
        lines.append(_row([t.text, transport, needed, _ratio_text(value), verdict]))
    return "\n".join(lines)
