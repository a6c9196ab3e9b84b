"""The broker with one thread per direction on shared sockets: broken with libzmq, fine here.

The same clients, workers and kill switch as :mod:`purezmq.examples.broker`, but the
broker has no poller. It is the tutorial's ``broken_broker``:

- thread 1 loops ``recv_multipart(frontend)`` then ``send_multipart(backend, msg)``;
- thread 2 loops ``recv_multipart(backend)`` then ``send_multipart(frontend, msg)``;
- the broker's own thread waits for the kill signal, then stops both.

So both threads use *both* sockets, at the same time: thread 1 receives on the
frontend while thread 2 sends on it, and the other way round on the backend.

Why this is broken with libzmq (and so with pyzmq, CZMQ, ZMQ.jl...): a libzmq socket is
not thread-safe. Its state (the pipes, the current multipart message, the command
queue it processes on each call) is updated without locks, on the assumption that one
thread at a time uses it, and ``zmq_close`` from another thread frees it under the
first one. Two threads in ``zmq_msg_recv`` and ``zmq_msg_send`` on one socket can
corrupt that state: messages routed to the wrong peer, frames of two messages mixed,
assertion failures in libzmq, deadlocks or crashes. It may also appear to work for a
while, which is worse. With tasks on one thread (``@async``) there is no data race, but
a task blocked in a blocking recv holds the thread and the other direction never runs.
The fix there is the poller broker.

Why it is safe with purezmq: every purezmq socket guards its state with a lock, and
every ``send_multipart``/``recv_multipart`` hands over a whole message atomically. Two
threads may send and receive on one socket at the same time; each message goes out or
comes in whole, and a blocked ``recv`` does not stop another thread's ``send``. Closing
a socket from another thread is allowed too: a call blocked on it fails with ENOTSOCK,
which is how the broker stops its two threads here. (Frame-by-frame ``send(SNDMORE)`` /
``recv`` + RCVMORE is still per socket: threads sharing a socket use the multipart
calls.)

asyncio form (``--asyncio``): one task per direction on one loop, sharing the two
sockets; the kill signal cancels both tasks (a cancelled recv takes nothing).

Run it: ``purezmq demo broker-threads [--asyncio]``.
"""

from __future__ import annotations

import asyncio as aio

import purezmq as zmq
import purezmq.asyncio as azmq
from purezmq.examples._common import DEADLINE_S, Out, Threads, print_line
from purezmq.examples.broker import Endpoints, run_tasks, run_threads

__all__ = ["main", "run"]

_TIMEOUT_MS = int(DEADLINE_S * 1000)


def _forward(source: zmq.Socket, dest: zmq.Socket) -> None:
    """Relay whole messages from ``source`` to ``dest`` until a socket is closed."""
    try:
        while True:
            dest.send_multipart(source.recv_multipart())
    except zmq.ZMQError as e:
        if e.errno != zmq.ENOTSOCK:
            raise


def threaded_broker(
    ctx: zmq.Context, kill_url: str, endpoints: Endpoints[tuple[str, str]], out: Out
) -> None:
    """The broker as two threads sharing the frontend and backend sockets."""
    frontend = ctx.socket(zmq.ROUTER)
    backend = ctx.socket(zmq.DEALER)
    threads = Threads()
    try:
        frontend.bind("tcp://127.0.0.1:*")
        backend.bind("tcp://127.0.0.1:*")
        with ctx.socket(zmq.SUB) as killer:
            killer.connect(kill_url)
            killer.subscribe("")
            killer.rcvtimeo = _TIMEOUT_MS
            threads.start(_forward, frontend, backend, name="broker-front-to-back")
            threads.start(_forward, backend, frontend, name="broker-back-to-front")
            endpoints.set_result((frontend.last_endpoint.decode(), backend.last_endpoint.decode()))
            out("Broker online")
            killer.recv()
    finally:
        # closing the shared sockets wakes both threads (their recv fails with ENOTSOCK)
        frontend.close()
        backend.close()
        threads.join()
    out("Finishing")


async def _aforward(source: azmq.Socket, dest: azmq.Socket) -> None:
    while True:
        await dest.send_multipart(await source.recv_multipart())


async def athreaded_broker(
    ctx: azmq.Context, kill_url: str, endpoints: aio.Future[tuple[str, str]], out: Out
) -> None:
    """The broker as one task per direction, sharing the two sockets."""
    frontend = ctx.socket(zmq.ROUTER)
    backend = ctx.socket(zmq.DEALER)
    killer = ctx.socket(zmq.SUB)
    tasks: list[aio.Task[None]] = []
    try:
        frontend.bind("tcp://127.0.0.1:*")
        backend.bind("tcp://127.0.0.1:*")
        killer.connect(kill_url)
        killer.subscribe("")
        tasks = [
            aio.create_task(_aforward(frontend, backend)),
            aio.create_task(_aforward(backend, frontend)),
        ]
        endpoints.set_result((frontend.last_endpoint.decode(), backend.last_endpoint.decode()))
        out("Broker online")
        await aio.wait_for(killer.recv(), DEADLINE_S)
    finally:
        for task in tasks:
            task.cancel()
        await aio.gather(*tasks, return_exceptions=True)
        frontend.close()
        backend.close()
        killer.close()
    out("Finishing")


def run(asyncio: bool = False, out: Out = print_line) -> int:
    """Run the demo.

    Args:
        asyncio: one task per direction on one loop instead of one thread per direction.
        out: where the demo's lines go (stdout, one write per line, by default).

    Returns:
        0 on success (failures raise).
    """
    if asyncio:
        aio.run(run_tasks(athreaded_broker, out))
    else:
        run_threads(threaded_broker, out)
    return 0


def main() -> int:
    """Run the blocking form, printing to stdout."""
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
