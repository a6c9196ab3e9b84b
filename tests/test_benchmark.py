"""The benchmark harness (purezmq.benchmark): its logic, never anyone's speed.

Statistics, ratios, tables, target checks and option parsing are tested on made-up
numbers; the process machinery by a few tiny measurements (tens of messages) that
check the shape of the result, failure reporting and that every child is reaped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import multiprocessing
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from purezmq import benchmark
from purezmq.benchmark import report, runner
from purezmq.benchmark import workloads as wl
from purezmq.benchmark.report import Cell, Sample
from purezmq.cli import build_parser
from purezmq.cli import main as cli_main


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    benchmark.add_arguments(parser)
    return parser.parse_args(list(argv))


def cell(impl: str, workload: str = "pushpull-256", *values: float, transport: str = "tcp") -> Cell:
    w = wl.WORKLOADS_BY_NAME[workload]
    c = Cell(transport, w.name, w.label, w.kind, w.size, impl)
    for v in values:
        if w.kind == "latency":
            c.samples.append(Sample(100, 0.01, 10_000.0, median_us=v, p99_us=2 * v))
        else:
            c.samples.append(Sample(1000, 1000 / v, v))
    return c


REFS = {i.name: i.references for i in wl.IMPLS}


# ------------------------------------------------------------------ statistics
def test_percentile_is_nearest_rank() -> None:
    assert report.percentile(list(range(1, 101)), 99) == 99
    assert report.percentile(list(range(1000, 0, -1)), 99) == 990  # unsorted input
    assert report.percentile([5.0], 99) == 5.0
    assert report.percentile([3, 1, 2], 50) == 2
    assert report.percentile([3, 1, 2], 100) == 3


@pytest.mark.parametrize("values, q", [([], 99), ([1.0], 0), ([1.0], 101)])
def test_percentile_rejects_bad_input(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        report.percentile(values, q)


def test_summarize_latencies_in_microseconds() -> None:
    times = [i * 1e-6 for i in range(1, 201)]  # 1..200 us
    s = report.summarize_latencies(times)
    assert s["n"] == 200
    assert s["median_us"] == pytest.approx(100.5)
    assert s["p99_us"] == pytest.approx(198)
    assert s["elapsed"] == pytest.approx(sum(times))


def test_sample_from_payloads_takes_the_slowest_subscriber() -> None:
    payloads = [{"n": 1000.0, "elapsed": 0.5}, {"n": 1000.0, "elapsed": 1.0}]
    s = Sample.from_payloads("throughput", payloads)
    assert (s.n, s.elapsed, s.msg_s) == (1000, 1.0, 1000.0)
    lat = {"n": 10.0, "elapsed": 0.001, "median_us": 90.0, "p99_us": 200.0}
    s = Sample.from_payloads("latency", [lat])
    assert (s.median_us, s.p99_us, s.msg_s) == (90.0, 200.0, pytest.approx(10_000.0))
    with pytest.raises(ValueError):
        Sample.from_payloads("throughput", [])


def test_cell_reports_medians_over_runs() -> None:
    c = cell("purezmq", "pushpull-256", 300.0, 100.0, 200.0)
    assert c.msg_s == 200.0
    assert c.mb_s == pytest.approx(200.0 * 256 / 1e6)
    lat = cell("purezmq", "reqrep-16", 50.0, 70.0, 60.0, 1000.0)
    assert lat.median_us == 65.0  # median of the per-run medians
    assert lat.p99_us == 130.0
    assert lat.value == 65.0
    assert c.spread == 1.0  # (300 - 100) / 200
    table = report.format_table([c], REFS)
    assert table.splitlines()[-1].endswith("| 3 ±50% |")


def test_ratio_against_the_first_measured_reference() -> None:
    ours = cell("purezmq.asyncio+uvloop", "pushpull-256", 600.0)
    plain = cell("zmq.asyncio", "pushpull-256", 100.0)
    on_uvloop = cell("zmq.asyncio+uvloop", "pushpull-256", 200.0)
    refs = REFS["purezmq.asyncio+uvloop"]
    assert report.reference_of(ours, [ours, plain], refs) is plain
    assert report.reference_of(ours, [ours, plain, on_uvloop], refs) is on_uvloop
    assert report.ratio(ours, on_uvloop) == 3.0
    other_transport = cell("zmq.asyncio", "pushpull-256", 100.0, transport="ipc")
    assert report.reference_of(ours, [ours, other_transport], refs) is None
    assert report.ratio(ours, None) is None
    assert report.ratio(ours, cell("zmq.asyncio", "pushpull-256")) is None  # failed ref


def test_latency_ratio_is_a_time_ratio() -> None:
    ours, ref = cell("purezmq", "reqrep-16", 150.0), cell("pyzmq", "reqrep-16", 100.0)
    assert report.ratio(ours, ref) == 1.5


# ------------------------------------------------------------------ tables, targets
def test_table_shape_ratios_and_failures() -> None:
    failed = cell("purezmq.asyncio", "pushpull-256")
    failed.errors.append("timed out after 60 s")
    cells = [
        cell("pyzmq", "pushpull-256", 1_000_000.0),
        cell("purezmq", "pushpull-256", 500_000.0),
        failed,
        cell("pyzmq", "reqrep-16", 80.0),
        cell("purezmq", "reqrep-16", 120.0),
    ]
    lines = report.format_table(cells, REFS).splitlines()
    assert len(lines) == 2 + len(cells)
    assert all(line.count("|") == 11 for line in lines)
    row = {tuple(p.strip() for p in line.split("|")[2:4]): line for line in lines[2:]}
    assert "| 1,000,000 | 256.0 |" in row[("PUSH/PULL 256 B", "pyzmq")]
    assert "| 0.50x | pyzmq |" in row[("PUSH/PULL 256 B", "purezmq")]
    assert "failed" in row[("PUSH/PULL 256 B", "purezmq.asyncio")]
    assert "0 (1 failed)" in row[("PUSH/PULL 256 B", "purezmq.asyncio")]
    assert "| 120.0 | 240.0 | 1.50x | pyzmq |" in row[("REQ/REP 16 B", "purezmq")]
    assert "purezmq.asyncio: timed out" in report.format_errors(cells)


def _verdicts(cells: list[Cell]) -> dict[str, tuple[float | None, str]]:
    return {t.text: (v, verdict) for t, _, v, verdict in report.check_targets(cells)}


def test_check_targets_met_not_met_and_not_measured() -> None:
    cells = [
        cell("pyzmq", "pushpull-256", 1000.0),
        cell("purezmq", "pushpull-256", 500.0),  # exactly 0.5x: met
        cell("pyzmq", "pushpull-16", 1000.0),
        cell("purezmq", "pushpull-16", 499.0),
        cell("pyzmq", "reqrep-16", 100.0),
        cell("purezmq", "reqrep-16", 151.0),  # 1.51x the time: not met
        cell("zmq.asyncio", "reqrep-16", 100.0),
        cell("purezmq.asyncio", "reqrep-16", 40.0),  # 0.4x the time: met
    ]
    got = _verdicts(cells)
    assert got["blocking PUSH/PULL 256 B >= 0.5x pyzmq"] == (0.5, "met")
    assert got["blocking PUSH/PULL 16 B >= 0.5x pyzmq"] == (0.499, "NOT MET")
    assert got["blocking REQ/REP 16 B round trip <= 1.5x pyzmq's"] == (1.51, "NOT MET")
    assert got["asyncio REQ/REP 16 B round trip <= 0.5x zmq.asyncio's"] == (0.4, "met")
    assert got["blocking PUSH/PULL 1 MiB >= 1.0x pyzmq"] == (None, "not measured")
    assert len(got) == len(report.TARGETS)
    table = report.format_targets(report.check_targets(cells))
    assert "| blocking PUSH/PULL 16 B >= 0.5x pyzmq | tcp | >= 0.5x | 0.50x | NOT MET |" in table
    assert "| <= 1.5x | 1.51x | NOT MET |" in table


def test_machine_facts_name_the_machine_and_libraries() -> None:
    facts = report.machine_facts()
    for key in ("date", "cpu", "cores", "python", "pyzmq", "libzmq", "purezmq"):
        assert facts[key], key
    text = report.format_machine(facts)
    assert f"libzmq {facts['libzmq']}" in text and facts["cpu"] in text


# ------------------------------------------------------------------ options, plan
def test_select_by_names_and_globs_keeps_matrix_order() -> None:
    picked = runner.select("reqrep-*,pushpull-16", wl.WORKLOADS, wl.WORKLOADS)
    assert [w.name for w in picked] == [
        "pushpull-16",
        "reqrep-16",
        "reqrep-4k",
        "reqrep-16-poll",
        "reqrep-16-pollfd",
        "reqrep-16-proxy",
    ]
    default = [i for i in wl.IMPLS if i.default]
    assert runner.select(None, wl.IMPLS, default) == default
    assert runner.select("all", wl.IMPLS, default) == list(wl.IMPLS)
    assert [i.name for i in runner.select("*uvloop", wl.IMPLS, default)] == [
        "purezmq.asyncio+uvloop",
        "zmq.asyncio+uvloop",
        "asyncio-echo+uvloop",
        "asyncio-task-echo+uvloop",
    ]
    with pytest.raises(ValueError, match="'nope' matches nothing"):
        runner.select("nope", wl.WORKLOADS, wl.WORKLOADS)


def test_plan_defaults_quick_and_explicit() -> None:
    plan = runner.build_plan(parse())
    assert (plan.runs, plan.target_time, plan.transports) == (3, 0.5, ["tcp"])
    assert len(plan.workloads) == 12 and "zmq.asyncio+uvloop" not in [i.name for i in plan.impls]
    quick = runner.build_plan(parse("--quick"))
    assert (quick.runs, quick.target_time) == (1, 0.1)
    plan = runner.build_plan(parse("--quick", "--runs", "4", "--transport", "ipc,inproc"))
    assert (plan.runs, plan.transports) == (4, ["ipc", "inproc"])
    for bad in (["--transport", "udp"], ["--runs", "0"], ["--count", "1"]):
        with pytest.raises(ValueError):
            runner.build_plan(parse(*bad))


def test_calibrated_count_aims_at_the_target_time_within_bounds() -> None:
    plan = runner.build_plan(parse("--target-time", "0.5"))
    w = wl.WORKLOADS_BY_NAME["pushpull-256"]
    assert plan.calibrated(w, Sample(1000, 0.01, 0)) == 50_000  # 100k msg/s * 0.5 s
    assert plan.calibrated(w, Sample(1000, 1e-9, 0)) == w.max_n
    assert plan.calibrated(w, Sample(10, 10.0, 0)) == w.min_n
    job = plan.job(w, 50_000)
    assert (job.n, job.warmup, job.size, job.pattern) == (50_000, 1000, 256, "pushpull")


def test_matrix_calibrates_then_alternates_and_survives_failures() -> None:
    calls: list[tuple[str, int]] = []

    def fake(impl: str, transport: str, endpoint: str, job: wl.Job) -> Sample:
        calls.append((impl, job.n))
        if impl == "zmq.asyncio" and job.n != 5000:  # calibration passes, runs fail
            raise runner.BenchFailure("boom")
        rate = 100_000.0 if impl == "pyzmq" else 1e9  # purezmq: faster than any bound
        return Sample(job.n, job.n / rate, rate)

    plan = runner.build_plan(
        parse("--workloads", "pushpull-256", "--impls", "pyzmq,purezmq,zmq.asyncio", "--runs", "3")
    )
    cells = runner.run_matrix(plan, log=None, measure_fn=fake)
    cal = wl.WORKLOADS_BY_NAME["pushpull-256"].calibration_n
    assert calls[:3] == [("pyzmq", cal), ("purezmq", cal), ("zmq.asyncio", cal)]
    order = [impl for impl, _ in calls[3:]]
    assert order == ["pyzmq", "purezmq", "zmq.asyncio", "zmq.asyncio", "purezmq", "pyzmq"] + [
        "pyzmq",
        "purezmq",
        "zmq.asyncio",
    ]
    counts = {impl: n for impl, n in calls[3:]}
    # pyzmq: 100k msg/s * 0.5 s; the others: 1e9 msg/s, capped at max_n
    assert counts == {"pyzmq": 50_000, "purezmq": 2_000_000, "zmq.asyncio": 2_000_000}
    by_impl = {c.impl: c for c in cells}
    assert len(by_impl["pyzmq"].samples) == 3
    assert (by_impl["zmq.asyncio"].samples, by_impl["zmq.asyncio"].errors) == ([], ["boom"] * 3)


def test_the_asyncio_floor_only_has_reqrep_cells_over_tcp_and_ipc() -> None:
    measured: list[tuple[str, str, str]] = []

    def fake(impl: str, transport: str, endpoint: str, job: wl.Job) -> Sample:
        measured.append((impl, transport, job.pattern))
        return Sample(job.n, 0.01, job.n / 0.01, 50.0, 60.0)

    plan = runner.build_plan(
        parse(
            *("--workloads", "pushpull-16,reqrep-16", "--impls", "purezmq.asyncio,asyncio-echo"),
            *("--transport", "tcp,ipc,inproc", "--runs", "1", "--count", "10"),
        )
    )
    cells = runner.run_matrix(plan, log=None, measure_fn=fake)
    floor = {(t, p) for i, t, p in measured if i == "asyncio-echo"}
    assert floor == {("tcp", "reqrep"), ("ipc", "reqrep")}
    assert len([i for i, _, _ in measured if i == "purezmq.asyncio"]) == 6
    assert len(cells) == len(measured) == 8


def test_implementations_without_their_library_are_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # None: "import uvloop" fails
    keep, notes = runner.available_impls(wl.IMPLS)
    assert [i.name for i in keep] == [
        "pyzmq",
        "purezmq",
        "zmq.asyncio",
        "purezmq.asyncio",
        "asyncio-echo",
        "asyncio-task-echo",
    ]
    assert notes == [
        "purezmq.asyncio+uvloop skipped: uvloop is not installed",
        "zmq.asyncio+uvloop skipped: uvloop is not installed",
        "asyncio-echo+uvloop skipped: uvloop is not installed",
        "asyncio-task-echo+uvloop skipped: uvloop is not installed",
    ]
    monkeypatch.setitem(sys.modules, "zmq", None)
    keep, notes = runner.available_impls(wl.IMPLS)
    assert [i.name for i in keep] == [
        "purezmq",
        "purezmq.asyncio",
        "asyncio-echo",
        "asyncio-task-echo",
    ]
    assert "pyzmq skipped: pyzmq is not installed" in notes


def test_cli_has_a_bench_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["bench", "--quick", "--workloads", "reqrep-16"])
    assert args.quick and args.workloads == "reqrep-16" and args.func.__name__ == "_cmd_bench"
    assert cli_main(["bench", "--impls", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "purezmq bench: error: 'nope' matches nothing" in err[0]


def test_missing_matplotlib_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from purezmq.benchmark import plot

    def no_matplotlib(name: str, package: str | None = None) -> Any:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", no_matplotlib)
    with pytest.raises(ImportError, match=r"pip install 'purezmq\[plot\]'"):
        plot.plot([cell("pyzmq", "pushpull-256", 1.0)], {}, str(tmp_path / "x.png"), REFS)
    assert not (tmp_path / "x.png").exists()


def test_every_implementation_has_a_colour_of_its_own() -> None:
    """A plot tells the rows apart only by colour (the floors once shared purezmq's)."""
    from purezmq.benchmark.plot import COLOURS

    names = [i.name for i in wl.IMPLS]
    assert sorted(COLOURS) == sorted(names)
    assert len(set(COLOURS.values())) == len(names)


def test_plot_labels_a_workload_on_lines_of_its_own() -> None:
    """Side by side, "PUSH/PULL 256 B" and its neighbours' labels overlapped; so did
    "REQ/REP 16 B poller+fd" and "REQ/REP 16 B via proxy" on two lines."""
    from purezmq.benchmark.plot import _tick

    assert _tick("PUSH/PULL 256 B") == "PUSH/PULL\n256 B"
    assert _tick("PUB/SUB 256 B x4") == "PUB/SUB\n256 B\nx4"
    assert _tick("REQ/REP 16 B via proxy") == "REQ/REP\n16 B\nvia proxy"
    assert _tick("STREAM") == "STREAM" and _tick("PAIR 1") == "PAIR\n1"
    for w in wl.WORKLOADS:  # every label of the matrix: no line longer than 10 characters
        assert max(map(len, _tick(w.label).split("\n"))) <= 10, w.label


def test_plot_writes_a_png(tmp_path: Path) -> None:
    # matplotlib is an optional extra (purezmq[plot]), and part of the test extra
    from purezmq.benchmark.plot import plot

    cells = [
        cell("pyzmq", "pushpull-256", 1000.0),
        cell("purezmq", "pushpull-256", 500.0),
        cell("pyzmq", "reqrep-16", 100.0),
        cell("purezmq", "reqrep-16", 150.0),
        cell("pyzmq", "pubsub-256x1", 1000.0),
        cell("purezmq", "pubsub-256x1"),  # failed: no bar, no crash
    ]
    plot(cells, report.machine_facts(), str(tmp_path / "b.png"), REFS)
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ real processes
def test_smoke_run_json_and_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real run with tiny counts: every cell measured, the output has the full shape."""
    out = tmp_path / "bench.json"
    args = parse(
        *("--count", "20", "--runs", "1", "--quiet", "--check-targets", "--json", str(out)),
        *("--workloads", "pushpull-256,pubsub-256x1,reqrep-16", "--impls", "pyzmq,purezmq"),
    )
    assert benchmark.run(args) == 0
    text = capsys.readouterr().out
    assert "pyzmq 27" in text and "cores" in text
    rows = [line for line in text.splitlines() if line.startswith("| tcp |")]
    assert len(rows) == 6
    targets = [line for line in text.splitlines() if line.startswith(("| asyncio", "| blocking"))]
    assert len(targets) == len(report.TARGETS)
    # not measured: both asyncio targets, blocking 16 B and 1 MiB (workloads not run)
    assert sum(" | not measured |" in t for t in targets) == 4
    assert "failed" not in text
    data = json.loads(out.read_text())
    assert set(data) == {"machine", "settings", "cells", "targets"}
    assert [(c["workload"], c["impl"]) for c in data["cells"]] == [
        (w, i) for w in ("pushpull-256", "pubsub-256x1", "reqrep-16") for i in ("pyzmq", "purezmq")
    ]
    for c in data["cells"]:
        (s,) = c["samples"]
        assert s["n"] == (19 if c["workload"].startswith("pubsub") else 20)
        assert s["elapsed"] > 0 and s["msg_s"] > 0
        assert (s["median_us"] > 0) == c["workload"].startswith("reqrep")
    assert benchmark.run(parse("--load", str(out))) == 0
    loaded = capsys.readouterr().out
    assert [line for line in loaded.splitlines() if line.startswith("| tcp |")] == rows[:6]
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("floor", ["asyncio-echo", "asyncio-task-echo"])
@pytest.mark.parametrize("loop", ["", "+uvloop"])
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_smoke_asyncio_echo_floor(transport: str, loop: str, floor: str, tmp_path: Path) -> None:
    """The floors' roles: a bare protocol echo timed like REQ/REP, over tcp and ipc, its
    replier writing back from the read callback or from a task."""
    if loop:
        pytest.importorskip("uvloop")
    endpoint = "tcp://127.0.0.1:*" if transport == "tcp" else f"ipc://{tmp_path}/echo.sock"
    job = wl.Job("reqrep", 100, n=20, warmup=2, timeout=20)
    s = runner.measure(floor + loop, transport, endpoint, job)
    assert s.n == 20 and s.median_us > 0 and s.p99_us >= s.median_us
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("poll_fd", [False, True], ids=["sockets", "fd"])
@pytest.mark.parametrize("impl", ["pyzmq", "purezmq", "zmq.asyncio", "purezmq.asyncio"])
def test_smoke_poller_reqrep(impl: str, poll_fd: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The poller workloads: both ends wait in their library's Poller before each recv
    (with an idle pipe in it too for ``poll_fd``, closed afterwards)."""
    polls: list[int] = []
    real = wl._polled_recv if "asyncio" not in impl else wl._polled_arecv

    def counting(zmq: Any, sock: Any, fd: int = -1) -> Any:
        polls.append(fd)
        return real(zmq, sock, fd)

    monkeypatch.setattr(wl, "_polled_arecv" if "asyncio" in impl else "_polled_recv", counting)
    closed: list[int] = []
    close_idle = wl._close_idle

    def closing(idle: tuple[int, int]) -> None:
        closed.extend(fd for fd in idle if fd >= 0)
        close_idle(idle)

    monkeypatch.setattr(wl, "_close_idle", closing)
    job = wl.Job("reqrep", 16, n=20, warmup=2, timeout=20, poller=True, poll_fd=poll_fd)
    # the inproc host's part, run here where the patch is seen: both roles, one process
    (payload,) = wl.run_inproc(wl.IMPLS_BY_NAME[impl], "inproc://bench-poll", job)
    s = Sample.from_payloads("latency", [payload])
    assert s.n == 20 and s.median_us > 0
    assert len(polls) == 2  # the requester's and the replier's
    if poll_fd:
        assert all(fd >= 0 for fd in polls) and polls[0] != polls[1]
        assert len(closed) == 4 and set(polls) <= set(closed)  # both ends of both pipes
    else:
        assert polls == [-1, -1] and closed == []


def test_the_floors_have_no_poller_cells() -> None:
    poll = wl.WORKLOADS_BY_NAME["reqrep-16-poll"]
    assert poll.label == "REQ/REP 16 B poller"
    assert wl.WORKLOADS_BY_NAME["reqrep-16-pollfd"].label == "REQ/REP 16 B poller+fd"
    assert not wl.IMPLS_BY_NAME["asyncio-echo"].runs(poll, "tcp")
    assert not wl.IMPLS_BY_NAME["asyncio-echo"].runs(
        wl.WORKLOADS_BY_NAME["reqrep-16-pollfd"], "tcp"
    )
    assert wl.IMPLS_BY_NAME["asyncio-echo"].runs(wl.WORKLOADS_BY_NAME["reqrep-16"], "tcp")
    assert wl.IMPLS_BY_NAME["purezmq"].runs(poll, "ipc")


class _CountingSends:
    """A socket (or, with ``of_context``, a context whose sockets) counting sends."""

    def __init__(self, target: Any, sends: list[int], of_context: bool = False) -> None:
        self._target, self._sends, self._of_context = target, sends, of_context

    def socket(self, kind: int) -> Any:
        assert self._of_context
        return _CountingSends(self._target.socket(kind), self._sends)

    def send(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        self._sends.append(1)
        return self._target.send(data, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@pytest.mark.parametrize("impl", ["pyzmq", "purezmq", "zmq.asyncio", "purezmq.asyncio"])
def test_smoke_proxy_reqrep(impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy workload: the replier is a ROUTER, a proxy, a DEALER and REP workers
    (threads, or tasks with the asyncio API) that every request goes through, and that
    all stop when the requester is done."""
    workers: list[int] = []
    replies: list[int] = []
    if "asyncio" in impl:
        real_task = wl._arep_worker

        async def counting_task(sock: Any) -> None:
            workers.append(1)
            await real_task(_CountingSends(sock, replies))

        monkeypatch.setattr(wl, "_arep_worker", counting_task)
    else:
        real_thread = wl._rep_worker

        def counting_thread(zmq: Any, ctx: Any, *rest: Any) -> None:
            workers.append(1)
            real_thread(zmq, _CountingSends(ctx, replies, of_context=True), *rest)

        monkeypatch.setattr(wl, "_rep_worker", counting_thread)
    before = threading.active_count()
    job = wl.Job("reqrep", 16, n=20, warmup=2, timeout=20, proxy=True)
    (payload,) = wl.run_inproc(wl.IMPLS_BY_NAME[impl], "inproc://bench-proxy", job)
    s = Sample.from_payloads("latency", [payload])
    assert s.n == 20 and s.median_us > 0
    assert len(workers) == wl._PROXY_WORKERS
    assert len(replies) == 22  # every request (2 of warm-up) was answered by a worker
    assert threading.active_count() == before  # the workers and the proxy have stopped


@pytest.mark.parametrize(("impl", "transport"), [("purezmq", "tcp"), ("zmq.asyncio", "ipc")])
def test_smoke_proxy_across_processes(impl: str, transport: str, tmp_path: Path) -> None:
    endpoint = "tcp://127.0.0.1:*" if transport == "tcp" else f"ipc://{tmp_path}/proxy.sock"
    job = wl.Job("reqrep", 16, n=20, warmup=2, timeout=20, proxy=True)
    s = runner.measure(impl, transport, endpoint, job)
    assert s.n == 20 and s.median_us > 0
    assert multiprocessing.active_children() == []


def test_the_proxy_row() -> None:
    proxy = wl.WORKLOADS_BY_NAME["reqrep-16-proxy"]
    assert proxy.label == "REQ/REP 16 B via proxy" and proxy.kind == "latency"
    assert not wl.IMPLS_BY_NAME["asyncio-task-echo"].runs(proxy, "tcp")
    assert all(wl.IMPLS_BY_NAME[i].runs(proxy, "inproc") for i in ("purezmq", "zmq.asyncio"))
    assert runner.Plan([proxy], [], ["tcp"], 1, 0.5, 60).job(proxy, 300).proxy


class _Written:
    """A transport that keeps what is written."""

    def __init__(self) -> None:
        self.out: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.out.append(data)


def _feed(proto: wl._EchoProtocol, data: bytes) -> None:
    """What a transport does: copy ``data`` into the protocol's buffer, then tell it."""
    while data:
        buf = proto.get_buffer(len(data))
        n = min(len(buf), len(data))
        buf[:n] = data[:n]
        data = data[n:]
        proto.buffer_updated(n)


def test_echo_floor_protocol_takes_any_chunking() -> None:
    """The floor's replier writes back each whole message once, however the reads split
    it, and its requester wakes only when the whole echo is back."""

    async def main() -> None:
        a, b = bytes(range(100)), bytes(range(100, 200))
        for cut in range(1, 100):
            rep = wl._EchoProtocol(100, echo=True, wanted=2)
            t = _Written()
            rep.connection_made(t)  # type: ignore[arg-type]
            _feed(rep, a[:cut])
            assert t.out == [] and not rep.done.done()
            _feed(rep, a[cut:] + b[:cut])  # the rest of one and the start of the next
            assert t.out == [a] and not rep.done.done()
            _feed(rep, b[cut:])
            assert t.out == [a, b] and rep.done.done()
        req = wl._EchoProtocol(100, echo=False, wanted=0)
        req.connection_made(_Written())  # type: ignore[arg-type]
        waiting = asyncio.ensure_future(req.exchange(a))
        await asyncio.sleep(0)
        _feed(req, a[:99])
        await asyncio.sleep(0)
        assert not waiting.done()
        _feed(req, a[99:])
        await asyncio.wait_for(waiting, 5)
        req.connection_lost(None)

    asyncio.run(main())


def test_task_echo_floor_replier_awaits_each_whole_request_and_writes_it_back() -> None:
    """asyncio-task-echo's replier: a task started on connection that writes back each
    whole request once, however the reads split it, and ends after ``wanted`` of them."""

    async def main() -> None:
        a, b = bytes(range(100)), bytes(range(100, 200))
        for cut in range(1, 100):
            rep = wl._EchoProtocol(100, echo=False, wanted=2, serve=True)
            t = _Written()
            rep.connection_made(t)  # type: ignore[arg-type]
            assert rep.server is not None
            _feed(rep, a[:cut])
            await asyncio.sleep(0)
            assert t.out == [] and not rep.done.done()
            _feed(rep, a[cut:] + b[:cut])
            for _ in range(3):
                await asyncio.sleep(0)
            assert t.out == [a] and not rep.done.done()
            _feed(rep, b[cut:])
            await asyncio.wait_for(rep.server, 5)
            assert t.out == [a, b] and rep.done.done()
            # two requests in one read: both answered, in order
            rep = wl._EchoProtocol(100, echo=False, wanted=2, serve=True)
            t = _Written()
            rep.connection_made(t)  # type: ignore[arg-type]
            _feed(rep, a + b)
            assert rep.server is not None
            await asyncio.wait_for(rep.server, 5)
            assert t.out == [a, b]

    asyncio.run(main())


def test_task_echo_floor_replier_ends_when_the_peer_goes() -> None:
    async def main() -> None:
        rep = wl._EchoProtocol(16, echo=False, wanted=5, serve=True)
        rep.connection_made(_Written())  # type: ignore[arg-type]
        await asyncio.sleep(0)
        rep.connection_lost(None)
        assert rep.server is not None
        await asyncio.wait_for(rep.server, 5)  # returns: no exception left unretrieved
        with pytest.raises(ConnectionError):
            rep.done.result()

    asyncio.run(main())


def test_echo_floor_protocol_fails_its_waiter_when_the_peer_goes() -> None:
    async def main() -> None:
        req = wl._EchoProtocol(16, echo=False, wanted=0)
        req.connection_made(_Written())  # type: ignore[arg-type]
        waiting = asyncio.ensure_future(req.exchange(b"x" * 16))
        await asyncio.sleep(0)
        req.connection_lost(None)
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(waiting, 5)

    asyncio.run(main())


@pytest.mark.parametrize("impl", ["purezmq", "purezmq.asyncio"])
def test_smoke_inproc_pubsub_with_four_subscribers(impl: str) -> None:
    job = wl.Job("pubsub", 64, n=20, warmup=2, subscribers=4, timeout=20)
    s = runner.measure(impl, "inproc", "inproc://bench-test", job)
    assert s.n == 19 and s.msg_s > 0


def test_a_stuck_measurement_fails_and_its_children_are_reaped() -> None:
    job = wl.Job("pushpull", 16, n=10**9, warmup=1, timeout=0.5)  # cannot finish in time
    with pytest.raises(runner.BenchFailure, match="timed out"):
        runner.measure("purezmq", "tcp", "tcp://127.0.0.1:*", job)
    assert multiprocessing.active_children() == []


def test_a_failing_role_is_reported_with_its_error() -> None:
    job = wl.Job("reqrep", 16, n=10, warmup=1, timeout=10)
    with pytest.raises(runner.BenchFailure, match="rep: ZMQError"):
        runner.measure("purezmq", "tcp", "tcp://256.0.0.1:*", job)
    assert multiprocessing.active_children() == []


def test_the_decoder_benchmark_runs_and_prints_every_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/decode.py (the frame decoder alone): one round of every stream, each
    decoded to its own number of messages (the script checks), one table row each."""
    spec = importlib.util.spec_from_file_location(
        "bench_decode", Path(__file__).resolve().parent.parent / "bench" / "decode.py"
    )
    assert spec is not None and spec.loader is not None
    decode = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(decode)
    monkeypatch.setattr(sys, "argv", ["decode.py", "--rounds", "1"])
    assert decode.main() == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == list(decode.streams())
