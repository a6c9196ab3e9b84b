"""Multithreaded Hello World server: a ROUTER/DEALER queue in front of REP workers.

The shape of the ZeroMQ guide's ``mtserver``:

- a ROUTER socket faces the clients over tcp (bound to ``tcp://127.0.0.1:*``: the
  system picks a free port);
- a DEALER socket faces the workers over inproc (``inproc://workers``);
- :func:`purezmq.proxy.proxy` joins the two: it fair-queues requests from every client,
  load-balances them over the workers and routes each reply back to the client it
  belongs to (the ROUTER's envelope travels with the request and back);
- five workers, each a single-threaded REP server, connect to the DEALER.

Each worker takes :data:`WORK_S` seconds per request, so :data:`N_REQUESTS` requests
would take ``N_REQUESTS * WORK_S`` seconds served one at a time. Because the proxy hands
them to five workers, they take about a fifth of that: the demo measures it and fails
if the requests were not served in parallel.

Blocking form: workers, clients and the proxy are threads sharing one context. The
demo stops the way the guide does: ``ctx.term()`` makes every blocked call raise
:class:`~purezmq.ContextTerminated`, each thread closes its sockets and ends, and
``term()`` returns once they are all closed.

asyncio form (``--asyncio``): workers and clients are tasks on one event loop. The
proxy is a task too, a small loop over a :class:`purezmq.asyncio.Poller`, instead of
:func:`purezmq.proxy.proxy` in a thread: that function blocks its thread, while a task
shares the loop with everything else and is stopped by cancelling it (a cancelled
purezmq recv takes nothing, so no message is lost by stopping it). The work itself is
``await asyncio.sleep``, so five workers on one thread still overlap.

Run it: ``purezmq demo mtserver [--asyncio]``.
"""

from __future__ import annotations

import asyncio as aio
import threading
import time

import purezmq as zmq
import purezmq.asyncio as azmq
from purezmq.examples._common import DEADLINE_S, DemoError, Out, Threads, elapsed_since, print_line
from purezmq.proxy import proxy

__all__ = ["N_REQUESTS", "N_WORKERS", "WORK_S", "main", "run"]

#: Workers behind the queue.
N_WORKERS = 5
#: Requests sent at once, one per client.
N_REQUESTS = 10
#: The "work" each request takes in a worker (seconds).
WORK_S = 0.1
#: Where the workers connect.
WORKERS_URL = "inproc://workers"


def _check_parallel(elapsed: float, out: Out) -> None:
    serial = N_REQUESTS * WORK_S
    out(
        f"{N_REQUESTS} requests served in {elapsed:.2f} s by {N_WORKERS} workers "
        f"(one at a time would take {serial:.2f} s)"
    )
    # ideal: N_REQUESTS / N_WORKERS rounds of WORK_S; allow a loaded machine some slack
    if elapsed > serial * 0.75:
        raise DemoError("requests were not served in parallel")


# ---------------------------------------------------------------------- blocking form
def _worker(ctx: zmq.Context, number: int, ready: threading.Barrier, out: Out) -> None:
    receiver = ctx.socket(zmq.REP)
    try:
        receiver.connect(WORKERS_URL)
        ready.wait(DEADLINE_S)
        while True:
            request = receiver.recv_string()
            out(f"Worker {number} received request: [{request}]")
            time.sleep(WORK_S)  # do some 'work'
            receiver.send_string("World")
    except zmq.ContextTerminated:
        pass  # ctx.term(): time to stop
    finally:
        receiver.close()


def _proxy(frontend: zmq.Socket, backend: zmq.Socket) -> None:
    try:
        proxy(frontend, backend)
    except zmq.ContextTerminated:
        pass
    finally:
        frontend.close()
        backend.close()


def _client(ctx: zmq.Context, url: str, number: int, out: Out) -> None:
    with ctx.socket(zmq.REQ) as sock:
        sock.connect(url)
        sock.rcvtimeo = int(DEADLINE_S * 1000)
        sock.send_string("Hello")
        reply = sock.recv_string()
        if reply != "World":
            raise DemoError(f"client {number} got {reply!r}")
        out(f"Client {number} received reply [{reply}]")


