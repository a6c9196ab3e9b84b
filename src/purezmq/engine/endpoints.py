"""bind / connect / unbind / disconnect for a SocketCore, over tcp, ipc and inproc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from purezmq.constants import Errno, SocketType
from purezmq.constants import SocketOption as O
from purezmq.engine.inproc import InprocBinding, InprocLink
from purezmq.error import ContextTerminated, ZMQError
from purezmq.transport.endpoint import parse_endpoint

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = ["UNBIND_TIMEOUT", "bind", "connect", "disconnect", "unbind"]

#: Longest a blocking unbind/disconnect waits for the I/O loop to close the listener (s).
UNBIND_TIMEOUT = 10.0


def _text(addr: str | bytes) -> str:
    if isinstance(addr, bytes):
        return addr.decode("utf-8", "replace")
    if not isinstance(addr, str):
        raise TypeError(f"endpoint must be str, not {type(addr).__name__}")
    return addr


def bind(core: SocketCore, addr: str | bytes) -> str:
    """Bind ``core`` to ``addr``; returns the resolved endpoint (LAST_ENDPOINT)."""
    core.check_open()
    if core.ctx.terminated:
        raise ContextTerminated()
    text = _text(addr)
    ep = parse_endpoint(text)
    if ep.transport == "inproc":
        from purezmq.engine.inproc import inproc_bind

        inproc_bind(core, ep.address)
        core.add_endpoint([text], InprocBinding(core, ep.address))
        last = text
    else:
        from purezmq.engine.session import Listener

        backlog = core.opt(O.BACKLOG)
        unlink: str | None = None
        if ep.transport == "tcp":
            from purezmq.transport.tcp import listen_tcp

            sock, last = listen_tcp(ep, ipv6=bool(core.opt(O.IPV6)), backlog=backlog)
        else:
            from purezmq.transport.ipc import listen_ipc

            sock, last, unlink = listen_ipc(ep, backlog=backlog)
        if core.socket_type == SocketType.STREAM:
            from purezmq.engine.raw import RawListener

            listener: Listener = RawListener(core, sock, last, unlink)
        else:
            listener = Listener(core, sock, last, unlink)
        core.add_endpoint([last, text], listener)
        core.io.spawn(listener.start())
    core.last_endpoint = last.encode()
    return last


def connect(core: SocketCore, addr: str | bytes) -> None:
    """Connect ``core`` to ``addr`` (asynchronously; reconnects until disconnected)."""
    core.check_open()
    if core.ctx.terminated:
        raise ContextTerminated()
    text = _text(addr)
    ep = parse_endpoint(text)
    if ep.transport == "inproc":
        from purezmq.engine.inproc import inproc_connect

        link = inproc_connect(core, ep.address)
        core.add_endpoint([text], link)
    else:
        if ep.transport == "tcp" and (ep.host == "*" or ep.port == 0):
            raise ZMQError(Errno.EINVAL, f"cannot connect to a wildcard address: {text}")
        if ep.transport == "ipc" and ep.address == "*":
            raise ZMQError(Errno.EINVAL, "cannot connect to ipc://*")
        from purezmq.engine.session import ConnectSession

        if core.socket_type == SocketType.STREAM:
            from purezmq.engine.raw import RawConnectSession

            session: ConnectSession = RawConnectSession(core, ep, text)
        else:
            session = ConnectSession(core, ep, text)
        core.add_endpoint([text], session)
        core.io.call_soon(session.start)
    core.last_endpoint = text.encode()


def _close_handles(core: SocketCore, handles: list[Any]) -> None:
    """Close endpoint handles now: when unbind() returns, the address is free again."""
    network = []
    for h in handles:
        if isinstance(h, (InprocBinding, InprocLink)):
            h.abort()  # no I/O involved: release the name / end the link right here
        else:
            network.append(h)
    if not network or not core.io.is_alive():
        return

    async def _run() -> None:
        for h in network:
            await h.close(0)

    if core.io.in_loop_thread():
        core.io.spawn(_run())  # asyncio caller: cannot block its own loop
    else:
        core.io.run(_run(), UNBIND_TIMEOUT)


def unbind(core: SocketCore, addr: str | bytes) -> None:
    """Stop listening on ``addr`` and drop the connections accepted through it."""
    core.check_open()
    text = _text(addr)
    parse_endpoint(text)
    handles = [h for h in core.endpoints.get(text, []) if not _is_connect(h)]
    if not handles:
        raise ZMQError(Errno.ENOENT, f"not bound to {text}")
    core.pop_endpoint(text)
    _close_handles(core, handles)


def disconnect(core: SocketCore, addr: str | bytes) -> None:
    """Stop connecting to ``addr`` and drop that connection."""
    core.check_open()
    text = _text(addr)
    parse_endpoint(text)
    handles = [h for h in core.endpoints.get(text, []) if _is_connect(h)]
    if not handles:
        raise ZMQError(Errno.ENOENT, f"not connected to {text}")
    core.pop_endpoint(text)
    _close_handles(core, handles)


def _is_connect(handle: object) -> bool:
    from purezmq.engine.session import ConnectSession

    return isinstance(handle, (ConnectSession, InprocLink))
