"""SSH tunnels for tcp connections, pyzmq's ``zmq.ssh.tunnel`` API.

A tunnel forwards a local port (on 127.0.0.1) through an SSH server to ``remoteip:rport``
as seen from that server; :func:`tunnel_connection` then connects a socket to the local
end. Two ways to make one:

* :func:`openssh_tunnel` runs the ``ssh`` command (``ssh -N -L ...``) in a subprocess.
  It authenticates with keys or an agent only: a password cannot be typed into ``ssh``
  without a terminal, so passing one raises :class:`SSHTunnelError` (use paramiko).
* :func:`paramiko_tunnel` uses the optional ``paramiko`` package (password or keys) in a
  child process that forwards each local connection over one SSH transport.

``server`` is ``[user@]host[:port]``. Neither way is used unless called: importing this
module imports neither ``paramiko`` nor starts anything.
"""

from __future__ import annotations

import importlib
import multiprocessing
import shutil
import socket
import subprocess
import sys
import time
from typing import Any

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

#: How often a starting tunnel is probed, and how long ``ssh`` gets to connect
#: before it is considered failed (seconds).
_PROBE_INTERVAL = 0.05
_CONNECT_TIMEOUT = 15.0


class SSHTunnelError(RuntimeError):
    """A tunnel could not be made (no ssh client, authentication failed, ...)."""


def select_random_ports(n: int) -> list[int]:
    """``n`` distinct free tcp ports on 127.0.0.1 (the OS picks them).

    All ``n`` are held open together while picking, so they are distinct; they are free
    again when this returns (another process could take one before it is used).
    """
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _split_server(server: str) -> tuple[str, int]:
    """``[user@]host[:port]`` -> (``[user@]host``, port); port 22 by default."""
    login, sep, port = server.rpartition(":")
    if sep and port.isdigit() and "]" not in port:
        return login, int(port)
    return server, 22


def _ssh_command(server: str, keyfile: str | None, *extra: str) -> list[str]:
    ssh = shutil.which("ssh")
    if ssh is None:
        raise SSHTunnelError("no ssh command on PATH (install OpenSSH, or use paramiko)")
    host, port = _split_server(server)
    cmd = [ssh, "-p", str(port), "-o", f"ConnectTimeout={int(_CONNECT_TIMEOUT)}"]
    if keyfile:
        cmd += ["-i", keyfile]
    return [*cmd, *extra, host]


def _default_to_paramiko(paramiko: bool | None) -> bool:
    if paramiko is not None:
        return paramiko
    # like pyzmq: the ssh command where there is one, paramiko elsewhere (Windows)
    return sys.platform == "win32" or shutil.which("ssh") is None


