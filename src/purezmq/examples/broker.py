"""A request/reply broker: REQ clients, a ROUTER/DEALER broker, REP workers, a kill signal.

After the "Receiving and sending on multiple sockets" part of ZMQ.jl's "Multiple
Sockets" tutorial:

- three clients, REQ sockets: client *i* sends the numbers 1..*i*, one at a time, and
  prints each reply;
- the broker: a ROUTER frontend for the clients and a DEALER backend for the workers,
  both bound to ``tcp://127.0.0.1:*``, forwarding whole messages both ways with a
  :class:`purezmq.Poller`, plus a SUB socket for the kill signal;
- four workers, REP sockets connected to the backend, replying with the square of the
  number. Workers 1 and 2 wait on their REP and kill sockets with a Poller; workers 3
  and 4 use one thread (or task) per socket: when the kill thread gets the signal it
  stops the REP side;
- a kill switch, a PUB socket: once every client is done it publishes one empty
  message, and the broker and the workers stop.

The kill switch is an XPUB with XPUB_VERBOSE, so it sees each of the five kill
subscriptions arrive and publishes only when all are in place: no sleep, no lost
signal (a plain PUB would drop the signal for a subscriber still connecting).

Why the broker needs a poller (in libzmq): it must wait on two sockets and forward
between them, both ways. Two threads, one per direction, would each use *both*
sockets, and a libzmq socket must never be used by two threads at once. purezmq
sockets are thread-safe, so that variant works here: see
:mod:`purezmq.examples.broker_threads` (``purezmq demo broker-threads``).

Blocking form: every party is a thread. asyncio form (``--asyncio``): every party is a
task on one loop; the task-based workers cancel their REP task on the kill signal (a
cancelled purezmq recv takes nothing).

Run it: ``purezmq demo broker [--asyncio]``.
"""

from __future__ import annotations

import asyncio as aio
import concurrent.futures
from collections.abc import Awaitable, Callable

import purezmq as zmq
import purezmq.asyncio as azmq
from purezmq.examples._common import DEADLINE_S, DemoError, Out, Threads, print_line

__all__ = ["N_CLIENTS", "N_WORKERS", "main", "run"]

#: Clients; client i sends i requests.
N_CLIENTS = 3
#: Workers: the first half poller-based, the second half one thread/task per socket.
N_WORKERS = 4

_TIMEOUT_MS = int(DEADLINE_S * 1000)

#: The broker's bound endpoints (frontend, backend), handed to clients and workers.
Endpoints = concurrent.futures.Future  # of tuple[str, str]

#: A blocking broker: (ctx, kill_url, endpoints, out) -> None.
SyncBroker = Callable[[zmq.Context, str, "Endpoints[tuple[str, str]]", Out], None]
#: An asyncio broker: (ctx, kill_url, endpoints, out) -> awaitable.
AsyncBroker = Callable[[azmq.Context, str, "aio.Future[tuple[str, str]]", Out], Awaitable[None]]


# ---------------------------------------------------------------------- blocking form
def client(ctx: zmq.Context, frontend_url: str, i: int, out: Out) -> None:
    """Client ``i``: send 1..i, check that each reply is the square."""
    with ctx.socket(zmq.REQ) as sock:
        sock.rcvtimeo = _TIMEOUT_MS
        sock.connect(frontend_url)
        for j in range(1, i + 1):
            out(f"Client {i} sends {j}")
            sock.send_string(str(j))
            k = int(sock.recv_string())
            out(f"Client {i} got {k}")
            if k != j * j:
                raise DemoError(f"client {i} sent {j} and got {k}")


def _serve_one(sock: zmq.Socket, i: int, out: Out) -> None:
    j = int(sock.recv_string())
    out(f"Worker {i} got {j}")
    k = j**2
    out(f"Worker {i} replies {k}")
    sock.send_string(str(k))


def worker(ctx: zmq.Context, backend_url: str, kill_url: str, i: int, out: Out) -> None:
    """Worker ``i`` with a Poller over its REP socket and its kill socket."""
    sock = ctx.socket(zmq.REP)
    killsock = ctx.socket(zmq.SUB)
    try:
        sock.connect(backend_url)
        killsock.connect(kill_url)
        killsock.subscribe("")
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(killsock, zmq.POLLIN)
        out(f"Worker {i} online")
        while True:
            events = dict(poller.poll(_TIMEOUT_MS))
            if not events:
                raise DemoError(f"worker {i}: no request and no kill signal in time")
            if killsock in events:
                break
            if sock in events:
                _serve_one(sock, i, out)
    finally:
        sock.close()
        killsock.close()


