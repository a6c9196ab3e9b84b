"""Scale runs: many peers, many sockets, one process; purezmq or pyzmq.

Three scenarios (issue #8, "Reliability"), each checked for correctness as it runs:

* ``router``: one ROUTER bound on tcp loopback and N DEALERs (default 1,000) in the
  same process. Every DEALER sends a request carrying a random nonce; the ROUTER answers
  each with a digest of the nonce and of the routing id it saw; every DEALER checks that
  the answer is its own. Half the DEALERs set ROUTING_ID, half get the ROUTER's
  generated ids; for the former the ROUTER also checks the id frame.
* ``inproc``: N PAIR socket pairs over inproc (default 10,000): each pair exchanges a
  request and a reply.
* ``pubsub``: one PUB bound on tcp loopback and S SUBs (default 100) that each must
  receive every one of M messages (default 1,000), in order. A welcome step (the PUB
  repeats a welcome message until every SUB has seen one) makes sure every subscription
  has reached the PUB before the run, so nothing is lost to the slow-joiner effect.

Each (scenario, implementation) runs in a fresh child process so that peak RSS is that
scenario's own. Reported: wall time of setup (socket creation, bind/connect, and for
router/pubsub the first round trip or welcome that completes every handshake), of the
exchange, and of teardown (close + term); peak RSS (getrusage ru_maxrss); with
``--tracemalloc``, the Python heap peak (it slows the run down, and for pyzmq it misses
libzmq's own C allocations).

Usage:
    python bench/scale.py [--scenario router|inproc|pubsub|all] [--impl purezmq|pyzmq|both]
                          [--dealers 1000] [--pairs 10000] [--subs 100] [--messages 1000]
                          [--rounds 3] [--tracemalloc] [--json]

The scenario functions are also imported by tests/reliability/test_scale.py, which runs
them scaled down and asserts correctness only (never speed).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

IMPLS = ("purezmq", "pyzmq")
SCENARIOS = ("router", "inproc", "pubsub")

#: Per-receive bound (ms): a scale run that stalls fails instead of hanging.
RECV_TIMEOUT_MS = 60_000


class ScaleError(AssertionError):
    """A scenario got a wrong, missing or misrouted message."""


def load_impl(name: str) -> Any:
    """The zmq module for an implementation name (``purezmq`` or ``pyzmq``)."""
    if name == "purezmq":
        import purezmq

        return purezmq
    if name == "pyzmq":
        import zmq

        return zmq
    raise ValueError(f"unknown implementation {name!r}")


def raise_nofile_limit(needed: int) -> int:
    """Raise RLIMIT_NOFILE's soft limit to ``needed`` if possible; return the soft limit.

    1,000 DEALERs and the ROUTER's 1,000 accepted connections in one process need 2,000+
    descriptors, more than the common default of 1,024; libzmq also opens one eventfd per
    socket, so 10,000 inproc pairs need 20,000+. The soft limit goes up to the hard limit;
    past it only if the process may raise the hard limit too (root, CAP_SYS_RESOURCE).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    inf = resource.RLIM_INFINITY
    if soft == inf or soft >= needed:
        return int(soft)
    if hard != inf and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed
        except (ValueError, OSError):
            pass  # not privileged: settle for the hard limit
    new = needed if hard == inf else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return int(new)


def new_context(zmq: Any, sockets: int) -> Any:
    """A context allowed ``sockets`` sockets (libzmq refuses past MAX_SOCKETS, 1023)."""
    ctx = zmq.Context()
    ctx.set(zmq.MAX_SOCKETS, sockets + 16)
    return ctx


@contextlib.contextmanager
def _scope(zmq: Any, sockets: int, times: dict[str, float]) -> Iterator[tuple[Any, list[Any]]]:
    """A context and a list to put every socket in; all closed (and timed) at the end.

    Closing happens even when a check fails, so a failed run leaks nothing.
    """
    ctx = new_context(zmq, sockets)
    opened: list[Any] = []
    try:
        yield ctx, opened
    finally:
        t = time.perf_counter()
        for sock in opened:
            sock.close(0)
        ctx.term()
        times["teardown_s"] = time.perf_counter() - t


