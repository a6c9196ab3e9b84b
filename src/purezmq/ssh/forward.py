"""Port forwarding over one paramiko SSH transport (pyzmq's ``zmq.ssh.forward``)."""

from __future__ import annotations

import select
import socket
import threading
from typing import Any

__all__ = ["forward_tunnel"]

#: bytes moved per read while relaying
_CHUNK = 65536


def _relay(conn: socket.socket, chan: Any) -> None:
    """Copy bytes both ways between a local connection and an SSH channel until either
    side closes."""
    try:
        while True:
            readable, _, _ = select.select([conn, chan], [], [])
            if conn in readable:
                data = conn.recv(_CHUNK)
                if not data:
                    break
                chan.sendall(data)
            if chan in readable:
                data = chan.recv(_CHUNK)
                if not data:
                    break
                conn.sendall(data)
    finally:
        chan.close()
        conn.close()


def forward_tunnel(local_port: int, remote_host: str, remote_port: int, transport: Any) -> None:
    """Accept on 127.0.0.1:``local_port`` forever; relay each connection to
    ``remote_host``:``remote_port`` through ``transport`` (a ``paramiko.Transport``).

    Each connection gets a ``direct-tcpip`` channel and a relaying thread.
    """
    with socket.create_server(("127.0.0.1", local_port)) as server:
        while transport.is_active():
            conn, peer = server.accept()
            try:
                chan = transport.open_channel("direct-tcpip", (remote_host, remote_port), peer)
            except Exception:
                conn.close()
                continue
            if chan is None:
                conn.close()
                continue
            threading.Thread(target=_relay, args=(conn, chan), daemon=True).start()
