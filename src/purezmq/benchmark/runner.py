"""Running the matrix: child processes, timeouts, calibration, alternation, main().

This process never measures: it starts the roles of each measurement as child
processes (over inproc, one child hosting every role), relays their control messages
(``ready`` -> start the connecting roles, all subscribers ``primed`` -> ``go``, all
measuring roles done -> ``stop``), and collects their payloads. Every measurement has a
deadline; a child that misses it or dies is reported as a failed run, and every child
is reaped (terminated, then killed) whatever happens.

Children come from a forkserver with pyzmq and purezmq preloaded (a fresh interpreter
per child, as with ``spawn``, but started in milliseconds); where there is no
forkserver, ``spawn`` is used.
"""

from __future__ import annotations

import argparse
import fnmatch
import multiprocessing
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TextIO

from purezmq.benchmark import workloads as wl
from purezmq.benchmark.report import Cell, Sample

__all__ = ["BenchFailure", "Plan", "measure", "run_matrix"]

#: seconds a child gets to exit after its work is done, and after SIGTERM
_EXIT_GRACE = 5.0
_KILL_GRACE = 1.0


class BenchFailure(Exception):
    """One measurement failed (error in a role, a child died, or the deadline passed)."""


# ------------------------------------------------------------------ child side
class PipeControl:
    """:class:`~purezmq.benchmark.workloads.Control` over a pipe to the parent."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._go = False
        self._stop = False

    def ready(self, endpoint: str) -> None:
        """Tell the parent where we bound."""
        self._conn.send(("ready", endpoint))

    def primed(self) -> None:
        """Tell the parent this subscriber is receiving."""
        self._conn.send(("primed",))

    def _drain(self) -> None:
        while self._conn.poll():
            command = self._conn.recv()[0]
            self._go = self._go or command == "go"
            self._stop = self._stop or command == "stop"

    def go(self) -> bool:
        """Whether the parent said every subscriber is primed."""
        self._drain()
        return self._go

    def stopped(self) -> bool:
        """Whether the parent said the measuring roles are done."""
        self._drain()
        return self._stop


def child_main(conn: Connection, impl_name: str, role: str, endpoint: str, job: wl.Job) -> None:
    """A child process: run one role (``inproc``: every role) and report to the parent."""
    try:
        impl = wl.IMPLS_BY_NAME[impl_name]
        if role == "inproc":
            payloads: Any = wl.run_inproc(impl, endpoint, job)
        else:
            payloads = wl.run_role(impl, role, PipeControl(conn), endpoint, job)
        conn.send(("done", payloads))
    except BaseException as e:
        where = traceback.extract_tb(e.__traceback__)[-1:] if e.__traceback__ else []
        at = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
        try:
            conn.send(("error", f"{role}: {type(e).__name__}: {e}{at}"))
        except OSError:
            pass
    finally:
        conn.close()


# ------------------------------------------------------------------ parent side
def _mp_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # preloading is best effort: a module that fails to import is skipped
    ctx.set_forkserver_preload(["zmq", "zmq.asyncio", "purezmq", "purezmq.asyncio"])
    return ctx


class _Children:
    """Child processes with a pipe each; all reaped on exit, whatever happened."""

    def __init__(self) -> None:
        self._mp = _mp_context()
        self.procs: dict[Connection, Any] = {}
        self.roles: dict[Connection, str] = {}

    def start(self, impl: str, role: str, endpoint: str, job: wl.Job) -> Connection:
        ours: Connection
        theirs: Connection
        ours, theirs = self._mp.Pipe()
        proc = self._mp.Process(
            target=child_main, args=(theirs, impl, role, endpoint, job), daemon=True
        )
        try:
            proc.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.procs[ours], self.roles[ours] = proc, role
        return ours

    def recv(self, conn: Connection) -> tuple[Any, ...]:
        """The next message of a child; a child that died says why."""
        try:
            msg: tuple[Any, ...] = conn.recv()
        except (EOFError, OSError):
            proc = self.procs[conn]
            proc.join(_KILL_GRACE)
            raise BenchFailure(
                f"{self.roles[conn]} exited (status {proc.exitcode}) without a result"
            ) from None
        if msg[0] == "error":
            raise BenchFailure(msg[1])
        return msg

    def tell(self, conns: Sequence[Connection], *command: str) -> None:
        for conn in conns:
            try:
                conn.send(command)
            except OSError:
                pass  # it is gone: its recv() will say why

    def __enter__(self) -> _Children:
        return self

    def __exit__(self, *exc: object) -> None:
        grace = time.monotonic() + (_EXIT_GRACE if exc[0] is None else 0.0)
        stuck = []
        for proc in self.procs.values():
            proc.join(max(0.0, grace - time.monotonic()))
            if proc.is_alive():
                stuck.append(proc.pid)
                proc.terminate()
                proc.join(_KILL_GRACE)
            if proc.is_alive():
                proc.kill()
                proc.join()
            proc.close()
        for conn in self.procs:
            conn.close()
        if stuck and exc[0] is None:
            raise BenchFailure(f"children {stuck} did not exit after their work")


def _wait_one(conns: list[Connection], deadline: float, what: str) -> list[Connection]:
    ready = wait(conns, timeout=max(0.0, deadline - time.monotonic()))
    if not ready:
        raise BenchFailure(f"timed out {what}")
    return [c for c in conns if c in ready]


def measure(impl: str, transport: str, endpoint: str, job: wl.Job) -> Sample:
    """One measurement: start the roles, relay their control messages, reap them.

    Raises:
        BenchFailure: a role failed, a child died, or ``job.timeout`` passed.
    """
    deadline = time.monotonic() + job.timeout
    kind = "latency" if job.pattern == "reqrep" else "throughput"
    binder, connector, measuring = wl.PATTERN_ROLES[job.pattern]
    with _Children() as kids:
        if transport == "inproc":
            host = kids.start(impl, "inproc", endpoint, job)
            _wait_one([host], deadline, f"after {job.timeout:g} s")
            return Sample.from_payloads(kind, kids.recv(host)[1])
        bound = kids.start(impl, binder, endpoint, job)
        _wait_one([bound], deadline, "waiting for the bind")
        endpoint = kids.recv(bound)[1]
        others = [
            kids.start(impl, connector, endpoint, job) for _ in range(wl.connector_count(job))
        ]
        measurers = {c for c in [bound, *others] if kids.roles[c] == measuring}
        producers = [c for c in [bound, *others] if c not in measurers]
        pending, payloads, primed = [bound, *others], [], 0
        while pending:
            for conn in _wait_one(pending, deadline, f"after {job.timeout:g} s"):
                msg = kids.recv(conn)
                if msg[0] == "primed":
                    primed += 1
                    if primed == job.subscribers:
                        kids.tell([bound], "go")
                elif msg[0] == "done":
                    pending.remove(conn)
                    if conn in measurers:
                        payloads.append(msg[1])
                        if len(payloads) == len(measurers):
                            kids.tell(producers, "stop")
        return Sample.from_payloads(kind, payloads)


# ------------------------------------------------------------------ the matrix
class Plan:
    """What to run: the filtered matrix and how long each measurement should take."""

    def __init__(
        self,
        workloads: Sequence[wl.Workload],
        impls: Sequence[wl.Impl],
        transports: Sequence[str],
        runs: int,
        target_time: float,
        timeout: float,
        count: int | None = None,
    ) -> None:
        self.workloads, self.impls, self.transports = workloads, impls, transports
        self.runs, self.target_time, self.timeout, self.count = runs, target_time, timeout, count

    def job(self, w: wl.Workload, n: int) -> wl.Job:
        """The job of one measurement of ``n`` messages (round trips)."""
        warmup = max(1, min(n // 10, 1000 if w.pattern != "reqrep" else 100))
        return wl.Job(
            w.pattern, w.size, n, warmup, w.subscribers, self.timeout, w.poller, w.poll_fd, w.proxy
        )

    def calibrated(self, w: wl.Workload, sample: Sample) -> int:
        """The count that makes a measurement last about ``target_time``."""
        rate = sample.n / sample.elapsed if sample.elapsed > 0 else float(w.max_n)
        return int(min(max(rate * self.target_time, w.min_n), w.max_n))


def _endpoint(transport: str, tmpdir: str, serial: int) -> str:
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    if transport == "ipc":
        return f"ipc://{tmpdir}/{serial}.sock"
    return f"inproc://purezmq-bench-{serial}"


def run_matrix(
    plan: Plan, log: TextIO | None = sys.stderr, measure_fn: Callable[..., Sample] = measure
) -> list[Cell]:
    """Run every cell of the plan; alternate the order of implementations each run.

    Each (transport, workload, impl) is first calibrated with a short unrecorded run
    (unless ``plan.count`` fixes the count), then measured ``plan.runs`` times, each
    run's rate resizing the next run's count; the
    implementations take turns within each run, in reversed order on odd runs, so that
    drift (other load, thermal) hits all of them alike.
    """
    cells: list[Cell] = []
    tmpdir = tempfile.mkdtemp(prefix="purezmq-bench-")
    serial = 0
    total = plan.runs * sum(
        i.runs(w, t) for t in plan.transports for w in plan.workloads for i in plan.impls
    )
    done = 0

    def one(impl: wl.Impl, transport: str, w: wl.Workload, n: int) -> Sample:
        nonlocal serial
        serial += 1
        return measure_fn(
            impl.name, transport, _endpoint(transport, tmpdir, serial), plan.job(w, n)
        )

    try:
        for transport in plan.transports:
            for w in plan.workloads:
                impls = [i for i in plan.impls if i.runs(w, transport)]
                row = {
                    i.name: Cell(transport, w.name, w.label, w.kind, w.size, i.name) for i in impls
                }
                counts: dict[str, int] = {}
                for impl in impls:
                    if plan.count is not None:
                        counts[impl.name] = plan.count
                        continue
                    try:
                        counts[impl.name] = plan.calibrated(
                            w, one(impl, transport, w, w.calibration_n)
                        )
                    except Exception as e:
                        text = str(e) if isinstance(e, BenchFailure) else repr(e)
                        row[impl.name].errors.append(f"calibration: {text}")
                for r in range(plan.runs):
                    order = impls if r % 2 == 0 else list(reversed(impls))
                    for impl in order:
                        done += 1
                        if impl.name not in counts:
                            continue
                        cell = row[impl.name]
                        try:
                            sample = one(impl, transport, w, counts[impl.name])
                            cell.samples.append(sample)
                            if plan.count is None:  # a short calibration run underestimates
                                counts[impl.name] = plan.calibrated(w, sample)
                            note = _sample_text(w.kind, sample)
                        except Exception as e:  # a failed run is reported, never fatal
                            text = str(e) if isinstance(e, BenchFailure) else repr(e)
                            cell.errors.append(text)
                            note = f"FAILED: {text}"
                        if log is not None:
                            log.write(
                                f"[{done}/{total}] {transport} {w.name} {impl.name}: {note}\n"
                            )
                            log.flush()
                cells.extend(row.values())
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return cells


def _sample_text(kind: str, s: Sample) -> str:
    if kind == "latency":
        return f"{s.median_us:,.1f} us median, {s.p99_us:,.1f} us p99 ({s.n} round trips)"
    return f"{s.msg_s:,.0f} msg/s ({s.n} in {s.elapsed:.2f} s)"


def select(names: str | None, choices: Sequence[Any], default: Sequence[Any]) -> list[Any]:
    """Filter by comma-separated names or glob patterns (``pushpull-*``); keep order.

    Raises:
        ValueError: a pattern matches nothing.
    """
    if not names:
        return list(default)
    if names == "all":
        return list(choices)
    picked: list[Any] = []
    for pattern in (p.strip() for p in names.split(",") if p.strip()):
        hits = [c for c in choices if fnmatch.fnmatchcase(c.name, pattern)]
        if not hits:
            known = ", ".join(c.name for c in choices)
            raise ValueError(f"{pattern!r} matches nothing (known: {known})")
        picked += [h for h in hits if h not in picked]
    return sorted(picked, key=list(choices).index)


def available_impls(impls: Sequence[wl.Impl]) -> tuple[list[wl.Impl], list[str]]:
    """The implementations whose libraries import here, and notes on the others."""
    have: dict[str, bool] = {}
    for module in ("zmq", "uvloop"):
        try:
            __import__(module)
            have[module] = True
        except ImportError:
            have[module] = False
    keep, notes = [], []
    for impl in impls:
        if impl.library == "pyzmq" and not have["zmq"]:
            notes.append(f"{impl.name} skipped: pyzmq is not installed")
        elif impl.is_async and impl.loop == "uvloop" and not have["uvloop"]:
            notes.append(f"{impl.name} skipped: uvloop is not installed")
        else:
            keep.append(impl)
    return keep, notes


def build_plan(args: argparse.Namespace) -> Plan:
    """The plan the command-line options describe."""
    runs = args.runs if args.runs is not None else (1 if args.quick else 3)
    target = args.target_time if args.target_time is not None else (0.1 if args.quick else 0.5)
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    for t in transports:
        if t not in ("tcp", "ipc", "inproc"):
            raise ValueError(f"unknown transport {t!r} (expected tcp, ipc or inproc)")
    if runs < 1 or target <= 0 or args.timeout <= 0 or (args.count is not None and args.count < 2):
        raise ValueError("--runs, --target-time, --timeout must be positive, --count >= 2")
    impls = select(args.impls, wl.IMPLS, [i for i in wl.IMPLS if i.default])
    return Plan(
        select(args.workloads, wl.WORKLOADS, wl.WORKLOADS),
        impls,
        transports,
        runs,
        target,
        args.timeout,
        args.count,
    )