def worker_with_threads(
    ctx: zmq.Context, backend_url: str, kill_url: str, i: int, out: Out
) -> None:
    """Worker ``i`` with one thread per socket: the REP loop, and a kill listener.

    When the kill signal arrives, this thread closes the REP socket under the REP
    thread, whose blocked ``recv`` then fails with ENOTSOCK and ends the loop. Closing
    a socket another thread is using is forbidden with libzmq; purezmq sockets are
    thread-safe and a blocked call on a closed socket simply fails.
    """
    sock = ctx.socket(zmq.REP)
    sock.connect(backend_url)
    threads = Threads()

    def serve() -> None:
        try:
            while True:
                _serve_one(sock, i, out)
        except zmq.ZMQError as e:
            if e.errno != zmq.ENOTSOCK:
                raise

    with ctx.socket(zmq.SUB) as killsock:
        killsock.connect(kill_url)
        killsock.subscribe("")
        killsock.rcvtimeo = _TIMEOUT_MS
        out(f"Worker {i} online")
        threads.start(serve, name=f"worker-{i}-rep")
        try:
            killsock.recv()
        finally:
            sock.close()  # stops serve()
            threads.join()


def broker(
    ctx: zmq.Context, kill_url: str, endpoints: Endpoints[tuple[str, str]], out: Out
) -> None:
    """The poller-based broker (the tutorial's ``broker``)."""
    frontend = ctx.socket(zmq.ROUTER)
    backend = ctx.socket(zmq.DEALER)
    killer = ctx.socket(zmq.SUB)
    try:
        frontend.bind("tcp://127.0.0.1:*")
        backend.bind("tcp://127.0.0.1:*")
        killer.connect(kill_url)
        killer.subscribe("")
        poller = zmq.Poller()
        poller.register(frontend, zmq.POLLIN)
        poller.register(backend, zmq.POLLIN)
        poller.register(killer, zmq.POLLIN)
        endpoints.set_result((frontend.last_endpoint.decode(), backend.last_endpoint.decode()))
        out("Broker online")
        while True:
            events = dict(poller.poll(_TIMEOUT_MS))
            if not events:
                raise DemoError("broker: no message and no kill signal in time")
            if killer in events:
                break
            if backend in events:  # backend -> frontend
                frontend.send_multipart(backend.recv_multipart())
            if frontend in events:  # frontend -> backend
                backend.send_multipart(frontend.recv_multipart())
        out("Finishing")
    finally:
        frontend.close()
        backend.close()
        killer.close()


def run_threads(broker_fn: SyncBroker, out: Out) -> None:
    """Run clients, workers and ``broker_fn`` as threads; stop them with the kill signal."""
    ctx = zmq.Context()
    threads = Threads()
    kill = ctx.socket(zmq.XPUB)
    try:
        kill.xpub_verbose = 1  # one message per subscriber, even for the same topic
        kill.rcvtimeo = _TIMEOUT_MS
        kill.bind("tcp://127.0.0.1:*")
        kill_url = kill.last_endpoint.decode()

        endpoints: Endpoints[tuple[str, str]] = Endpoints()
        threads.start(broker_fn, ctx, kill_url, endpoints, out, name="broker")
        frontend_url, backend_url = endpoints.result(DEADLINE_S)
        for i in range(1, N_WORKERS + 1):
            body = worker if i <= N_WORKERS // 2 else worker_with_threads
            threads.start(body, ctx, backend_url, kill_url, i, out, name=f"worker-{i}")
        for _ in range(N_WORKERS + 1):  # every kill subscription is in place
            kill.recv()

        clients = Threads()
        for i in range(1, N_CLIENTS + 1):
            clients.start(client, ctx, frontend_url, i, out, name=f"client-{i}")
        clients.join()
        kill.send(b"")  # the kill signal
        threads.join()
    finally:
        kill.close()
        ctx.term()


# ----------------------------------------------------------------------- asyncio form
async def aclient(ctx: azmq.Context, frontend_url: str, i: int, out: Out) -> None:
    """Client ``i`` as a task."""
    sock = ctx.socket(zmq.REQ)
    try:
        sock.connect(frontend_url)
        for j in range(1, i + 1):
            out(f"Client {i} sends {j}")
            await sock.send_string(str(j))
            k = int(await aio.wait_for(sock.recv_string(), DEADLINE_S))
            out(f"Client {i} got {k}")
            if k != j * j:
                raise DemoError(f"client {i} sent {j} and got {k}")
    finally:
        sock.close()


async def _aserve_one(sock: azmq.Socket, i: int, out: Out) -> None:
    j = int(await sock.recv_string())
    out(f"Worker {i} got {j}")
    k = j**2
    out(f"Worker {i} replies {k}")
    await sock.send_string(str(k))


