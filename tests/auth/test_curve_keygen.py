"""``python -m purezmq.curve_keygen`` (pyzmq's zmq.curve_keygen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zmq

from purezmq import curve_keygen
from purezmq.auth._keys import z85_keypair, z85_public
from purezmq.utils import z85

from .conftest import needs_curve

#: purezmq's source directory, so subprocesses import this checkout.
SRC = str(Path(curve_keygen.__file__).resolve().parents[1])


@needs_curve
def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert curve_keygen.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    public = lines[lines.index("== CURVE PUBLIC KEY ==") + 1]
    secret = lines[lines.index("== CURVE SECRET KEY ==") + 1]
    assert z85_public(secret) == public.encode()


@needs_curve
def test_secret_matches_libzmq(capsys: pytest.CaptureFixture[str]) -> None:
    public, secret = zmq.curve_keypair()  # libzmq's own
    assert curve_keygen.main(["--json", "--secret", secret.decode()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"public": public.decode(), "secret": secret.decode()}
    assert zmq.curve_public(secret) == z85_public(secret) == public


def test_bad_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert curve_keygen.main(["--secret", "short"]) == 1
    assert "40 byte z85" in capsys.readouterr().err


@needs_curve
def test_module_runs() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "purezmq.curve_keygen", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env=env,
    )
    out = json.loads(proc.stdout)
    assert proc.stdout.endswith("\n")
    assert len(z85.decode(out["public"])) == 32
    assert zmq.curve_public(out["secret"].encode()) == out["public"].encode()


def test_help_names_the_module(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        curve_keygen.main(["-h"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "python3 -m purezmq.curve_keygen" in out
    assert "--json" in out


@needs_curve
def test_keypair_is_z85() -> None:
    public, secret = z85_keypair()
    assert len(public) == len(secret) == 40
    assert z85_public(secret) == public
    assert z85_public(secret.decode()) == public


def test_without_pynacl(tmp_path: Path) -> None:
    # a "nacl" package that fails to import stands in for a missing PyNaCl
    (tmp_path / "nacl").mkdir()
    (tmp_path / "nacl" / "__init__.py").write_text("raise ImportError('no PyNaCl here')\n")
    code = (
        "import purezmq\n"
        "from purezmq.auth import create_certificates\n"
        "try:\n"
        "    create_certificates('.', 'x')\n"
        "except purezmq.ZMQError as e:\n"
        "    assert e.errno == purezmq.ENOTSUP, e.errno\n"
        "    print('ENOTSUP')\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=tmp_path,
        env=env,
    )
    assert proc.stdout.strip() == "ENOTSUP"
    assert not list(tmp_path.glob("x.key*"))
    proc = subprocess.run(
        [sys.executable, "-m", "purezmq.curve_keygen"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert proc.returncode == 1
    assert "PyNaCl" in proc.stderr


@needs_curve
def test_a_secret_that_begins_with_a_dash(capsys: pytest.CaptureFixture[str]) -> None:
    """z85 keys may begin with "-": pyzmq's curve_keygen (argparse) rejects those, about
    one key in 85, which made pyzmq's own test of it flaky; ours takes them."""
    for _ in range(20_000):
        public, secret = z85_keypair()
        if secret.startswith(b"-"):
            break
    else:
        raise AssertionError("no secret key beginning with '-' in 20,000")
    assert curve_keygen.main(["--secret", secret.decode(), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "public": public.decode(),
        "secret": secret.decode(),
    }
