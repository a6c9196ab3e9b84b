"""Fixtures for the ZAP authenticator tests: purezmq and libzmq (pyzmq) side by side.

Every socket a test makes through :class:`Lab` is closed with linger 0 at teardown, every
authenticator it registers is stopped, then both contexts are terminated; a test that
fails midway leaves nothing running behind it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zmq

import purezmq
import purezmq.asyncio
from purezmq.zmtp.mechanisms.curve import has_curve

#: Bound on every blocking receive/send and on waiting for a monitor event.
TIMEOUT_MS = 5000

needs_curve = pytest.mark.skipif(not has_curve(), reason="CURVE needs PyNaCl")

LIBS = ["libzmq", "purezmq"]


class Lab:
    """Contexts of both libraries plus bookkeeping of sockets and authenticators."""

    def __init__(self) -> None:
        self.pz_ctx = purezmq.Context()
        self.zmq_ctx = zmq.Context()
        self._async_ctx: Any = None
        self._async_zmq_ctx: Any = None
        self.sockets: list[Any] = []
        self.auths: list[Any] = []

    @property
    def async_ctx(self) -> Any:
        """A purezmq asyncio context (created on first use)."""
        if self._async_ctx is None:
            self._async_ctx = purezmq.asyncio.Context()
        return self._async_ctx

    @property
    def async_zmq_ctx(self) -> Any:
        """A pyzmq asyncio context (created on first use)."""
        if self._async_zmq_ctx is None:
            import zmq.asyncio

            self._async_zmq_ctx = zmq.asyncio.Context()
        return self._async_zmq_ctx

    def ctx_of(self, lib: str, aio: bool = False) -> Any:
        if lib == "purezmq":
            return self.async_ctx if aio else self.pz_ctx
        if lib == "libzmq":
            return self.async_zmq_ctx if aio else self.zmq_ctx
        raise ValueError(lib)

    def socket(self, lib: str, kind: str, aio: bool = False, **options: Any) -> Any:
        """A socket of ``lib`` ("purezmq" or "libzmq") with linger 0 and bounded waits."""
        sock = self.ctx_of(lib, aio).socket(getattr(zmq, kind))
        self.sockets.append(sock)
        sock.linger = 0
        sock.rcvtimeo = TIMEOUT_MS
        sock.sndtimeo = TIMEOUT_MS
        for name, value in options.items():
            setattr(sock, name, value)
        return sock

    def adopt(self, sock: Any) -> Any:
        """Track a socket made elsewhere (a monitor socket)."""
        self.sockets.append(sock)
        sock.linger = 0
        return sock

    def auth(self, auth: Any) -> Any:
        """Track an authenticator (stopped at teardown)."""
        self.auths.append(auth)
        return auth

    def close(self) -> None:
        for sock in reversed(self.sockets):
            sock.close(0)
        for auth in self.auths:
            auth.stop()
        for ctx in (self.pz_ctx, self.zmq_ctx, self._async_ctx, self._async_zmq_ctx):
            if ctx is not None:
                ctx.term()


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        yield lab
    finally:
        lab.close()


@dataclass(frozen=True)
class Certs:
    """Certificates made by ``purezmq.auth.create_certificates``.

    ``public_dir`` holds the public certificates the server trusts: the client's only.
    The intruder has a valid key pair that is not in it.
    """

    public_dir: Path
    server_public: bytes
    server_secret: bytes
    client_public: bytes
    client_secret: bytes
    intruder_public: bytes
    intruder_secret: bytes


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    if not has_curve():
        pytest.skip("CURVE needs PyNaCl")
    from purezmq.auth import create_certificates, load_certificate

    base = tmp_path_factory.mktemp("certs")
    secret_dir = base / "private_keys"
    public_dir = base / "public_keys"
    secret_dir.mkdir()
    public_dir.mkdir()
    keys: dict[str, tuple[bytes, bytes]] = {}
    for name in ("server", "client", "intruder"):
        public_file, secret_file = create_certificates(secret_dir, name)
        if name == "client":
            shutil.move(public_file, public_dir / os.path.basename(public_file))
        public, secret = load_certificate(secret_file)
        assert secret is not None
        keys[name] = (public, secret)
    return Certs(
        public_dir,
        *keys["server"],
        *keys["client"],
        *keys["intruder"],
    )


def curve_server(sock: Any, certs: Certs) -> Any:
    sock.curve_publickey = certs.server_public
    sock.curve_secretkey = certs.server_secret
    sock.curve_server = True
    return sock


def curve_client(sock: Any, certs: Certs, intruder: bool = False) -> Any:
    if intruder:
        sock.curve_publickey = certs.intruder_public
        sock.curve_secretkey = certs.intruder_secret
    else:
        sock.curve_publickey = certs.client_public
        sock.curve_secretkey = certs.client_secret
    sock.curve_serverkey = certs.server_public
    return sock
