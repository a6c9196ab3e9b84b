"""The benchmark results as a PNG (matplotlib, imported only when a plot is asked for).

Top row: absolute numbers per workload (msg/s for PUSH/PULL and PUB/SUB on log scales,
since the implementations differ by orders of magnitude; median round trip for REQ/REP).
Bottom row: each purezmq flavour's ratio to its reference, with the issue's targets.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from purezmq.benchmark.report import TARGETS, Cell, ratio, reference_of

__all__ = ["plot"]

#: one colour per implementation, pyzmq's in greys so that purezmq's stand out
COLOURS = {
    "pyzmq": "#7f7f7f",
    "zmq.asyncio": "#c7c7c7",
    "zmq.asyncio+uvloop": "#e0e0e0",
    "purezmq": "#1f77b4",
    "purezmq.asyncio": "#ff7f0e",
    "purezmq.asyncio+uvloop": "#2ca02c",
    # the floors (no ZeroMQ): colours of their own, not purezmq's
    "asyncio-echo": "#9467bd",
    "asyncio-echo+uvloop": "#c5b0d5",
    "asyncio-task-echo": "#8c564b",
    "asyncio-task-echo+uvloop": "#c49c94",
}


def _import_pyplot() -> Any:
    try:
        # imported by name: matplotlib is optional, so mypy must not need its stubs
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise ImportError(
            "--plot needs matplotlib: pip install 'purezmq[plot]' (or matplotlib)"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed
    return importlib.import_module("matplotlib.pyplot")


def _bars(ax: Any, cells: Sequence[Cell], value: str, impls: Sequence[str], log: bool) -> None:
    """Grouped bars: one group per workload, one bar per implementation."""
    workloads = list(dict.fromkeys(c.workload for c in cells))
    labels = {c.workload: c.label for c in cells}
    # only implementations with a bar here (the floors have only REQ/REP): an empty bar
    # call would still put an entry, in a default colour, into the legend
    impls = [i for i in impls if any(c.impl == i and c.ok for c in cells)]
    width = 0.8 / max(len(impls), 1)
    for k, impl in enumerate(impls):
        xs, ys = [], []
        for j, w in enumerate(workloads):
            for c in cells:
                if c.workload == w and c.impl == impl and c.ok:
                    xs.append(j + (k - (len(impls) - 1) / 2) * width)
                    ys.append(getattr(c, value))
        ax.bar(xs, ys, width, label=impl, color=COLOURS.get(impl), edgecolor="black", lw=0.4)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels([_tick(labels[w]) for w in workloads], fontsize=8)
    if log:  # throughputs differ by orders of magnitude; round trips do not
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(_ticker().NullFormatter())
    ax.yaxis.set_major_formatter(_ticker().FuncFormatter(lambda v, _: _si(v)))
    ax.grid(axis="y", which="both", alpha=0.3)


def _tick(label: str) -> str:
    """A workload's label on lines of its own: the pattern, the size, and whatever
    else the label says ("REQ/REP" over "16 B" over "via proxy"). Side by side, the
    labels of neighbouring groups overlapped."""
    pattern, _, rest = label.partition(" ")
    if not rest:
        return pattern
    parts = rest.split(" ", 2)
    return "\n".join([pattern, " ".join(parts[:2]), *parts[2:]])


def _ticker() -> Any:
    return importlib.import_module("matplotlib.ticker")


def _si(value: float) -> str:
    """Axis numbers people read at a glance: 2k, 500k, 1.5M."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def plot(
    cells: Sequence[Cell],
    facts: dict[str, Any],
    path: str,
    references: Mapping[str, Sequence[str]],
) -> None:
    """Draw the results of one transport (the first measured) into a PNG at ``path``.

    Raises:
        ImportError: matplotlib is not installed (the message says how to get it).
    """
    plt = _import_pyplot()
    transport = cells[0].transport if cells else "tcp"
    cells = [c for c in cells if c.transport == transport]
    impls = list(dict.fromkeys(c.impl for c in cells))
    fig = plt.figure(figsize=(13, 8.5), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[5, 1.6, 3.4])
    panels = (
        ("pushpull", "msg_s", "PUSH/PULL: messages/s\n(higher is better)"),
        ("pubsub", "msg_s", "PUB/SUB 256 B: messages/s\nat the slowest subscriber"),
        ("reqrep", "median_us", "REQ/REP: median round trip,\nmicroseconds (lower is better)"),
    )
    for col, (pattern, value, title) in enumerate(panels):
        ax = fig.add_subplot(grid[0, col])
        picked = [c for c in cells if c.workload.startswith(pattern)]
        _bars(ax, picked, value, impls, log=pattern != "reqrep")
        ax.set_title(title, fontsize=10)
        if col == 0:
            ax.legend(fontsize=8, loc="upper right")
    ax = fig.add_subplot(grid[1, :])
    ours = [i for i in impls if references.get(i)]
    rows: list[Cell] = []
    for c in cells:
        ref = reference_of(c, cells, references.get(c.impl, ()))
        if c.impl in ours and ratio(c, ref) is not None:
            rows.append(c)
    _ratio_bars(ax, rows, cells, ours, references)
    fig.suptitle(
        f"purezmq vs pyzmq over {transport} - {facts.get('cpu')}, {facts.get('cores')} cores, "
        f"{facts.get('python')}, {facts.get('date')}",
        fontsize=11,
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ratio_bars(
    ax: Any,
    rows: Sequence[Cell],
    cells: Sequence[Cell],
    ours: Sequence[str],
    references: Mapping[str, Sequence[str]],
) -> None:
    """Ratios to the reference (round trips inverted, so that higher is always better)."""
    workloads = list(dict.fromkeys(c.workload for c in cells))
    labels = {c.workload: c.label for c in cells}
    width = 0.8 / max(len(ours), 1)
    for k, impl in enumerate(ours):
        xs: list[float] = []
        ys: list[float] = []
        against: dict[str, None] = {}
        for j, w in enumerate(workloads):
            for c in rows:
                ref = reference_of(c, cells, references[impl])
                if c.workload == w and c.impl == impl and ref is not None:
                    value = ratio(c, ref) or 0.0
                    against[ref.impl] = None
                    xs.append(j + (k - (len(ours) - 1) / 2) * width)
                    ys.append(1 / value if c.kind == "latency" and value else value)
        label = f"{impl} / {', '.join(against) or '-'}"
        ax.bar(xs, ys, width, label=label, color=COLOURS.get(impl), edgecolor="black", lw=0.4)
        for x, y in zip(xs, ys, strict=True):
            ax.annotate(f"{y:.2g}", (x, y), ha="center", va="bottom", fontsize=7)
    for t in TARGETS:
        if t.workload in workloads and t.impl in ours:
            x = workloads.index(t.workload) + (ours.index(t.impl) - (len(ours) - 1) / 2) * width
            need = 1 / t.bound if t.workload.startswith("reqrep") else t.bound
            ax.plot([x - width / 2, x + width / 2], [need, need], color="red", lw=2)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.plot([], [], color="red", lw=2, label="issue #7 target")
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels([_tick(labels[w]) for w in workloads], fontsize=8)
    ax.set_yscale("log")
    ax.set_yticks([0.1, 0.2, 0.5, 1, 2, 5, 10])
    ax.yaxis.set_major_formatter(_ticker().FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(_ticker().NullFormatter())
    ax.set_ylabel("speed ratio (log scale)")
    ax.set_title(
        "purezmq / reference, measured in the same run (REQ/REP: reference time / ours); "
        "above 1 = purezmq faster",
        fontsize=10,
    )
    ax.grid(axis="y", which="both", alpha=0.3)
    # below the axes and their labels of up to three lines: inside, it covered the
    # REQ/REP bars at the right
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=4)