def _reply_for(nonce: bytes, routing_id: bytes) -> bytes:
    """The ROUTER's answer: binds the reply to both the request and the peer's id."""
    return hashlib.blake2b(nonce + b"|" + routing_id, digest_size=16).digest()


# ---------------------------------------------------------------------------- router
def run_router(
    zmq: Any, dealers: int = 1000, rounds: int = 3, timeout_ms: int = RECV_TIMEOUT_MS
) -> dict[str, float]:
    """One ROUTER, ``dealers`` DEALERs over tcp, ``rounds`` checked request/reply rounds.

    Everything runs in the calling thread: the DEALERs queue their requests (sends never
    block below the HWM), the ROUTER answers them all, then every DEALER reads its reply.
    Round 0 also completes the tcp and ZMTP handshakes and is counted as setup.
    """
    raise_nofile_limit(3 * dealers + 256)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with _scope(zmq, dealers + 1, times) as (ctx, opened):
        router = ctx.socket(zmq.ROUTER)
        opened.append(router)
        router.setsockopt(zmq.RCVTIMEO, timeout_ms)
        router.setsockopt(zmq.SNDTIMEO, timeout_ms)
        # ROUTER_MANDATORY: a reply to an unknown id raises instead of vanishing silently.
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        router.setsockopt(zmq.BACKLOG, max(100, dealers))
        router.bind("tcp://127.0.0.1:*")
        endpoint = router.getsockopt(zmq.LAST_ENDPOINT).decode()
        socks: list[Any] = []
        explicit_ids: list[bytes | None] = []
        for i in range(dealers):
            s = ctx.socket(zmq.DEALER)
            opened.append(s)
            s.setsockopt(zmq.RCVTIMEO, timeout_ms)
            s.setsockopt(zmq.LINGER, 0)
            rid = b"dealer-%06d" % i if i % 2 == 0 else None
            if rid is not None:
                s.setsockopt(zmq.ROUTING_ID, rid)
            explicit_ids.append(rid)
            s.connect(endpoint)
            socks.append(s)
        times["create_connect_s"] = time.perf_counter() - t0

        def one_round(r: int) -> None:
            nonces = []
            for i, s in enumerate(socks):
                # index + round + random bytes: unique per request, so a reply routed to the
                # wrong DEALER or a stale reply from another round cannot match.
                nonce = b"%d:%d:" % (i, r) + os.urandom(8)
                nonces.append(nonce)
                s.send(nonce)
            seen: set[bytes] = set()
            for _ in range(dealers):
                rid, nonce = router.recv_multipart()
                index = int(nonce.split(b":", 1)[0])
                expected = explicit_ids[index]
                if expected is not None and rid != expected:
                    raise ScaleError(f"ROUTER saw id {rid!r} for dealer {index}, set {expected!r}")
                if rid in seen:
                    raise ScaleError(f"two requests from id {rid!r} in round {r}")
                seen.add(rid)
                router.send_multipart([rid, nonce, _reply_for(nonce, rid)])
            for i, s in enumerate(socks):
                nonce, digest = s.recv_multipart()
                if nonce != nonces[i]:
                    raise ScaleError(f"dealer {i} got the reply to {nonce!r}, sent {nonces[i]!r}")
                rid = explicit_ids[i]
                if rid is not None and digest != _reply_for(nonce, rid):
                    raise ScaleError(f"dealer {i}: reply digest does not match its id")

        t1 = time.perf_counter()
        one_round(0)
        times["first_round_s"] = time.perf_counter() - t1
        times["setup_s"] = time.perf_counter() - t0
        t2 = time.perf_counter()
        for r in range(1, rounds + 1):
            one_round(r)
        times["exchange_s"] = time.perf_counter() - t2
        times["requests"] = float(dealers * rounds)
    return times


