"""The benchmark's workloads, implementations and socket roles.

A measurement is one workload (PUSH/PULL, PUB/SUB or REQ/REP at one message size) run
by one implementation (purezmq or pyzmq, blocking or asyncio) over one transport. Each
workload is split into *roles*, one per socket: the role that binds (sink, publisher,
replier) and the roles that connect (source, subscribers, requester). Over tcp and ipc
every role is a process of its own; over inproc the roles are threads (blocking API)
or tasks (asyncio API) of one process, since inproc cannot cross processes.

Roles talk to whoever coordinates them through a :class:`Control`: ``ready`` (bound,
here is the endpoint), ``primed`` (a subscriber got its first message), ``go`` (every
subscriber is primed: start), ``stopped`` (every measuring role is done: close). The
roles that produce messages (source, publisher, replier) close only once told to stop,
with LINGER 0, so no measurement depends on linger semantics.

Everything here runs in the child processes; nothing imports zmq or purezmq at module
level so that the parent can plan a run without loading either.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, cast

from purezmq.benchmark.report import summarize_latencies

__all__ = [
    "IMPLS",
    "IMPLS_BY_NAME",
    "WORKLOADS",
    "WORKLOADS_BY_NAME",
    "Control",
    "Impl",
    "Job",
    "Workload",
]

#: a payload that a measuring role returns: counts, seconds, microseconds
Payload = dict[str, float]

#: pacing of the publisher's priming messages and of polls for "stop" (seconds)
_PRIME_INTERVAL = 0.001
_STOP_POLL = 0.002


@dataclass(frozen=True)
class Workload:
    """One row of the matrix: a pattern at one message size.

    Attributes:
        name: the name used by ``--workloads`` (``pushpull-256``).
        pattern: ``pushpull``, ``pubsub`` or ``reqrep``.
        size: message size in bytes.
        subscribers: PUB/SUB only: how many subscriber processes.
        calibration_n: messages (round trips) of the calibration run.
        min_n: the smallest count a calibrated run uses.
        max_n: the largest count a calibrated run uses (bounds time and memory).
        poller: every receiving end waits in a ``Poller`` before each recv, as
            programs that serve several sockets do (not a row of issue #7's matrix).
        poll_fd: that Poller watches an idle pipe too (a raw descriptor), as programs
            that wait for a signal or a wake-up pipe beside their sockets do.
        proxy: REQ/REP only: the replier is the mtserver seed's server, a ROUTER
            relayed by a proxy to a DEALER in front of REP workers over inproc (not
            a row of issue #7's matrix).
    """

    name: str
    pattern: str
    size: int
    subscribers: int = 0
    calibration_n: int = 2000
    min_n: int = 100
    max_n: int = 2_000_000
    poller: bool = False
    poll_fd: bool = False
    proxy: bool = False

    @property
    def kind(self) -> str:
        """``throughput`` (msg/s, higher is better) or ``latency`` (us, lower is better)."""
        return "latency" if self.pattern == "reqrep" else "throughput"

    @property
    def label(self) -> str:
        """A human name: ``PUSH/PULL 256 B``, ``PUB/SUB 256 B x4``."""
        pattern = {"pushpull": "PUSH/PULL", "pubsub": "PUB/SUB", "reqrep": "REQ/REP"}
        text = f"{pattern[self.pattern]} {_size_text(self.size)}"
        if self.poller:
            text += " poller+fd" if self.poll_fd else " poller"
        if self.proxy:
            text += " via proxy"
        return f"{text} x{self.subscribers}" if self.subscribers else text


def _size_text(size: int) -> str:
    if size >= 1 << 20 and size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    if size >= 1 << 10 and size % (1 << 10) == 0:
        return f"{size >> 10} KiB"
    return f"{size} B"


#: The issue's matrix. Calibration counts are small enough for the slowest
#: implementation (zmq.asyncio) to finish them in well under a second.
WORKLOADS: tuple[Workload, ...] = (
    Workload("pushpull-16", "pushpull", 16, calibration_n=5000),
    Workload("pushpull-256", "pushpull", 256, calibration_n=5000),
    Workload("pushpull-4k", "pushpull", 4096, calibration_n=3000),
    Workload("pushpull-64k", "pushpull", 65536, calibration_n=500, min_n=50, max_n=50_000),
    Workload("pushpull-1m", "pushpull", 1 << 20, calibration_n=40, min_n=20, max_n=3000),
    Workload("pubsub-256x1", "pubsub", 256, subscribers=1, calibration_n=3000),
    Workload("pubsub-256x4", "pubsub", 256, subscribers=4, calibration_n=3000),
    Workload("reqrep-16", "reqrep", 16, calibration_n=300, min_n=200, max_n=200_000),
    Workload("reqrep-4k", "reqrep", 4096, calibration_n=300, min_n=200, max_n=200_000),
    Workload(
        "reqrep-16-poll", "reqrep", 16, calibration_n=300, min_n=200, max_n=200_000, poller=True
    ),
    Workload(
        "reqrep-16-pollfd",
        "reqrep",
        16,
        calibration_n=300,
        min_n=200,
        max_n=200_000,
        poller=True,
        poll_fd=True,
    ),
    Workload(
        "reqrep-16-proxy", "reqrep", 16, calibration_n=300, min_n=200, max_n=200_000, proxy=True
    ),
)
WORKLOADS_BY_NAME = {w.name: w for w in WORKLOADS}


@dataclass(frozen=True)
class Impl:
    """An implementation under test.

    Attributes:
        name: the name used by ``--impls`` (``purezmq.asyncio+uvloop``).
        library: ``purezmq`` or ``pyzmq``; ``none`` for a floor (no ZeroMQ at all).
        is_async: uses the asyncio API (both ends of every workload do).
        loop: ``uvloop`` or ``asyncio`` (the default loop); ignored when blocking.
        references: what the ratio compares it with: the first one measured.
        default: part of the default matrix.
        patterns: the only patterns it runs (empty: all).
        transports: the only transports it runs (empty: all).
        replier_task: a floor whose replier is a task awaiting each request, as a REP
            server coroutine awaits ``recv()`` (else it echoes in the read callback).
    """

    name: str
    library: str
    is_async: bool = False
    loop: str = "asyncio"
    references: tuple[str, ...] = ()
    default: bool = True
    patterns: tuple[str, ...] = ()
    transports: tuple[str, ...] = ()
    replier_task: bool = False

    def runs(self, workload: Workload, transport: str) -> bool:
        """Whether it has a cell for ``workload`` over ``transport`` (a floor has no
        poller to wait in and no proxy)."""
        return (
            (not self.patterns or workload.pattern in self.patterns)
            and (not self.transports or transport in self.transports)
            and not ((workload.poller or workload.proxy) and self.library == "none")
        )


def _floor(name: str, replier_task: bool) -> Impl:
    """A floor (no ZeroMQ): REQ/REP over tcp and ipc, uvloop if its name says so."""
    uvloop = name.endswith("+uvloop")
    return Impl(
        name,
        "none",
        is_async=True,
        loop="uvloop" if uvloop else "asyncio",
        references=("zmq.asyncio+uvloop", "zmq.asyncio") if uvloop else ("zmq.asyncio",),
        patterns=("reqrep",),
        transports=("tcp", "ipc"),
        replier_task=replier_task,
    )


IMPLS: tuple[Impl, ...] = (
    Impl("pyzmq", "pyzmq"),
    Impl("purezmq", "purezmq", references=("pyzmq",)),
    Impl("zmq.asyncio", "pyzmq", is_async=True),
    Impl("purezmq.asyncio", "purezmq", is_async=True, references=("zmq.asyncio",)),
    Impl(
        "purezmq.asyncio+uvloop",
        "purezmq",
        is_async=True,
        loop="uvloop",
        references=("zmq.asyncio+uvloop", "zmq.asyncio"),
    ),
    Impl("zmq.asyncio+uvloop", "pyzmq", is_async=True, loop="uvloop", default=False),
    # Floors: the same round trip with a bare asyncio protocol and no ZeroMQ (no
    # framing, no pattern): what any asyncio implementation pays on this machine and
    # loop when it reads as purezmq does (BufferedProtocol, one reused buffer); the
    # task-echo ones with a task on both ends, each awaiting a future per message as
    # every ``await sock.recv()`` does: the floor of an awaitable API (REQ/REP rows are
    # a coroutine on each end in every asyncio implementation measured here)
    _floor("asyncio-echo", replier_task=False),
    _floor("asyncio-echo+uvloop", replier_task=False),
    _floor("asyncio-task-echo", replier_task=True),
    _floor("asyncio-task-echo+uvloop", replier_task=True),
)
IMPLS_BY_NAME = {i.name: i for i in IMPLS}


@dataclass(frozen=True)
class Job:
    """What one measurement asks of its roles (picklable: it crosses processes).

    Attributes:
        pattern: the workload's pattern.
        size: message size in bytes.
        n: messages (or round trips) measured.
        warmup: messages (round trips) before the clock starts.
        subscribers: PUB/SUB: how many subscribers must be primed before ``go``.
        timeout: seconds the whole measurement may take.
        poller: receivers wait in a ``Poller`` before each recv.
        poll_fd: that Poller watches an idle pipe too.
        proxy: the replier is a proxy in front of REP workers.
    """

    pattern: str
    size: int
    n: int
    warmup: int
    subscribers: int = 0
    timeout: float = 60.0
    poller: bool = False
    poll_fd: bool = False
    proxy: bool = False


class Control(Protocol):
    """A role's line to its coordinator (the parent process, or the inproc host)."""

    def ready(self, endpoint: str) -> None:
        """The binding role is bound to ``endpoint``."""

    def primed(self) -> None:
        """A subscriber received its first (priming) message."""

    def go(self) -> bool:
        """Every subscriber is primed: the publisher may start measuring."""

    def stopped(self) -> bool:
        """Every measuring role is done: producers may close."""


# ------------------------------------------------------------------ roles
#: Which roles each pattern has: (binding role, connecting role, which one measures).
PATTERN_ROLES: dict[str, tuple[str, str, str]] = {
    "pushpull": ("sink", "source", "sink"),
    "pubsub": ("pub", "sub", "sub"),
    "reqrep": ("rep", "req", "req"),
}


def connector_count(job: Job) -> int:
    """How many connecting roles a job has (one, or one per subscriber)."""
    return job.subscribers if job.pattern == "pubsub" else 1


def _endpoint(sock: Any) -> str:
    value = sock.last_endpoint
    return value.decode() if isinstance(value, bytes) else str(value)


def _expired(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(f"timed out {what}")


def _throughput(n: int, t0: float) -> Payload:
    return {"n": float(n), "elapsed": time.perf_counter() - t0}


def _bound(zmq: Any, ctx: Any, kind: int, endpoint: str, ctl: Control) -> Any:
    sock = ctx.socket(kind)
    try:
        if kind == zmq.PUB:
            sock.setsockopt(zmq.SNDHWM, 0)  # no drops: a fast publisher would lose messages
        sock.bind(endpoint)
        ctl.ready(_endpoint(sock))
    except BaseException:
        sock.close(linger=0)
        raise
    return sock


def _connected(zmq: Any, ctx: Any, kind: int, endpoint: str) -> Any:
    sock = ctx.socket(kind)
    try:
        if kind == zmq.SUB:
            sock.setsockopt(zmq.RCVHWM, 0)
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(endpoint)
    except BaseException:
        sock.close(linger=0)
        raise
    return sock


def _wait_stop(ctl: Control, deadline: float) -> None:
    while not ctl.stopped():
        _expired(deadline, "waiting for the measuring side to finish")
        time.sleep(_STOP_POLL)


async def _await_stop(ctl: Control, deadline: float) -> None:
    while not ctl.stopped():
        _expired(deadline, "waiting for the measuring side to finish")
        await asyncio.sleep(_STOP_POLL)


def _role_socket(role: str, zmq: Any, ctx: Any, ctl: Control, endpoint: str) -> Any:
    """The socket of ``role``: the measuring or replying side binds, the other connects
    (the same for both APIs: only send/recv differ)."""
    if role in ("sink", "pub", "rep"):
        kind = {"sink": zmq.PULL, "pub": zmq.PUB, "rep": zmq.REP}[role]
        return _bound(zmq, ctx, kind, endpoint, ctl)
    kind = {"source": zmq.PUSH, "sub": zmq.SUB, "req": zmq.REQ}[role]
    return _connected(zmq, ctx, kind, endpoint)


def _polled_recv(zmq: Any, sock: Any, fd: int = -1) -> Callable[[], Any]:
    """``sock.recv`` behind a wait in a Poller (the poller workloads), which watches
    the descriptor ``fd`` too unless it is -1 (nothing is written to it)."""
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    if fd >= 0:
        poller.register(fd, zmq.POLLIN)
    poll, recv = poller.poll, sock.recv

    def polled() -> Any:
        poll()
        return recv()

    return polled


def _polled_arecv(zmq: Any, sock: Any, fd: int = -1) -> Callable[[], Any]:
    """:func:`_polled_recv` for an asyncio socket (``zmq`` is the blocking module)."""
    poller = importlib.import_module(f"{zmq.__name__}.asyncio").Poller()
    poller.register(sock, zmq.POLLIN)
    if fd >= 0:
        poller.register(fd, zmq.POLLIN)
    poll, recv = poller.poll, sock.recv

    async def polled() -> Any:
        await poll()
        return await recv()

    return polled


def _close_idle(idle: tuple[int, int]) -> None:
    for fd in idle:
        if fd >= 0:
            os.close(fd)


#: REP workers behind the proxy workloads' queue: the seed has five, but one request is
#: in flight at a time, so two already make the DEALER alternate between workers
_PROXY_WORKERS = 2
_workers_serial = itertools.count()


def _workers_endpoint() -> str:
    """Where a proxy workload's workers connect: unique in this process (the roles of
    an inproc job share it)."""
    return f"inproc://purezmq-bench-workers-{os.getpid()}-{next(_workers_serial)}"


def _rep_worker(
    zmq: Any, ctx: Any, url: str, connected: threading.Barrier, errors: list[BaseException]
) -> None:
    """A REP worker thread of the proxy workloads: echo each request until the
    context is terminated."""
    sock = ctx.socket(zmq.REP)
    try:
        sock.connect(url)
        connected.wait()
        recv, send = sock.recv, sock.send
        while True:
            send(recv())
    except zmq.ContextTerminated:
        pass  # the replier is stopping
    except BaseException as e:
        connected.abort()
        errors.append(e)
    finally:
        sock.close(linger=0)


def _relay(zmq: Any, front: Any, back: Any, errors: list[BaseException]) -> None:
    """The proxy thread: ``zmq.proxy`` until the workers' context is terminated; it
    closes both sockets."""
    try:
        zmq.proxy(front, back)
    except zmq.ContextTerminated:
        pass
    except BaseException as e:
        errors.append(e)
    finally:
        front.close(linger=0)
        back.close(linger=0)


def _proxied_replier(zmq: Any, ctx: Any, ctl: Control, endpoint: str, deadline: float) -> None:
    """The replier of the proxy workloads, blocking: the mtserver seed's server.

    A ROUTER bound to ``endpoint`` and a DEALER bound over inproc are joined by
    ``zmq.proxy`` in a thread; REP workers, a thread each, connect to the DEALER. The
    DEALER and the workers have a context of their own (the ROUTER is in ``ctx``, which
    an inproc requester shares): terminating it once the requester is done, as the seed
    stops, wakes the workers and the proxy with ContextTerminated, and each closes its
    sockets in its own thread.
    """
    wctx = zmq.Context()
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []
    owned: list[Any] = []  # the sockets to close here: all, until the proxy thread has them

    def start(target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=(zmq, *args, errors), daemon=True)
        thread.start()
        threads.append(thread)

    try:
        url = _workers_endpoint()
        back = wctx.socket(zmq.DEALER)
        owned.append(back)
        back.bind(url)
        connected = threading.Barrier(_PROXY_WORKERS + 1)
        for _ in range(_PROXY_WORKERS):
            start(_rep_worker, wctx, url, connected)
        connected.wait(max(0.0, deadline - time.monotonic()))  # requests reach every worker
        front = _bound(zmq, ctx, zmq.ROUTER, endpoint, ctl)
        owned.append(front)
        start(_relay, front, back)
        owned.clear()
        while not ctl.stopped() and not errors:
            _expired(deadline, "waiting for the measuring side to finish")
            time.sleep(_STOP_POLL)
    finally:
        for sock in owned:
            sock.close(linger=0)
        wctx.term()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("a worker or the proxy did not stop")
    if errors:
        raise errors[0]


async def _forward(src: Any, dst: Any) -> None:
    """One direction of the asyncio proxy: each whole message from ``src`` to ``dst``."""
    while True:
        await dst.send_multipart(await src.recv_multipart())


async def _arep_worker(sock: Any) -> None:
    """A REP worker task of the proxy workloads: echo each request until cancelled."""
    while True:
        await sock.send(await sock.recv())


async def _aproxied_replier(
    zmq: Any, ctx: Any, ctl: Control, endpoint: str, deadline: float
) -> None:
    """:func:`_proxied_replier` with the asyncio API, as the seed's asyncio form is
    built: the workers are tasks, and so is the proxy (neither asyncio API has a proxy
    function), a task per direction forwarding whole messages; all are stopped by
    cancelling them."""
    socks: list[Any] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        url = _workers_endpoint()
        back = ctx.socket(zmq.DEALER)
        socks.append(back)
        back.bind(url)
        for _ in range(_PROXY_WORKERS):
            rep = ctx.socket(zmq.REP)
            socks.append(rep)
            rep.connect(url)
            tasks.append(asyncio.ensure_future(_arep_worker(rep)))
        front = _bound(zmq, ctx, zmq.ROUTER, endpoint, ctl)
        socks.append(front)
        tasks.append(asyncio.ensure_future(_forward(front, back)))
        tasks.append(asyncio.ensure_future(_forward(back, front)))
        while not ctl.stopped():
            for task in tasks:
                if task.done():
                    task.result()  # a task that ended has failed: raise its error
            _expired(deadline, "waiting for the measuring side to finish")
            await asyncio.sleep(_STOP_POLL)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sock in socks:
            sock.close(linger=0)


def _blocking_role(
    role: str, zmq: Any, ctx: Any, ctl: Control, endpoint: str, job: Job, deadline: float
) -> Payload | None:
    """Run one role with the blocking API; close its socket whatever happens."""
    if role == "rep" and job.proxy:
        _proxied_replier(zmq, ctx, ctl, endpoint, deadline)
        return None
    msg = b"x" * job.size
    sock = _role_socket(role, zmq, ctx, ctl, endpoint)
    idle = os.pipe() if job.poll_fd else (-1, -1)
    try:
        recv, send = sock.recv, sock.send
        if job.poller:
            recv = _polled_recv(zmq, sock, idle[0])
        if role == "sink":
            for _ in range(job.warmup):
                recv()
            t0 = time.perf_counter()
            for _ in range(job.n):
                recv()
            return _throughput(job.n, t0)
        if role == "source":
            for _ in range(job.warmup + job.n):
                send(msg)
        elif role == "pub":
            # slow joiners: prime until every subscriber has a message, then measure
            while not ctl.go():
                _expired(deadline, "waiting for subscribers")
                send(b"")
                time.sleep(_PRIME_INTERVAL)
            for _ in range(job.n):
                send(msg)
        elif role == "sub":
            recv()
            ctl.primed()
            while len(recv()) != job.size:
                pass  # the rest of the priming messages (empty; job.size > 0)
            t0 = time.perf_counter()
            for _ in range(job.n - 1):
                recv()
            return _throughput(job.n - 1, t0)
        elif role == "rep":
            for _ in range(job.warmup + job.n):
                send(recv())
        else:  # req
            for _ in range(job.warmup):
                send(msg)
                recv()
            clock = time.perf_counter
            times = []
            for _ in range(job.n):
                t0 = clock()
                send(msg)
                recv()
                times.append(clock() - t0)
            return summarize_latencies(times)
        _wait_stop(ctl, deadline)
        return None
    finally:
        sock.close(linger=0)
        _close_idle(idle)


async def _async_role(
    role: str, zmq: Any, ctx: Any, ctl: Control, endpoint: str, job: Job, deadline: float
) -> Payload | None:
    """:func:`_blocking_role` with the asyncio API (both ends use it)."""
    if role == "rep" and job.proxy:
        await _aproxied_replier(zmq, ctx, ctl, endpoint, deadline)
        return None
    msg = b"x" * job.size
    sock = _role_socket(role, zmq, ctx, ctl, endpoint)
    idle = os.pipe() if job.poll_fd else (-1, -1)
    try:
        recv, send = sock.recv, sock.send
        if job.poller:
            recv = _polled_arecv(zmq, sock, idle[0])
        if role == "sink":
            for _ in range(job.warmup):
                await recv()
            t0 = time.perf_counter()
            for _ in range(job.n):
                await recv()
            return _throughput(job.n, t0)
        if role == "source":
            for _ in range(job.warmup + job.n):
                await send(msg)
        elif role == "pub":
            while not ctl.go():
                _expired(deadline, "waiting for subscribers")
                await send(b"")
                await asyncio.sleep(_PRIME_INTERVAL)
            for _ in range(job.n):
                await send(msg)
        elif role == "sub":
            await recv()
            ctl.primed()
            while len(await recv()) != job.size:
                pass
            t0 = time.perf_counter()
            for _ in range(job.n - 1):
                await recv()
            return _throughput(job.n - 1, t0)
        elif role == "rep":
            for _ in range(job.warmup + job.n):
                await send(await recv())
        else:  # req
            for _ in range(job.warmup):
                await send(msg)
                await recv()
            clock = time.perf_counter
            times = []
            for _ in range(job.n):
                t0 = clock()
                await send(msg)
                await recv()
                times.append(clock() - t0)
            return summarize_latencies(times)
        await _await_stop(ctl, deadline)
        return None
    finally:
        sock.close(linger=0)
        _close_idle(idle)


# ------------------------------------------------------------------ libraries
def load(impl: Impl) -> tuple[Any, Any]:
    """The blocking module (for constants and ``Context``) and the asyncio module."""
    if impl.library == "purezmq":
        import purezmq
        import purezmq.asyncio

        return purezmq, purezmq.asyncio
    import zmq
    import zmq.asyncio

    return zmq, zmq.asyncio


def run_coroutine(loop: str, make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a new event loop of the given kind (3.10 has no Runner)."""
    if loop == "uvloop":
        import uvloop

        new_loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        new_loop = asyncio.new_event_loop()
    asyncio.set_event_loop(new_loop)
    try:
        return new_loop.run_until_complete(make())
    finally:
        asyncio.set_event_loop(None)
        new_loop.close()


def run_role(impl: Impl, role: str, ctl: Control, endpoint: str, job: Job) -> Payload | None:
    """Run one role in this process with its own context, terminated at the end."""
    deadline = time.monotonic() + job.timeout
    if impl.library == "none":
        result: Payload | None = run_coroutine(
            impl.loop,
            lambda: _echo_role(role, ctl, endpoint, job, deadline, impl.replier_task),
        )
        return result
    zmq, azmq = load(impl)
    if not impl.is_async:
        ctx = zmq.Context()
        try:
            return _blocking_role(role, zmq, ctx, ctl, endpoint, job, deadline)
        finally:
            ctx.term()

    async def main() -> Payload | None:
        actx = azmq.Context()
        try:
            return await _async_role(role, zmq, actx, ctl, endpoint, job, deadline)
        finally:
            actx.term()

    result = run_coroutine(impl.loop, main)
    return result


# ------------------------------------------------------------------ the asyncio floor
class _EchoProtocol(asyncio.BufferedProtocol):
    """One end of the floor's exchange: messages of ``size`` bytes, read into one
    reused buffer as purezmq's engine reads. asyncio's streams (and any plain
    ``Protocol``) get a fresh 256 KiB ``bytes`` per read instead, which glibc maps,
    shrinks and unmaps: three system calls per read, and on the reference machine
    129-162 us per round trip against 60-75 us for this protocol (default loop).

    With ``echo`` it writes each whole message back from the read callback; otherwise
    it queues each as ``bytes`` for :meth:`receive`: the requester, and with ``serve``
    the replier of ``asyncio-task-echo``, a task started on connection that awaits each
    request and writes it back."""

    def __init__(self, size: int, echo: bool, wanted: int, serve: bool = False) -> None:
        self.size = size
        self.echo = echo  # the replier writes each message back
        self.wanted = wanted  # the replier's messages until ``done``
        self.serve = serve
        self.server: asyncio.Task[None] | None = None  # the replier task (serve)
        self.view = memoryview(bytearray(max(2 * size, 65536)))
        self.got = 0
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.done: asyncio.Future[None] = loop.create_future()
        self.inbox: deque[bytes] = deque()  # whole messages for receive()
        self.reply: asyncio.Future[None] | None = None  # receive()'s waiter

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but write the same
        self.transport = cast(asyncio.Transport, transport)
        if self.serve:
            self.server = asyncio.get_running_loop().create_task(self._serve())

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view[self.got :]

    def buffer_updated(self, nbytes: int) -> None:
        self.got += nbytes
        size, view = self.size, self.view
        while self.got >= size:
            if self.echo:
                assert self.transport is not None
                self.transport.write(bytes(view[:size]))
            else:
                self.inbox.append(bytes(view[:size]))
            rest = self.got - size
            if rest:
                view[:rest] = view[size : self.got]
            self.got = rest
            if self.echo:
                self.wanted -= 1
                if not self.wanted and not self.done.done():
                    self.done.set_result(None)
            elif self.reply is not None and not self.reply.done():
                self.reply.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        error = exc or ConnectionError("the echo peer closed the connection")
        for fut in (self.done, self.reply):
            if fut is not None and not fut.done():
                fut.set_exception(error)
                fut.exception()  # retrieved: not logged when nobody awaits it

    async def receive(self) -> bytes:
        """The next whole message, waiting for it on a future if none is queued."""
        if not self.inbox:
            self.reply = asyncio.get_running_loop().create_future()
            await self.reply
        return self.inbox.popleft()

    async def exchange(self, msg: bytes) -> None:
        """Requester: write ``msg``, wait until its echo is back whole."""
        assert self.transport is not None
        self.transport.write(msg)
        await self.receive()

    async def _serve(self) -> None:
        """Replier task: await each request and write it back, ``wanted`` times."""
        assert self.transport is not None
        try:
            for _ in range(self.wanted):
                self.transport.write(await self.receive())
        except ConnectionError:
            return  # connection_lost has failed ``done`` already
        if not self.done.done():
            self.done.set_result(None)


async def _echo_role(
    role: str, ctl: Control, endpoint: str, job: Job, deadline: float, replier_task: bool
) -> Payload | None:
    """REQ/REP's exchange with a bare asyncio protocol and nothing else: the replier
    echoes ``job.size`` bytes (from its read callback, or with ``replier_task`` from a
    task awaiting each request), the requester times each round trip (tcp or ipc)."""
    if job.pattern != "reqrep":
        raise ValueError("the asyncio echo floor only has REQ/REP")
    loop = asyncio.get_running_loop()
    scheme, _, address = endpoint.partition("://")
    if role == "rep":
        served: list[_EchoProtocol] = []
        connected: asyncio.Future[_EchoProtocol] = loop.create_future()

        def make() -> _EchoProtocol:
            proto = _EchoProtocol(
                job.size, echo=not replier_task, wanted=job.warmup + job.n, serve=replier_task
            )
            served.append(proto)
            if not connected.done():
                connected.set_result(proto)
            return proto

        if scheme == "ipc":
            server = await loop.create_unix_server(make, address)
            bound = endpoint
        else:
            host = address.rpartition(":")[0]
            server = await loop.create_server(make, host, 0)
            bound = f"tcp://{host}:{server.sockets[0].getsockname()[1]}"
        async with server:
            ctl.ready(bound)
            first = await asyncio.wait_for(connected, max(0.0, deadline - time.monotonic()))
            await asyncio.wait_for(first.done, max(0.0, deadline - time.monotonic()))
            await _await_stop(ctl, deadline)
            for proto in served:
                if proto.transport is not None:
                    proto.transport.close()
        return None
    proto = _EchoProtocol(job.size, echo=False, wanted=0)
    if scheme == "ipc":
        transport, _ = await loop.create_unix_connection(lambda: proto, address)
    else:
        host, _, port = address.rpartition(":")
        transport, _ = await loop.create_connection(lambda: proto, host, int(port))
    try:
        msg = b"x" * job.size
        for _ in range(job.warmup):
            await proto.exchange(msg)
        clock = time.perf_counter
        times = []
        for _ in range(job.n):
            t0 = clock()
            await proto.exchange(msg)
            times.append(clock() - t0)
        return summarize_latencies(times)
    finally:
        transport.close()


# ------------------------------------------------------------------ inproc host
class LocalControl:
    """The coordinator of roles that share one process (inproc): flags, no messages."""

    def __init__(self, subscribers: int) -> None:
        self._lock = threading.Lock()
        self._bound = threading.Event()
        self._subscribers = subscribers
        self._primed = 0
        self._go = False
        self._stop = False
        self.endpoint = ""

    def ready(self, endpoint: str) -> None:
        """Record the endpoint and let the connecting roles start."""
        self.endpoint = endpoint
        self._bound.set()

    def primed(self) -> None:
        """Count a primed subscriber; the last one lets the publisher go."""
        with self._lock:
            self._primed += 1
            self._go = self._primed >= self._subscribers

    def go(self) -> bool:
        """Every subscriber is primed."""
        return self._go

    def stopped(self) -> bool:
        """The measuring roles are done."""
        return self._stop

    def stop(self) -> None:
        """Tell the producing roles to close."""
        self._stop = True

    def wait_bound(self, timeout: float) -> bool:
        """Block (threads) until the binding role has bound, at most ``timeout`` s."""
        return self._bound.wait(timeout)

    def is_bound(self) -> bool:
        """Whether the binding role has bound (for tasks, which must not block)."""
        return self._bound.is_set()


def run_inproc(impl: Impl, endpoint: str, job: Job) -> list[Payload]:
    """Run every role of ``job`` in this process over inproc; the measuring payloads."""
    zmq, azmq = load(impl)
    binder, connector, measuring = PATTERN_ROLES[job.pattern]
    roles = [binder] + [connector] * connector_count(job)
    ctl = LocalControl(job.subscribers)
    deadline = time.monotonic() + job.timeout
    if impl.is_async:
        return list(
            run_coroutine(
                impl.loop, lambda: _inproc_tasks(azmq, zmq, roles, ctl, endpoint, job, deadline)
            )
        )
    ctx = zmq.Context()
    outcomes: list[Payload | BaseException | None] = [None] * len(roles)

    def worker(i: int, role: str) -> None:
        try:
            outcomes[i] = _blocking_role(role, zmq, ctx, ctl, endpoint, job, deadline)
        except BaseException as e:
            outcomes[i] = e

    threads = [
        threading.Thread(target=worker, args=(i, r), daemon=True) for i, r in enumerate(roles)
    ]
    threads[0].start()
    if not ctl.wait_bound(job.timeout):
        raise TimeoutError("timed out waiting for the inproc bind")
    for t in threads[1:]:
        t.start()
    order = [i for i, r in enumerate(roles) if r == measuring] + [
        i for i, r in enumerate(roles) if r != measuring
    ]
    for i in order:
        if roles[i] != measuring:
            ctl.stop()
        threads[i].join(max(0.0, deadline - time.monotonic()))
        outcome = outcomes[i]
        if threads[i].is_alive():
            # a stuck thread keeps its socket: the parent kills this process
            raise TimeoutError(f"{roles[i]} did not finish in {job.timeout:g} s")
        if isinstance(outcome, BaseException):
            raise outcome
    ctx.term()
    return [o for o in outcomes if isinstance(o, dict)]


async def _inproc_tasks(
    azmq: Any,
    zmq: Any,
    roles: list[str],
    ctl: LocalControl,
    endpoint: str,
    job: Job,
    deadline: float,
) -> list[Payload]:
    """The asyncio form of :func:`run_inproc`: one task per role on this loop."""
    measuring = PATTERN_ROLES[job.pattern][2]
    ctx = azmq.Context()
    tasks: list[asyncio.Task[Payload | None]] = []
    try:
        tasks.append(
            asyncio.ensure_future(_async_role(roles[0], zmq, ctx, ctl, endpoint, job, deadline))
        )
        while not ctl.is_bound():  # bounded: the binder binds before its first await
            if tasks[0].done():
                tasks[0].result()  # raises the binder's error
            _expired(deadline, "waiting for the inproc bind")
            await asyncio.sleep(0)
        for role in roles[1:]:
            coro = _async_role(role, zmq, ctx, ctl, endpoint, job, deadline)
            tasks.append(asyncio.ensure_future(coro))
        measured = [t for t, r in zip(tasks, roles, strict=True) if r == measuring]
        await _all_or_first_error(measured, deadline)
        ctl.stop()
        await _all_or_first_error(tasks, deadline)
        return [p for p in (t.result() for t in measured) if p is not None]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        ctx.term()


async def _all_or_first_error(tasks: list[asyncio.Task[Payload | None]], deadline: float) -> None:
    """Wait for every task, raising the first error (or TimeoutError at the deadline)."""
    timeout = max(0.0, deadline - time.monotonic())
    done, pending = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
    for t in done:
        if not t.cancelled() and t.exception() is not None:
            t.result()
    if pending:
        raise TimeoutError("timed out waiting for the inproc roles")
