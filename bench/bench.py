"""Side-by-side benchmarks: purezmq against pyzmq, measured in the same run.

Each workload runs as two processes over tcp loopback (the sender/requester in a child
process, the receiver/replier here), alternating implementations so drift hits both,
and reports the median of several runs and the ratio to pyzmq.

Usage:
    python bench/bench.py [--runs 3] [--quick]

Speed is never asserted in tests; this script only measures and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

IMPLS = ("pyzmq", "purezmq", "zmq.asyncio", "purezmq.asyncio")


def _mod(name: str) -> Any:
    if name.startswith("purezmq"):
        import purezmq

        return purezmq
    import zmq

    return zmq


def _amod(name: str) -> Any:
    if name.startswith("purezmq"):
        import purezmq.asyncio

        return purezmq.asyncio
    import zmq.asyncio

    return zmq.asyncio


# ------------------------------------------------------------------ peers (child side)
def _push_peer(impl: str, endpoint: str, n: int, size: int) -> None:
    zmq = _mod(impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.connect(endpoint)
    msg = b"x" * size
    for _ in range(n):
        s.send(msg)
    s.close(linger=-1)
    ctx.term()


def _req_peer(impl: str, endpoint: str, n: int, size: int, q: Any) -> None:
    zmq = _mod(impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    s.connect(endpoint)
    msg = b"x" * size
    s.send(msg)
    s.recv()  # warm-up
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        s.send(msg)
        s.recv()
        times.append(time.perf_counter() - t0)
    q.put(times)
    s.close(0)
    ctx.term()


def _spawn(target: Callable[..., None], impl: str, *args: Any) -> Any:
    """Start the peer in a fresh process, with the blocking flavour of ``impl``."""
    return mp.get_context("spawn").Process(target=target, args=(impl.split(".")[0], *args))


# ------------------------------------------------------------------ receivers (here)
def pushpull(impl: str, n: int, size: int) -> float:
    """Messages per second received by a PULL (sender in another process)."""
    if impl.endswith("asyncio"):
        return asyncio.run(_pushpull_async(impl, n, size))
    zmq = _mod(impl)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    ep = pull.last_endpoint.decode()
    peer = _spawn(_push_peer, impl, ep, n, size)
    peer.start()
    pull.recv()
    t0 = time.perf_counter()
    for _ in range(n - 1):
        pull.recv()
    dt = time.perf_counter() - t0
    peer.join()
    pull.close(0)
    ctx.term()
    return (n - 1) / dt


async def _pushpull_async(impl: str, n: int, size: int) -> float:
    azmq, zmq = _amod(impl), _mod(impl)
    ctx = azmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    ep = pull.last_endpoint.decode()
    peer = _spawn(_push_peer, impl, ep, n, size)
    peer.start()
    await pull.recv()
    t0 = time.perf_counter()
    for _ in range(n - 1):
        await pull.recv()
    dt = time.perf_counter() - t0
    peer.join()
    pull.close(0)
    ctx.term()
    return (n - 1) / dt


def reqrep(impl: str, n: int, size: int) -> tuple[float, float]:
    """Median and p99 round trip in microseconds (requester in another process)."""
    q = mp.get_context("spawn").Queue()
    if impl.endswith("asyncio"):
        return asyncio.run(_reqrep_async(impl, n, size, q))
    zmq = _mod(impl)
    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.bind("tcp://127.0.0.1:*")
    peer = mp.get_context("spawn").Process(
        target=_req_peer, args=(impl.split(".")[0], rep.last_endpoint.decode(), n, size, q)
    )
    peer.start()
    for _ in range(n + 1):
        rep.send(rep.recv())
    times = q.get()
    peer.join()
    rep.close(0)
    ctx.term()
    return _stats(times)


async def _reqrep_async(impl: str, n: int, size: int, q: Any) -> tuple[float, float]:
    azmq, zmq = _amod(impl), _mod(impl)
    ctx = azmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.bind("tcp://127.0.0.1:*")
    peer = mp.get_context("spawn").Process(
        target=_req_peer, args=(impl.split(".")[0], rep.last_endpoint.decode(), n, size, q)
    )
    peer.start()
    for _ in range(n + 1):
        await rep.send(await rep.recv())
    times = await asyncio.get_running_loop().run_in_executor(None, q.get)
    peer.join()
    rep.close(0)
    ctx.term()
    return _stats(times)


def _stats(times: list[float]) -> tuple[float, float]:
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.99)] * 1e6


# ------------------------------------------------------------------ driver
def _median_of(runs: int, fn: Callable[[], Any]) -> Any:
    results = [fn() for _ in range(runs)]
    if isinstance(results[0], tuple):
        return tuple(statistics.median(r[i] for r in results) for i in range(len(results[0])))
    return statistics.median(results)


def main(argv: list[str] | None = None) -> int:
    """Run the workloads and print a table with ratios against pyzmq."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer messages (a smoke run)")
    args = ap.parse_args(argv)
    scale = 10 if args.quick else 1
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}; medians of {args.runs} runs"
    )
    rows: list[tuple[str, str, float, str]] = []
    for size, n in ((16, 200_000), (256, 200_000), (4096, 50_000), (65536, 5_000), (1 << 20, 500)):
        n = max(n // scale, 50)
        res: dict[str, float] = {}
        for rnd in range(args.runs):
            order = IMPLS if rnd % 2 == 0 else tuple(reversed(IMPLS))
            for impl in order:
                res.setdefault(impl, 0.0)
                res[impl + f"#{rnd}"] = pushpull(impl, n, size)
        for impl in IMPLS:
            med = statistics.median(res[impl + f"#{r}"] for r in range(args.runs))
            rows.append((f"PUSH/PULL {size} B msg/s", impl, med, ""))
    for size in (16, 4096):
        n = max(5000 // scale, 200)
        for impl in IMPLS:
            med, p99 = _median_of(
                args.runs, lambda impl=impl, n=n, size=size: reqrep(impl, n, size)
            )
            rows.append((f"REQ/REP {size} B rtt us (median)", impl, med, f"p99 {p99:.0f}"))
    base = {(w, i): v for w, i, v, _ in rows}
    print(f"{'workload':34} {'impl':16} {'value':>12} {'vs pyzmq':>9} {'vs zmq.asyncio':>15}")
    for w, impl, v, extra in rows:
        ref, aref = base[(w, "pyzmq")], base[(w, "zmq.asyncio")]
        print(f"{w:34} {impl:16} {v:12.1f} {v / ref:9.2f} {v / aref:15.2f}  {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