# ---------------------------------------------------------------------------- inproc
def run_inproc(
    zmq: Any, pairs: int = 10_000, timeout_ms: int = RECV_TIMEOUT_MS
) -> dict[str, float]:
    """``pairs`` PAIR/PAIR pairs over inproc in one context; each exchanges one round trip."""
    raise_nofile_limit(2 * pairs + 256)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with _scope(zmq, 2 * pairs, times) as (ctx, opened):
        ends: list[tuple[Any, Any]] = []
        for i in range(pairs):
            a = ctx.socket(zmq.PAIR)
            b = ctx.socket(zmq.PAIR)
            opened += (a, b)
            for s in (a, b):
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                s.setsockopt(zmq.LINGER, 0)
            a.bind(f"inproc://scale-pair-{i}")
            b.connect(f"inproc://scale-pair-{i}")
            ends.append((a, b))
        times["setup_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        for i, (a, _b) in enumerate(ends):
            a.send(b"ping %d" % i)
        for i, (_a, b) in enumerate(ends):
            msg = b.recv()
            if msg != b"ping %d" % i:
                raise ScaleError(f"pair {i}: got {msg!r}")
            b.send(b"pong %d" % i)
        for i, (a, _b) in enumerate(ends):
            msg = a.recv()
            if msg != b"pong %d" % i:
                raise ScaleError(f"pair {i}: got {msg!r} back")
        times["exchange_s"] = time.perf_counter() - t1
        times["round_trips"] = float(pairs)
    return times


# ---------------------------------------------------------------------------- pubsub
WELCOME = b"W"
END = b"E"


def run_pubsub(
    zmq: Any,
    subs: int = 100,
    messages: int = 1000,
    size: int = 64,
    timeout_ms: int = RECV_TIMEOUT_MS,
) -> dict[str, float]:
    """One PUB, ``subs`` SUBs over tcp; every SUB must get all ``messages`` in order."""
    raise_nofile_limit(3 * subs + 256)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with _scope(zmq, subs + 1, times) as (ctx, opened):
        pub = ctx.socket(zmq.PUB)
        opened.append(pub)
        # The run publishes everything before any SUB reads (one thread), and a PUB drops at
        # its HWM by design: unlimited HWMs (0) keep this a test of delivery, not of dropping.
        pub.setsockopt(zmq.SNDHWM, 0)
        pub.setsockopt(zmq.LINGER, 0)
        pub.bind("tcp://127.0.0.1:*")
        endpoint = pub.getsockopt(zmq.LAST_ENDPOINT).decode()
        socks: list[Any] = []
        for _ in range(subs):
            s = ctx.socket(zmq.SUB)
            opened.append(s)
            s.setsockopt(zmq.RCVHWM, 0)
            s.setsockopt(zmq.RCVTIMEO, timeout_ms)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.SUBSCRIBE, b"")
            s.connect(endpoint)
            socks.append(s)
        times["create_connect_s"] = time.perf_counter() - t0

        # Welcome step: repeat WELCOME until each SUB has received one; a SUB that got it is
        # subscribed at the PUB, so it will see every later message.
        t1 = time.perf_counter()
        waiting = set(range(subs))
        poller = zmq.Poller()
        for s in socks:
            poller.register(s, zmq.POLLIN)
        deadline = time.monotonic() + timeout_ms / 1000
        welcomes = 0
        while waiting:
            if time.monotonic() > deadline:
                raise ScaleError(f"{len(waiting)} SUBs never got a welcome")
            pub.send(WELCOME)
            welcomes += 1
            ready = dict(poller.poll(20))
            for i in list(waiting):
                if socks[i] in ready:
                    waiting.discard(i)
                    poller.unregister(socks[i])
        times["welcome_s"] = time.perf_counter() - t1
        times["welcomes_sent"] = float(welcomes)
        times["setup_s"] = time.perf_counter() - t0

        t2 = time.perf_counter()
        pad = b"." * max(0, size - 5)
        for n in range(messages):
            pub.send(b"D" + n.to_bytes(4, "big") + pad)
        pub.send(END)
        for i, s in enumerate(socks):
            expect = 0
            while True:
                msg = s.recv()
                if msg == WELCOME:
                    if expect:
                        raise ScaleError(f"sub {i}: welcome after data")
                    continue
                if msg == END:
                    break
                n = int.from_bytes(msg[1:5], "big")
                if n != expect or len(msg) != 5 + len(pad):
                    raise ScaleError(
                        f"sub {i}: got message {n} (len {len(msg)}), expected {expect}"
                    )
                expect += 1
            if expect != messages:
                raise ScaleError(f"sub {i}: got {expect} of {messages} messages")
        times["exchange_s"] = time.perf_counter() - t2
        times["deliveries"] = float(subs * messages)
    return times