def try_passwordless_ssh(
    server: str, keyfile: str | None = None, paramiko: bool | None = None
) -> bool:
    """Whether ``server`` accepts us without a password (keys or an agent).

    Args:
        server: ``[user@]host[:port]``.
        keyfile: a private key to offer.
        paramiko: use paramiko instead of the ssh command (default: ssh if available).
    """
    if _default_to_paramiko(paramiko):
        return _try_passwordless_paramiko(server, keyfile)
    cmd = _ssh_command(server, keyfile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes")
    try:
        done = subprocess.run(
            [*cmd, "exit"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=_CONNECT_TIMEOUT * 2,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _paramiko_module() -> Any:
    try:
        paramiko = importlib.import_module("paramiko")
    except ImportError:
        raise SSHTunnelError(
            "paramiko is not installed (pip install paramiko), or use the ssh command"
        ) from None
    return paramiko


def _paramiko_client(server: str, keyfile: str | None, password: str | None) -> Any:
    paramiko = _paramiko_module()
    login, port = _split_server(server)
    user, _, host = login.rpartition("@")
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    client.connect(
        host,
        port,
        username=user or None,
        key_filename=keyfile,
        password=password,
        look_for_keys=True,
        timeout=_CONNECT_TIMEOUT,
    )
    return client


def _try_passwordless_paramiko(server: str, keyfile: str | None) -> bool:
    paramiko = _paramiko_module()
    try:
        client = _paramiko_client(server, keyfile, None)
    except paramiko.AuthenticationException:
        return False
    client.close()
    return True


def _wait_listening(port: int, alive: Any, deadline: float) -> None:
    """Wait until 127.0.0.1:port accepts connections while ``alive()`` holds."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=_PROBE_INTERVAL * 4):
                return
        except OSError:
            pass
        if not alive():
            raise SSHTunnelError("the tunnel process ended before it listened")
        if time.monotonic() > deadline:
            raise SSHTunnelError(f"the tunnel did not listen on port {port} in time")
        time.sleep(_PROBE_INTERVAL)


def openssh_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: str | None = None,
    password: str | None = None,
    timeout: float = 60,
) -> int:
    """Forward 127.0.0.1:``lport`` to ``remoteip``:``rport`` through ``server`` with the
    ssh command.

    The tunnel closes ``timeout`` seconds after it was opened once no connection uses
    it any more (the remote side runs ``sleep timeout``; ssh stays up while forwarded
    connections are open).

    Args:
        lport: the local port to listen on.
        rport: the port to reach, on ``remoteip`` as seen from ``server``.
        server: ``[user@]host[:port]``.
        remoteip: the host to reach from the server.
        keyfile: a private key to offer.
        password: not supported by the ssh command (SSHTunnelError); use paramiko.
        timeout: seconds the tunnel waits for a first connection.

    Returns:
        The pid of the ``ssh`` process.
    """
    if password is not None:
        raise SSHTunnelError(
            "the ssh command cannot be given a password without a terminal: use keys or "
            "an agent, or paramiko_tunnel(..., password=...)"
        )
    cmd = _ssh_command(
        server,
        keyfile,
        "-o",
        "BatchMode=yes",
        "-o",
        "ExitOnForwardFailure=yes",
        "-L",
        f"127.0.0.1:{lport}:{remoteip}:{rport}",
    )
    proc = subprocess.Popen(
        [*cmd, f"sleep {int(timeout)}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(lport, lambda: proc.poll() is None, time.monotonic() + _CONNECT_TIMEOUT * 2)
    except SSHTunnelError:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        raise SSHTunnelError(
            f"ssh tunnel to {server} failed (exit status {proc.returncode}); check "
            "try_passwordless_ssh() and the server address"
        ) from None
    return proc.pid


def _paramiko_forward(
    lport: int,
    rport: int,
    server: str,
    remoteip: str,
    keyfile: str | None,
    password: str | None,
) -> None:
    """Child process body: accept on 127.0.0.1:lport, relay each connection over SSH."""
    from purezmq.ssh.forward import forward_tunnel

    client = _paramiko_client(server, keyfile, password)
    try:
        forward_tunnel(lport, remoteip, rport, client.get_transport())
    finally:
        client.close()


def paramiko_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: str | None = None,
    password: str | None = None,
    timeout: float = 60,
) -> multiprocessing.Process:
    """Forward 127.0.0.1:``lport`` to ``remoteip``:``rport`` through ``server`` with
    paramiko, in a child process (stop it with ``.terminate()``).

    Args are as for :func:`openssh_tunnel`; ``password`` is supported.

    Returns:
        The process running the tunnel (daemonic: it ends with this process).
    """
    _paramiko_module()  # fail here, not in the child
    proc = multiprocessing.Process(
        target=_paramiko_forward,
        args=(lport, rport, server, remoteip, keyfile, password),
        daemon=True,
    )
    proc.start()
    try:
        _wait_listening(lport, proc.is_alive, time.monotonic() + max(timeout, _CONNECT_TIMEOUT))
    except SSHTunnelError:
        proc.terminate()
        raise
    return proc


ssh_tunnel = paramiko_tunnel if sys.platform == "win32" else openssh_tunnel


def open_tunnel(
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: bool | None = None,
    timeout: float = 60,
) -> tuple[str, Any]:
    """Open a tunnel to the tcp endpoint ``addr`` (as the server sees it).

    Returns:
        ``(url, tunnel)``: the local ``tcp://127.0.0.1:port`` to connect to, and the
        ssh pid (ssh command) or the process (paramiko).
    """
    transport, sep, rest = addr.partition("://")
    if not sep or transport != "tcp":
        raise ValueError(f"can only tunnel tcp:// endpoints, not {addr!r}")
    remoteip, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"not a tcp://host:port endpoint: {addr!r}")
    if remoteip == "*":
        remoteip = "127.0.0.1"
    lport = select_random_ports(1)[0]
    make = paramiko_tunnel if _default_to_paramiko(paramiko) else openssh_tunnel
    tunnel = make(lport, int(port), server, remoteip, keyfile, password, timeout)
    return f"tcp://127.0.0.1:{lport}", tunnel


def tunnel_connection(
    socket: Any,
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: bool | None = None,
    timeout: float = 60,
) -> Any:
    """Connect ``socket`` to ``addr`` through an SSH tunnel via ``server``.

    Returns:
        The tunnel (see :func:`open_tunnel`).
    """
    url, tunnel = open_tunnel(addr, server, keyfile, password, paramiko, timeout)
    socket.connect(url)
    return tunnel
