"""Multithreaded relay: three steps signal each other over inproc PAIR sockets.

The ZeroMQ guide's ``mtrelay``. The steps share one context. Each step *binds* its
PAIR socket to an inproc endpoint and only *then* starts the step before it, passing
the context; that step connects and sends an empty signal when it is ready::

    step 3 (binds inproc://step3, starts step 2, waits)
      step 2 (binds inproc://step2, starts step 1, waits, then signals step 3)
        step 1 (connects to inproc://step2, signals step 2)

Why PAIR: a PAIR accepts exactly one peer, so a signal cannot go to the wrong thread.
PUSH/PULL would load-balance signals over every receiver that happens to connect,
DEALER/ROUTER adds an envelope to the signal, and PUB/SUB needs a subscription first.
purezmq goes further than libzmq here: a second peer connecting to a PAIR is refused
outright instead of being left attached and silent.

Binding before starting the next step is the guide's rule; with purezmq (as with
libzmq 4.x) an inproc connect made before the bind also works, but the order keeps the
example honest.

Blocking form: each step is a thread. asyncio form (``--asyncio``): each step is a task
on one loop, with :mod:`purezmq.asyncio` sockets.

Run it: ``purezmq demo mtrelay [--asyncio]``.
"""

from __future__ import annotations

import asyncio as aio

import purezmq as zmq
import purezmq.asyncio as azmq
from purezmq.examples._common import DEADLINE_S, Out, Threads, print_line

__all__ = ["main", "run"]


# ---------------------------------------------------------------------- blocking form
def _step1(ctx: zmq.Context, out: Out) -> None:
    # connect to step 2 and tell it we're ready
    with ctx.socket(zmq.PAIR) as xmitter:
        xmitter.connect("inproc://step2")
        out("Step 1 ready, signaling step 2")
        xmitter.send(b"READY")


def _step2(ctx: zmq.Context, out: Out) -> None:
    threads = Threads()
    with ctx.socket(zmq.PAIR) as receiver:
        # bind inproc socket before starting step 1
        receiver.bind("inproc://step2")
        threads.start(_step1, ctx, out, name="step1")
        receiver.rcvtimeo = int(DEADLINE_S * 1000)
        receiver.recv()  # wait for signal
        threads.join()
    # connect to step 3 and tell it we're ready
    with ctx.socket(zmq.PAIR) as xmitter:
        xmitter.connect("inproc://step3")
        out("Step 2 ready, signaling step 3")
        xmitter.send(b"READY")


def _run_threads(out: Out) -> None:
    ctx = zmq.Context()
    threads = Threads()
    try:
        with ctx.socket(zmq.PAIR) as receiver:
            # bind inproc socket before starting step 2
            receiver.bind("inproc://step3")
            threads.start(_step2, ctx, out, name="step2")
            receiver.rcvtimeo = int(DEADLINE_S * 1000)
            receiver.recv()  # wait for signal
        out("Test successful!")
    finally:
        threads.join()
        ctx.term()


# ----------------------------------------------------------------------- asyncio form
async def _astep1(ctx: azmq.Context, out: Out) -> None:
    with ctx.socket(zmq.PAIR) as xmitter:
        xmitter.connect("inproc://step2")
        out("Step 1 ready, signaling step 2")
        await xmitter.send(b"READY")


async def _astep2(ctx: azmq.Context, out: Out) -> None:
    with ctx.socket(zmq.PAIR) as receiver:
        receiver.bind("inproc://step2")
        step1 = aio.create_task(_astep1(ctx, out))
        await aio.wait_for(receiver.recv(), DEADLINE_S)
        await step1
    with ctx.socket(zmq.PAIR) as xmitter:
        xmitter.connect("inproc://step3")
        out("Step 2 ready, signaling step 3")
        await xmitter.send(b"READY")


async def _run_tasks(out: Out) -> None:
    ctx = azmq.Context()
    try:
        with ctx.socket(zmq.PAIR) as receiver:
            receiver.bind("inproc://step3")
            step2 = aio.create_task(_astep2(ctx, out))
            try:
                await aio.wait_for(receiver.recv(), DEADLINE_S)
            finally:
                await step2
        out("Test successful!")
    finally:
        ctx.term()


# ------------------------------------------------------------------------------ entry
def run(asyncio: bool = False, out: Out = print_line) -> int:
    """Run the demo.

    Args:
        asyncio: use :mod:`purezmq.asyncio` tasks on one loop instead of threads.
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
