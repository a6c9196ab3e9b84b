"""Reading several sockets at once: a Poller, or one task per socket.

Three services and one reader, after the "Multiple Sockets" tutorial of ZMQ.jl (itself
after the ZeroMQ guide's ``mspoller``):

- a task ventilator: a PUSH socket sending :data:`N_TASKS` tasks;
- a weather server: a PUB socket sending :data:`N_UPDATES` updates;
- a kill switch: a PUB socket sending one empty message;
- the reader: a PULL for the tasks, a SUB for the weather and a SUB for the kill
  switch. It prints what it receives and stops cleanly on the kill signal.

Blocking form: the services and the reader are threads; the reader waits on the three
sockets with one :class:`purezmq.Poller`. asyncio form (``--asyncio``): everything is
a task on one loop, and the reader is the tutorial's "use tasks" variant: one task per
socket, all feeding one :class:`asyncio.Queue` that a single loop consumes; when that
loop sees the kill signal it cancels the three socket tasks (a cancelled purezmq recv
takes nothing, so nothing is lost by stopping them).

Deterministic, with no sleeps:

- PUB/SUB's "slow joiner" problem (a PUB drops what it publishes before a subscription
  has arrived) is solved by making the publishers XPUB sockets: an XPUB receives each
  subscription as a message (``b"\\x01" + topic``), so a publisher waits for it, with a
  deadline, before publishing. The tutorial sleeps for a second and hopes instead.
- PUSH never drops: a PUSH with no peer yet blocks until the PULL connects.
- The three sockets are separate connections, so the kill signal could overtake tasks
  and updates still in flight on the others. The demo therefore flips the kill switch
  only after the reader has printed all of them (in a real application the kill signal
  comes whenever it comes, and the reader stops at once, as it does here).

Run it: ``purezmq demo poller [--asyncio]``.
"""

from __future__ import annotations

import asyncio as aio
import concurrent.futures
import threading
from collections.abc import Callable

import purezmq as zmq
import purezmq.asyncio as azmq
from purezmq.examples._common import DEADLINE_S, DemoError, Out, Threads, print_line

__all__ = ["N_TASKS", "N_UPDATES", "main", "run"]

#: Tasks the ventilator sends.
N_TASKS = 5
#: Updates the weather server publishes.
N_UPDATES = 5

_TIMEOUT_MS = int(DEADLINE_S * 1000)


class _Progress:
    """Wraps ``out``: counts the tasks and updates printed, calls ``on_done`` at the total.

    This is the demo's harness, not part of the reader: it decides when to flip the kill
    switch so that the output is the same on every run.
    """

    def __init__(self, out: Out, on_done: Callable[[], object]) -> None:
        self._out = out
        self._on_done = on_done
        self._seen = 0
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        self._out(line)
        if line.startswith(("Received task", "Received subscription")):
            with self._lock:
                self._seen += 1
                done = self._seen == N_TASKS + N_UPDATES
            if done:
                self._on_done()


def _wait_subscriber(xpub: zmq.Socket) -> None:
    """Block until a subscription reaches ``xpub`` (the cure for slow joiners)."""
    xpub.setsockopt(zmq.RCVTIMEO, _TIMEOUT_MS)
    msg = xpub.recv()
    if not msg.startswith(b"\x01"):
        raise DemoError(f"unexpected message on XPUB: {msg!r}")


# ---------------------------------------------------------------------- blocking form
Endpoint = concurrent.futures.Future  # a service's bound endpoint, for the reader


def _ventilator(ctx: zmq.Context, endpoint: Endpoint[str]) -> None:
    with ctx.socket(zmq.PUSH) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        sender.sndtimeo = _TIMEOUT_MS
        for i in range(1, N_TASKS + 1):
            sender.send_string(str(i))  # blocks until the reader's PULL is connected


def _weather_server(ctx: zmq.Context, endpoint: Endpoint[str]) -> None:
    with ctx.socket(zmq.XPUB) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        _wait_subscriber(sender)
        for i in range(1, N_UPDATES + 1):
            sender.send_string(str(i))


def _kill_switch(ctx: zmq.Context, endpoint: Endpoint[str], go: threading.Event) -> None:
    with ctx.socket(zmq.XPUB) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        _wait_subscriber(sender)
        if not go.wait(DEADLINE_S):
            raise DemoError("the reader did not get every task and update")
        sender.send(b"")


def _reader(ctx: zmq.Context, urls: list[Endpoint[str]], out: Out) -> None:
    ventilator_url, weather_url, kill_url = (u.result(DEADLINE_S) for u in urls)
    receiver = ctx.socket(zmq.PULL)
    subscriber = ctx.socket(zmq.SUB)
    killer = ctx.socket(zmq.SUB)
    try:
        receiver.connect(ventilator_url)
        subscriber.connect(weather_url)
        subscriber.subscribe("")
        killer.connect(kill_url)
        killer.subscribe("")

        poller = zmq.Poller()
        poller.register(receiver, zmq.POLLIN)
        poller.register(subscriber, zmq.POLLIN)
        poller.register(killer, zmq.POLLIN)
        while True:
            events = dict(poller.poll(_TIMEOUT_MS))
            if not events:
                raise DemoError("nothing received for too long")
            if receiver in events:
                out(f"Received task {receiver.recv_string()}")
            if subscriber in events:
                out(f"Received subscription {subscriber.recv_string()}")
            if killer in events:
                killer.recv()
                out("Received kill signal")
                break
    finally:
        receiver.close()
        subscriber.close()
        killer.close()


