"""IPC: Unix domain sockets, with stale-path handling and ``ipc://*`` wildcards."""

from __future__ import annotations

import errno as _errno
import os
import socket
import stat
import tempfile

from purezmq.constants import Errno
from purezmq.error import ZMQError
from purezmq.transport.endpoint import Endpoint

__all__ = ["HAVE_IPC", "ipc_address", "listen_ipc"]

HAVE_IPC = hasattr(socket, "AF_UNIX")


def ipc_address(path: str) -> str:
    """The address to give the OS: ``@name`` is Linux's abstract namespace."""
    if path.startswith("@"):
        return "\0" + path[1:]
    return path


def _is_stale(path: str) -> bool:
    """True if ``path`` is a Unix socket nobody listens on any more."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        return True
    except OSError:
        return False
    finally:
        probe.close()
    return False


def listen_ipc(ep: Endpoint, *, backlog: int) -> tuple[socket.socket, str, str | None]:
    """Bind and listen a Unix socket for ``ep``.

    Unlike libzmq, which unlinks whatever file is at the path, a path with a live
    listener is refused with EADDRINUSE; a stale socket file left by a dead process is
    removed and reused.

    Returns:
        The listening socket, its LAST_ENDPOINT, and the filesystem path to unlink when
        the listener closes (None for the abstract namespace).
    """
    if not HAVE_IPC:
        raise ZMQError(Errno.EPROTONOSUPPORT, "ipc is not available on this platform")
    path = ep.address
    if path == "*":
        path = os.path.join(tempfile.mkdtemp(prefix="pzmq-"), "socket")
    os_path = ipc_address(path)
    if not os_path.startswith("\0"):
        try:
            st = os.stat(os_path)
        except FileNotFoundError:
            pass
        else:
            if stat.S_ISSOCK(st.st_mode) and _is_stale(os_path):
                try:
                    os.unlink(os_path)
                except FileNotFoundError:
                    pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(os_path)
        sock.listen(backlog if backlog > 0 else socket.SOMAXCONN)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        code = exc.errno if exc.errno is not None else Errno.EINVAL
        if code == _errno.ENAMETOOLONG or (code == _errno.EINVAL and len(os_path) > 100):
            raise ZMQError(Errno.EINVAL, f"ipc path too long: {path!r}") from None
        raise ZMQError(code, f"{exc.strerror or exc}: {path}") from None
    unlink = None if os_path.startswith("\0") else os_path
    return sock, f"ipc://{path}", unlink