async def aworker(ctx: azmq.Context, backend_url: str, kill_url: str, i: int, out: Out) -> None:
    """Worker ``i`` with an asyncio Poller over its REP and kill sockets."""
    sock = ctx.socket(zmq.REP)
    killsock = ctx.socket(zmq.SUB)
    try:
        sock.connect(backend_url)
        killsock.connect(kill_url)
        killsock.subscribe("")
        poller = azmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(killsock, zmq.POLLIN)
        out(f"Worker {i} online")
        while True:
            events = dict(await poller.poll(_TIMEOUT_MS))
            if not events:
                raise DemoError(f"worker {i}: no request and no kill signal in time")
            if killsock in events:
                break
            if sock in events:
                await _aserve_one(sock, i, out)
    finally:
        sock.close()
        killsock.close()


async def aworker_with_tasks(
    ctx: azmq.Context, backend_url: str, kill_url: str, i: int, out: Out
) -> None:
    """Worker ``i`` with one task per socket; the kill signal cancels the REP task."""
    sock = ctx.socket(zmq.REP)
    killsock = ctx.socket(zmq.SUB)
    try:
        sock.connect(backend_url)
        killsock.connect(kill_url)
        killsock.subscribe("")
        out(f"Worker {i} online")

        async def serve() -> None:
            while True:
                await _aserve_one(sock, i, out)

        t1 = aio.create_task(serve())
        try:
            await aio.wait_for(killsock.recv(), DEADLINE_S)
        finally:
            t1.cancel()
            await aio.gather(t1, return_exceptions=True)
    finally:
        sock.close()
        killsock.close()


async def abroker(
    ctx: azmq.Context, kill_url: str, endpoints: aio.Future[tuple[str, str]], out: Out
) -> None:
    """The poller-based broker as a task."""
    frontend = ctx.socket(zmq.ROUTER)
    backend = ctx.socket(zmq.DEALER)
    killer = ctx.socket(zmq.SUB)
    try:
        frontend.bind("tcp://127.0.0.1:*")
        backend.bind("tcp://127.0.0.1:*")
        killer.connect(kill_url)
        killer.subscribe("")
        poller = azmq.Poller()
        poller.register(frontend, zmq.POLLIN)
        poller.register(backend, zmq.POLLIN)
        poller.register(killer, zmq.POLLIN)
        endpoints.set_result((frontend.last_endpoint.decode(), backend.last_endpoint.decode()))
        out("Broker online")
        while True:
            events = dict(await poller.poll(_TIMEOUT_MS))
            if not events:
                raise DemoError("broker: no message and no kill signal in time")
            if killer in events:
                break
            if backend in events:
                await frontend.send_multipart(await backend.recv_multipart())
            if frontend in events:
                await backend.send_multipart(await frontend.recv_multipart())
        out("Finishing")
    finally:
        frontend.close()
        backend.close()
        killer.close()


async def run_tasks(broker_fn: AsyncBroker, out: Out) -> None:
    """Run clients, workers and ``broker_fn`` as tasks on the running loop."""
    ctx = azmq.Context()
    kill = ctx.socket(zmq.XPUB)
    tasks: list[aio.Task[None]] = []
    try:
        kill.xpub_verbose = 1
        kill.bind("tcp://127.0.0.1:*")
        kill_url = kill.last_endpoint.decode()
        endpoints: aio.Future[tuple[str, str]] = aio.get_running_loop().create_future()
        tasks.append(aio.ensure_future(broker_fn(ctx, kill_url, endpoints, out)))
        frontend_url, backend_url = await aio.wait_for(endpoints, DEADLINE_S)
        for i in range(1, N_WORKERS + 1):
            body = aworker if i <= N_WORKERS // 2 else aworker_with_tasks
            tasks.append(aio.create_task(body(ctx, backend_url, kill_url, i, out)))
        for _ in range(N_WORKERS + 1):
            await aio.wait_for(kill.recv(), DEADLINE_S)

        await aio.gather(*(aclient(ctx, frontend_url, i, out) for i in range(1, N_CLIENTS + 1)))
        await kill.send(b"")
        await aio.wait_for(aio.gather(*tasks), DEADLINE_S)
    finally:
        for task in tasks:
            task.cancel()
        await aio.gather(*tasks, return_exceptions=True)
        kill.close()
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
        DemoError: a wrong reply, or a party that did not stop in time.
    """
    if asyncio:
        aio.run(run_tasks(abroker, out))
    else:
        run_threads(broker, out)
    return 0


def main() -> int:
    """Run the blocking form, printing to stdout."""
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