# ---------------------------------------------------------------------------- driver
def _run_child(args: argparse.Namespace) -> dict[str, Any]:
    """Run one scenario here (in the child process) and return its measurements."""
    zmq = load_impl(args.impl)
    runners: dict[str, Callable[[], dict[str, float]]] = {
        "router": lambda: run_router(zmq, args.dealers, args.rounds),
        "inproc": lambda: run_inproc(zmq, args.pairs),
        "pubsub": lambda: run_pubsub(zmq, args.subs, args.messages, args.size),
    }
    if args.tracemalloc:
        tracemalloc.start()
    gc.collect()
    result: dict[str, Any] = dict(runners[args.child]())
    if args.tracemalloc:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    return result


def _spawn(args: argparse.Namespace, scenario: str, impl: str) -> dict[str, Any]:
    """Run one (scenario, impl) in a fresh interpreter so peak RSS is its own."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", scenario, "--impl", impl]
    for opt in ("dealers", "pairs", "subs", "messages", "rounds", "size"):
        cmd += [f"--{opt}", str(getattr(args, opt))]
    if args.tracemalloc:
        cmd.append("--tracemalloc")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def _machine() -> str:
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, Linux {platform.release()}"
        if sys.platform.startswith("linux")
        else f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    )


def _fmt(res: dict[str, Any]) -> str:
    if "error" in res:
        return "FAILED: " + str(res["error"])
    parts = [f"setup {res['setup_s']:.2f} s", f"exchange {res['exchange_s']:.2f} s"]
    parts.append(f"teardown {res['teardown_s']:.2f} s")
    if "first_round_s" in res:
        parts.append(f"(first round {res['first_round_s']:.2f} s)")
    if "welcome_s" in res:
        parts.append(f"(welcome {res['welcome_s']:.2f} s, {int(res['welcomes_sent'])} sent)")
    parts.append(f"peak RSS {res['peak_rss_mib']:.0f} MiB")
    if "tracemalloc_peak_mib" in res:
        parts.append(f"tracemalloc peak {res['tracemalloc_peak_mib']:.0f} MiB")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the chosen scenarios per implementation, print the results."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    p.add_argument("--impl", choices=(*IMPLS, "both"), default="both")
    p.add_argument("--dealers", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3, help="checked rounds after the first")
    p.add_argument("--pairs", type=int, default=10_000)
    p.add_argument("--subs", type=int, default=100)
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--size", type=int, default=64, help="pubsub message size (bytes)")
    p.add_argument("--tracemalloc", action="store_true", help="also report the heap peak")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(_run_child(args)))
        return 0

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    impls = IMPLS if args.impl == "both" else (args.impl,)
    results: dict[str, dict[str, Any]] = {}
    if not args.json:
        print(f"# {_machine()}")
    failed = False
    for scenario in scenarios:
        for impl in impls:
            res = _spawn(args, scenario, impl)
            failed = failed or "error" in res
            results.setdefault(scenario, {})[impl] = res
            if not args.json:
                print(f"{scenario:7s} {impl:8s} {_fmt(res)}", flush=True)
    if args.json:
        print(json.dumps({"machine": _machine(), "results": results}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
