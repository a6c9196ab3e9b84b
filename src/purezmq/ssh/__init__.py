"""SSH tunnels for tcp connections (pyzmq's ``zmq.ssh``); see :mod:`purezmq.ssh.tunnel`."""

from __future__ import annotations

from purezmq.ssh.tunnel import (
    SSHTunnelError,
    open_tunnel,
    openssh_tunnel,
    paramiko_tunnel,
    select_random_ports,
    ssh_tunnel,
    try_passwordless_ssh,
    tunnel_connection,
)

__all__ = [
    "SSHTunnelError",
    "open_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "select_random_ports",
    "ssh_tunnel",
    "try_passwordless_ssh",
    "tunnel_connection",
]
