"""Every demo of purezmq.examples, blocking and asyncio, run in-process.

Checks what each prints (counts and key lines, not the interleaving of threads), that
it returns 0, finishes well within its bound, and leaves no thread and no file
descriptor behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from purezmq.examples import DEMOS, broker, load, mtserver, poller
from purezmq.examples._common import DemoError, Threads

ROOT = Path(__file__).resolve().parents[2]
#: each demo must finish in this many seconds (they normally take well under one)
BOUND_S = 10.0


def _open_fds() -> set[str] | None:
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux
        return None


def _run_demo(name: str, use_asyncio: bool) -> list[str]:
    """Run a demo, check status, duration and leftovers; return its lines."""
    threads_before = set(threading.enumerate())
    fds_before = _open_fds()
    lines: list[str] = []
    start = time.monotonic()
    status = load(name).run(asyncio=use_asyncio, out=lines.append)
    elapsed = time.monotonic() - start
    assert status == 0
    assert elapsed < BOUND_S, f"{name} took {elapsed:.1f} s"
    # purezmq's I/O thread ends in ctx.term(); demo threads were joined by the demo
    left = [t for t in threading.enumerate() if t not in threads_before]
    for t in left:
        t.join(2.0)
    alive = [t.name for t in left if t.is_alive()]
    assert not alive, f"{name} left threads behind: {alive}"
    if fds_before is not None:
        fds_after = _open_fds()
        assert fds_after is not None
        assert fds_after <= fds_before, f"{name} left descriptors open: {fds_after - fds_before}"
    return lines


both_forms = pytest.mark.parametrize("use_asyncio", [False, True], ids=["threads", "asyncio"])


@both_forms
def test_mtserver_serves_every_client_in_parallel(use_asyncio: bool) -> None:
    lines = _run_demo("mtserver", use_asyncio)
    assert lines[0].startswith("Server listening on tcp://127.0.0.1:")
    replies = [ln for ln in lines if ln.endswith("received reply [World]")]
    clients = sorted(int(ln.split()[1]) for ln in replies)
    assert clients == list(range(1, mtserver.N_REQUESTS + 1))
    requests = [ln for ln in lines if ln.endswith("received request: [Hello]")]
    assert len(requests) == mtserver.N_REQUESTS
    # the proxy spread the requests over every worker
    workers = Counter(int(ln.split()[1]) for ln in requests)
    assert set(workers) == set(range(1, mtserver.N_WORKERS + 1))
    summary = [ln for ln in lines if "requests served in" in ln]
    assert len(summary) == 1
    m = re.search(r"served in ([0-9.]+) s", summary[0])
    assert m is not None
    assert float(m.group(1)) < mtserver.N_REQUESTS * mtserver.WORK_S * 0.75


@both_forms
def test_mtrelay_signals_step_by_step(use_asyncio: bool) -> None:
    lines = _run_demo("mtrelay", use_asyncio)
    assert lines == [
        "Step 1 ready, signaling step 2",
        "Step 2 ready, signaling step 3",
        "Test successful!",
    ]


@both_forms
def test_poller_reads_everything_then_stops_on_kill(use_asyncio: bool) -> None:
    lines = _run_demo("poller", use_asyncio)
    tasks = [ln for ln in lines if ln.startswith("Received task ")]
    updates = [ln for ln in lines if ln.startswith("Received subscription ")]
    # one connection each: every task and update arrives, in order
    assert tasks == [f"Received task {i}" for i in range(1, poller.N_TASKS + 1)]
    assert updates == [f"Received subscription {i}" for i in range(1, poller.N_UPDATES + 1)]
    assert lines[-1] == "Received kill signal"
    assert len(lines) == poller.N_TASKS + poller.N_UPDATES + 1


def _check_broker_output(lines: list[str]) -> None:
    assert lines[0] == "Broker online"
    assert lines[-1] == "Finishing"
    assert lines.count("Finishing") == 1
    online = sorted(ln for ln in lines if ln.endswith(" online") and ln.startswith("Worker"))
    assert online == [f"Worker {i} online" for i in range(1, broker.N_WORKERS + 1)]
    for i in range(1, broker.N_CLIENTS + 1):
        mine = [ln for ln in lines if ln.startswith(f"Client {i} ")]
        expected = []
        for j in range(1, i + 1):
            expected += [f"Client {i} sends {j}", f"Client {i} got {j * j}"]
        assert mine == expected
    n_requests = sum(range(1, broker.N_CLIENTS + 1))
    got = [ln for ln in lines if re.fullmatch(r"Worker \d got \d+", ln)]
    replies = [ln for ln in lines if re.fullmatch(r"Worker \d replies \d+", ln)]
    assert len(got) == len(replies) == n_requests
    for ln in replies:
        j = int(ln.split()[-1])
        assert int(j**0.5) ** 2 == j


@both_forms
def test_broker_answers_every_client_then_stops(use_asyncio: bool) -> None:
    _check_broker_output(_run_demo("broker", use_asyncio))


@both_forms
def test_broker_threads_on_shared_sockets_works(use_asyncio: bool) -> None:
    _check_broker_output(_run_demo("broker-threads", use_asyncio))


def test_every_demo_is_listed_and_loads() -> None:
    assert list(DEMOS) == ["mtserver", "mtrelay", "poller", "broker", "broker-threads"]
    for name in DEMOS:
        module = load(name)
        assert callable(module.run)
        assert module.__doc__ and "purezmq demo" in module.__doc__


def test_unknown_demo_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load("nope")


@pytest.mark.parametrize("script", ["mtrelay.py", "broker_threads.py"])
def test_thin_scripts_run(script: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] in ("Test successful!", "Finishing")


def test_every_thin_script_exists() -> None:
    for name in DEMOS:
        assert (ROOT / "examples" / f"{name.replace('-', '_')}.py").is_file()


# ------------------------------------------------------------------- the helpers
def test_threads_reraises_the_first_error() -> None:
    threads = Threads()

    def fail() -> None:
        raise ValueError("boom")

    threads.start(fail, name="failing")
    with pytest.raises(ValueError, match="boom"):
        threads.join()


def test_threads_reports_a_stuck_thread() -> None:
    release = threading.Event()
    threads = Threads()
    threads.start(release.wait, 5.0, name="stuck")
    try:
        with pytest.raises(DemoError, match="stuck"):
            threads.join(timeout=0.05)
    finally:
        release.set()
        threads.join()


def test_mtserver_fails_when_requests_are_served_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one worker: the ten requests are served one after the other
    monkeypatch.setattr(mtserver, "N_WORKERS", 1)
    monkeypatch.setattr(mtserver, "WORK_S", 0.02)
    out: list[str] = []
    with pytest.raises(DemoError, match="parallel"):
        mtserver.run(out=out.append)
    assert sum("received reply" in ln for ln in out) == mtserver.N_REQUESTS


def test_print_line_writes_whole_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from purezmq.examples._common import print_line

    def write(n: int) -> None:
        for _ in range(50):
            print_line(f"line {n}")

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in writers:
        t.start()
    for t in writers:
        t.join(5)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 200
    assert all(re.fullmatch(r"line \d", ln) for ln in out)
