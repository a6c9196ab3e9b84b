"""Certificate files: purezmq round trip, and both directions with pyzmq's zmq.auth."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
import zmq.auth

from purezmq.auth import create_certificates, load_certificate, load_certificates
from purezmq.utils import z85

from .conftest import needs_curve


@needs_curve
def test_round_trip(tmp_path: Path) -> None:
    public_file, secret_file = create_certificates(tmp_path, "alice", {"name": "Alice"})
    assert public_file == os.path.join(tmp_path, "alice.key")
    assert secret_file == os.path.join(tmp_path, "alice.key_secret")
    public, no_secret = load_certificate(public_file)
    assert no_secret is None
    public2, secret = load_certificate(secret_file)
    assert public2 == public
    assert secret is not None
    assert len(public) == len(secret) == 40
    assert len(z85.decode(public)) == len(z85.decode(secret)) == 32
    from purezmq.zmtp.mechanisms.curve import curve_public

    assert curve_public(z85.decode(secret)) == z85.decode(public)
    text = Path(secret_file).read_text()
    assert "metadata\n    name = Alice\n" in text
    assert "secret-key" not in Path(public_file).read_text()


@needs_curve
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_secret_file_is_private(tmp_path: Path) -> None:
    public_file, secret_file = create_certificates(tmp_path, "bob")
    assert stat.S_IMODE(os.stat(secret_file).st_mode) & 0o077 == 0
    assert stat.S_IMODE(os.stat(public_file).st_mode) & 0o044 == 0o044 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@needs_curve
def test_pyzmq_reads_ours_and_we_read_pyzmqs(tmp_path: Path) -> None:
    ours_dir = tmp_path / "ours"
    theirs_dir = tmp_path / "theirs"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    ours = create_certificates(ours_dir, "ours", {b"bytes": b"ok"})
    theirs = zmq.auth.create_certificates(str(theirs_dir), "theirs")
    for public_file, secret_file in (ours, theirs):
        assert load_certificate(secret_file) == zmq.auth.load_certificate(secret_file)
        assert load_certificate(public_file) == zmq.auth.load_certificate(public_file)
    assert load_certificates(ours_dir) == zmq.auth.load_certificates(str(ours_dir))
    assert load_certificates(theirs_dir) == zmq.auth.load_certificates(str(theirs_dir))


def test_load_certificates_reads_only_public_files(tmp_path: Path) -> None:
    (tmp_path / "a.key").write_text('curve\n    public-key = "aaaaa"\n')
    (tmp_path / "b.key").write_text(
        "#   public-key = \"commented\"\ncurve\n public-key = 'bbbbb'\n"
    )
    (tmp_path / "c.key_secret").write_text('curve\n    public-key = "ccccc"\n')
    (tmp_path / "notes.txt").write_text('public-key = "ddddd"\n')
    assert load_certificates(tmp_path) == {b"aaaaa": True, b"bbbbb": True}


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="Invalid certificate file"):
        load_certificate(tmp_path / "missing.key")
    empty = tmp_path / "empty.key"
    empty.write_text("# nothing here\nmetadata\ncurve\n")
    with pytest.raises(ValueError, match="No public key"):
        load_certificate(empty)
    with pytest.raises(OSError, match="Invalid certificate directory"):
        load_certificates(tmp_path / "nowhere")
