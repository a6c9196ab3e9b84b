"""The generated constants module is up to date, and has pyzmq's spellings."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import purezmq

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_generated_names_are_current() -> None:
    rc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_names.py"), "--check"], check=False
    ).returncode
    assert rc == 0, "src/purezmq/_names.py is stale: run python tools/gen_names.py"


def test_libzmq_numbers() -> None:
    assert (purezmq.PAIR, purezmq.PUB, purezmq.SUB, purezmq.REQ, purezmq.REP) == (0, 1, 2, 3, 4)
    assert (purezmq.DEALER, purezmq.ROUTER, purezmq.PULL, purezmq.PUSH) == (5, 6, 7, 8)
    assert (purezmq.XPUB, purezmq.XSUB, purezmq.STREAM) == (9, 10, 11)
    assert purezmq.LINGER == 17 and purezmq.SNDHWM == 23 and purezmq.LAST_ENDPOINT == 32
    assert purezmq.EFSM == 156384763 and purezmq.ETERM == 156384765
    assert purezmq.EVENT_HANDSHAKE_SUCCEEDED == 0x1000
    assert purezmq.NOBLOCK == purezmq.DONTWAIT == 1 and purezmq.SNDMORE == 2


def test_same_values_as_pyzmq() -> None:
    zmq = __import__("zmq")
    names = (
        [n for n in purezmq._names.__all__ if hasattr(zmq, n)]
        if hasattr(purezmq, "_names")
        else [n for n in purezmq.__all__ if n.isupper() and hasattr(zmq, n)]
    )
    assert len(names) > 150
    mismatched = {
        n: (int(getattr(purezmq, n)), int(getattr(zmq, n)))
        for n in names
        if int(getattr(purezmq, n)) != int(getattr(zmq, n))
    }
    assert mismatched == {}
