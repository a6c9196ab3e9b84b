"""Scaled-down runs of bench/scale.py's scenarios: correctness only, never speed.

The scenario functions themselves come from bench/scale.py (loaded by path: bench/ is
not a package), so the full-size benchmark and these tests check the same invariants:

* ROUTER with many DEALERs over tcp: every request is answered to the DEALER that sent
  it (nonces and routing ids checked on both sides), over several rounds;
* many inproc PAIR pairs in one context: each pair's round trip arrives intact;
* PUB with many SUBs over tcp: after the welcome step every SUB gets every message,
  in order, nothing lost and nothing duplicated.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import purezmq

_SCALE_PATH = Path(__file__).resolve().parents[2] / "bench" / "scale.py"

#: Per-receive bound for the scaled-down runs: a lost message fails in seconds.
TIMEOUT_MS = 10_000


def _load_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("purezmq_bench_scale", _SCALE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scale = _load_scale()


def _impl(name: str) -> Any:
    if name == "pyzmq":
        return pytest.importorskip("zmq")
    return purezmq


IMPLS = [
    pytest.param("purezmq", id="purezmq"),
    # The same scenario on libzmq checks the scenario itself (a check that libzmq fails
    # would be a wrong check, not a purezmq bug).
    pytest.param("pyzmq", id="pyzmq", marks=pytest.mark.interop),
]


@pytest.mark.parametrize("impl", IMPLS)
def test_router_many_dealers(impl: str) -> None:
    """50 DEALERs, 3 rounds: 150 requests, each answered to its own sender."""
    result = scale.run_router(_impl(impl), dealers=50, rounds=3, timeout_ms=TIMEOUT_MS)
    assert result["requests"] == 150


@pytest.mark.parametrize("impl", IMPLS)
def test_inproc_pairs(impl: str) -> None:
    """500 inproc PAIR pairs in one context, one round trip each."""
    result = scale.run_inproc(_impl(impl), pairs=500, timeout_ms=TIMEOUT_MS)
    assert result["round_trips"] == 500


@pytest.mark.parametrize("impl", IMPLS)
def test_pub_many_subs(impl: str) -> None:
    """PUB with 20 SUBs: 200 messages each, all of them, in order."""
    result = scale.run_pubsub(_impl(impl), subs=20, messages=200, timeout_ms=TIMEOUT_MS)
    assert result["deliveries"] == 20 * 200
    assert result["welcomes_sent"] >= 1


class _WrappedImpl:
    """A zmq module whose sockets of one type are wrapped (to inject a fault)."""

    def __init__(self, socket_type: int, wrap: Any) -> None:
        self._socket_type = socket_type
        self._wrap = wrap

    def Context(self) -> Any:  # noqa: N802 - stands in for the module attribute
        return _WrappedContext(purezmq.Context(), self._socket_type, self._wrap)

    def __getattr__(self, name: str) -> Any:
        return getattr(purezmq, name)


class _WrappedContext:
    def __init__(self, ctx: Any, socket_type: int, wrap: Any) -> None:
        self._ctx = ctx
        self._socket_type = socket_type
        self._wrap = wrap

    def socket(self, socket_type: int) -> Any:
        sock = self._ctx.socket(socket_type)
        return self._wrap(sock) if socket_type == self._socket_type else sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)


class _Proxy:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _SwappingRouter(_Proxy):
    """Swaps the payloads of the first two replies: two DEALERs get each other's."""

    held: list[bytes] | None = None
    swapped = False

    def send_multipart(self, frames: list[bytes]) -> Any:
        if self.swapped:
            return self._inner.send_multipart(frames)
        if self.held is None:
            self.held = frames
            return None
        self.swapped = True
        self._inner.send_multipart([frames[0], *self.held[1:]])
        return self._inner.send_multipart([self.held[0], *frames[1:]])


class _DroppingPub(_Proxy):
    """Drops data message 3, as a lossy PUB would."""

    def send(self, data: bytes, *args: Any) -> Any:
        if data[:1] == b"D" and int.from_bytes(data[1:5], "big") == 3:
            return None
        return self._inner.send(data, *args)


def test_router_check_detects_misrouting() -> None:
    """The router scenario fails when two DEALERs get each other's replies."""
    impl = _WrappedImpl(purezmq.ROUTER, _SwappingRouter)
    with pytest.raises(scale.ScaleError, match="got the reply to"):
        scale.run_router(impl, dealers=4, rounds=1, timeout_ms=TIMEOUT_MS)


def test_pubsub_check_detects_gap() -> None:
    """The pubsub scenario fails when a message is missing from the sequence."""
    impl = _WrappedImpl(purezmq.PUB, _DroppingPub)
    with pytest.raises(scale.ScaleError, match="expected 3"):
        scale.run_pubsub(impl, subs=2, messages=10, timeout_ms=TIMEOUT_MS)
