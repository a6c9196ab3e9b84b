"""purezmq.ssh.tunnel: the pieces that need no SSH server."""

from __future__ import annotations

import importlib.util

import pytest

from purezmq.ssh import tunnel


def test_select_random_ports_are_distinct() -> None:
    for _ in range(50):
        ports = tunnel.select_random_ports(10)
        assert len(set(ports)) == 10 and all(0 < p < 65536 for p in ports)


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("host", ("host", 22)),
        ("user@host", ("user@host", 22)),
        ("user@host:2222", ("user@host", 2222)),
    ],
)
def test_split_server(server: str, expected: tuple[str, int]) -> None:
    assert tunnel._split_server(server) == expected


def test_open_tunnel_needs_a_tcp_endpoint() -> None:
    with pytest.raises(ValueError):
        tunnel.open_tunnel("ipc:///tmp/x", "host")
    with pytest.raises(ValueError):
        tunnel.open_tunnel("tcp://host", "host")


def test_openssh_cannot_take_a_password() -> None:
    with pytest.raises(tunnel.SSHTunnelError, match="password"):
        tunnel.openssh_tunnel(1, 2, "host", password="secret")


@pytest.mark.skipif(importlib.util.find_spec("paramiko") is not None, reason="has paramiko")
def test_paramiko_missing_is_a_clear_error() -> None:
    with pytest.raises(tunnel.SSHTunnelError, match="paramiko"):
        tunnel.paramiko_tunnel(1, 2, "host")
