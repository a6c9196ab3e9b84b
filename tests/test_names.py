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
    assert rc == 0, "generated constants are stale: run python tools/gen_names.py"


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


def test_constants_module_has_the_names_and_option_types() -> None:
    c = purezmq.constants
    assert c.SUBSCRIBE is c.SocketOption.SUBSCRIBE and "LINGER" in c.__all__
    assert c.SocketOption.IDENTITY._opt_type is c._OptType.bytes
    assert c.SocketOption.MAXMSGSIZE._opt_type is c._OptType.int64
    assert c.SocketOption.FD._opt_type is c._OptType.fd
    assert "ALL_V1" in repr(c.Event.ALL)


def test_option_table_agrees_with_option_types() -> None:
    from purezmq.options import OPTIONS

    for number, spec in OPTIONS.items():
        assert spec.type == purezmq.SocketOption(number)._opt_type.value, number


def test_has() -> None:
    assert purezmq.has("ipc") is True
    assert purezmq.has("pgm") is False and purezmq.has("draft") is False
    try:
        import nacl.bindings  # noqa: F401
    except ImportError:
        curve = False
    else:
        curve = True
    assert purezmq.has("curve") is curve  # CURVE needs PyNaCl (the curve extra)