def _run_threads(out: Out) -> None:
    go = threading.Event()
    progress = _Progress(out, go.set)
    ctx = zmq.Context()
    threads = Threads()
    try:
        urls: list[Endpoint[str]] = [Endpoint(), Endpoint(), Endpoint()]
        threads.start(_ventilator, ctx, urls[0], name="ventilator")
        threads.start(_weather_server, ctx, urls[1], name="weather")
        threads.start(_kill_switch, ctx, urls[2], go, name="kill")
        threads.start(_reader, ctx, urls, progress, name="reader")
        threads.join()
    finally:
        ctx.term()


# ----------------------------------------------------------------------- asyncio form
async def _aventilator(ctx: azmq.Context, endpoint: aio.Future[str]) -> None:
    with ctx.socket(zmq.PUSH) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        for i in range(1, N_TASKS + 1):
            await aio.wait_for(sender.send_string(str(i)), DEADLINE_S)


async def _await_subscriber(xpub: azmq.Socket) -> None:
    msg = await aio.wait_for(xpub.recv(), DEADLINE_S)
    if not msg.startswith(b"\x01"):
        raise DemoError(f"unexpected message on XPUB: {msg!r}")


async def _aweather_server(ctx: azmq.Context, endpoint: aio.Future[str]) -> None:
    with ctx.socket(zmq.XPUB) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        await _await_subscriber(sender)
        for i in range(1, N_UPDATES + 1):
            await sender.send_string(str(i))


async def _akill_switch(ctx: azmq.Context, endpoint: aio.Future[str], go: aio.Event) -> None:
    with ctx.socket(zmq.XPUB) as sender:
        sender.bind("tcp://127.0.0.1:*")
        endpoint.set_result(sender.last_endpoint.decode())
        await _await_subscriber(sender)
        await aio.wait_for(go.wait(), DEADLINE_S)
        await sender.send(b"")


async def _feed(sock: azmq.Socket, source: str, channel: aio.Queue[tuple[str, str]]) -> None:
    """One task per socket: every message it receives goes into the shared queue."""
    while True:
        msg = await sock.recv_string()
        await channel.put((source, msg))


async def _areader(ctx: azmq.Context, urls: list[aio.Future[str]], out: Out) -> None:
    ventilator_url, weather_url, kill_url = [await aio.wait_for(u, DEADLINE_S) for u in urls]
    receiver = ctx.socket(zmq.PULL)
    subscriber = ctx.socket(zmq.SUB)
    killer = ctx.socket(zmq.SUB)
    channel: aio.Queue[tuple[str, str]] = aio.Queue()
    feeds: list[aio.Task[None]] = []
    try:
        receiver.connect(ventilator_url)
        subscriber.connect(weather_url)
        subscriber.subscribe("")
        killer.connect(kill_url)
        killer.subscribe("")
        feeds = [
            aio.create_task(_feed(receiver, "ventilator", channel)),
            aio.create_task(_feed(subscriber, "weather", channel)),
            aio.create_task(_feed(killer, "kill", channel)),
        ]
        while True:  # the worker loop
            source, msg = await aio.wait_for(channel.get(), DEADLINE_S)
            if source == "ventilator":
                out(f"Received task {msg}")
            elif source == "weather":
                out(f"Received subscription {msg}")
            else:
                out("Received kill signal")
                break
    finally:
        for task in feeds:
            task.cancel()
        await aio.gather(*feeds, return_exceptions=True)
        receiver.close()
        subscriber.close()
        killer.close()


async def _run_tasks(out: Out) -> None:
    go = aio.Event()
    progress = _Progress(out, go.set)  # called from the reader task, on this loop
    loop = aio.get_running_loop()
    ctx = azmq.Context()
    try:
        urls: list[aio.Future[str]] = [loop.create_future() for _ in range(3)]
        await aio.gather(
            _aventilator(ctx, urls[0]),
            _aweather_server(ctx, urls[1]),
            _akill_switch(ctx, urls[2], go),
            _areader(ctx, urls, progress),
        )
    finally:
        ctx.term()


# ------------------------------------------------------------------------------ entry
def run(asyncio: bool = False, out: Out = print_line) -> int:
    """Run the demo.

    Args:
        asyncio: one task per socket feeding an :class:`asyncio.Queue` on one loop,
            instead of threads and a Poller.
        out: where the demo's lines go (stdout, one write per line, by default).

    Returns:
        0 on success (failures raise).
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