def _run_threads(out: Out) -> None:
    ctx = zmq.Context()
    threads = Threads()
    try:
        clients = ctx.socket(zmq.ROUTER)  # socket to talk to clients
        clients.bind("tcp://127.0.0.1:*")
        url = clients.last_endpoint.decode()
        workers = ctx.socket(zmq.DEALER)  # socket to talk to workers
        workers.bind(WORKERS_URL)
        out(f"Server listening on {url}")

        ready = threading.Barrier(N_WORKERS + 1)
        for n in range(1, N_WORKERS + 1):
            threads.start(_worker, ctx, n, ready, out, name=f"worker-{n}")
        ready.wait(DEADLINE_S)  # every worker connected: requests spread over all five
        threads.start(_proxy, clients, workers, name="proxy")

        start = time.monotonic()
        requests = Threads()
        for n in range(1, N_REQUESTS + 1):
            requests.start(_client, ctx, url, n, out, name=f"client-{n}")
        requests.join()
        _check_parallel(elapsed_since(start), out)
    finally:
        ctx.term()  # wakes the workers and the proxy with ContextTerminated
        threads.join()


# ----------------------------------------------------------------------- asyncio form
async def _aworker(ctx: azmq.Context, number: int, out: Out) -> None:
    receiver = ctx.socket(zmq.REP)
    try:
        receiver.connect(WORKERS_URL)
        while True:
            request = await receiver.recv_string()
            out(f"Worker {number} received request: [{request}]")
            await aio.sleep(WORK_S)  # do some 'work'
            await receiver.send_string("World")
    finally:
        receiver.close(0)


async def _aproxy(frontend: azmq.Socket, backend: azmq.Socket) -> None:
    """zmq_proxy as a task: relay whole messages both ways until cancelled."""
    poller = azmq.Poller()
    poller.register(frontend, zmq.POLLIN)
    poller.register(backend, zmq.POLLIN)
    while True:
        events = dict(await poller.poll())
        if events.get(frontend, 0) & zmq.POLLIN:
            await backend.send_multipart(await frontend.recv_multipart())
        if events.get(backend, 0) & zmq.POLLIN:
            await frontend.send_multipart(await backend.recv_multipart())


async def _aclient(ctx: azmq.Context, url: str, number: int, out: Out) -> None:
    sock = ctx.socket(zmq.REQ)
    try:
        sock.connect(url)
        await sock.send_string("Hello")
        reply = await aio.wait_for(sock.recv_string(), DEADLINE_S)
        if reply != "World":
            raise DemoError(f"client {number} got {reply!r}")
        out(f"Client {number} received reply [{reply}]")
    finally:
        sock.close(0)


async def _run_tasks(out: Out) -> None:
    ctx = azmq.Context()
    background: list[aio.Task[None]] = []
    clients = ctx.socket(zmq.ROUTER)
    workers = ctx.socket(zmq.DEALER)
    try:
        clients.bind("tcp://127.0.0.1:*")
        url = clients.last_endpoint.decode()
        workers.bind(WORKERS_URL)
        out(f"Server listening on {url}")
        for n in range(1, N_WORKERS + 1):
            background.append(aio.create_task(_aworker(ctx, n, out)))
        await aio.sleep(0)  # let every worker task connect before the first request
        background.append(aio.create_task(_aproxy(clients, workers)))

        start = time.monotonic()
        await aio.gather(*(_aclient(ctx, url, n, out) for n in range(1, N_REQUESTS + 1)))
        _check_parallel(elapsed_since(start), out)
    finally:
        for task in background:
            task.cancel()
        await aio.gather(*background, return_exceptions=True)
        clients.close(0)
        workers.close(0)
        ctx.term()


# ------------------------------------------------------------------------------ entry
def run(asyncio: bool = False, out: Out = print_line) -> int:
    """Run the demo.

    Args:
        asyncio: use :mod:`purezmq.asyncio` tasks on one loop instead of threads.
        out: where the demo's lines go (stdout, one write per line, by default).

    Returns:
        0 on success (failures raise).

    Raises:
        DemoError: a wrong reply, or the requests were not served in parallel.
    """
    if asyncio:
        aio.run(_run_tasks(out))
    else:
        _run_threads(out)
    return 0


def main() -> int:
    """Run the blocking form, printing to stdout."""
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
