"""purezmq asyncio servers authenticated by AsyncioAuthenticator (a task on the test's loop).

Clients are libzmq (pyzmq's zmq.asyncio) and purezmq.asyncio sockets on the same loop,
so nothing here blocks the loop the authenticator runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import zmq

import purezmq
from purezmq.auth import CURVE_ALLOW_ANY
from purezmq.auth.asyncio import AsyncioAuthenticator
from purezmq.utils.monitor import recv_monitor_message

from ._scenarios import BAD_ID, OTHER_HOST, PAYLOAD, bind, connect
from .conftest import LIBS, TIMEOUT_MS, Certs, Lab, curve_client, curve_server, needs_curve

TIMEOUT_S = TIMEOUT_MS / 1000
AGAIN = (zmq.Again, purezmq.Again)
ZMQ_ERRORS = (zmq.ZMQError, purezmq.ZMQError)


@pytest_asyncio.fixture
async def alab() -> AsyncIterator[Lab]:
    # torn down on the running loop, so the authenticator task is cancelled in place
    lab = Lab()
    try:
        yield lab
    finally:
        lab.close()


def start_auth(lab: Lab) -> AsyncioAuthenticator:
    auth = lab.auth(AsyncioAuthenticator(lab.async_ctx))
    auth.start()
    return auth


def server_socket(lab: Lab, **options: Any) -> tuple[Any, Any, str]:
    server = lab.socket("purezmq", "ROUTER", aio=True, router_mandatory=1, **options)
    events = zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_SUCCEEDED
    mon = lab.adopt(server.get_monitor_socket(events))
    return server, mon, bind(server)


def client(lab: Lab, lib: str, **options: Any) -> Any:
    return lab.socket(lib, "DEALER", aio=True, **options)


async def exchange(server: Any, client: Any, user_id: str) -> None:
    async def round_trip() -> None:
        await client.send_multipart(PAYLOAD)
        frames = await server.recv_multipart(copy=False)
        assert [f.bytes for f in frames[1:]] == PAYLOAD
        for frame in frames[1:]:
            assert frame.get("User-Id") == user_id
        await server.send_multipart([frames[0].bytes, *PAYLOAD])
        assert await client.recv_multipart() == PAYLOAD

    await asyncio.wait_for(round_trip(), TIMEOUT_S)


async def wait_auth_failure(mon: Any) -> None:
    async def watch() -> None:
        while True:
            msg = await recv_monitor_message(mon)
            if msg["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                assert msg["value"] == 400
                return

    await asyncio.wait_for(watch(), TIMEOUT_S)


async def assert_refused(server: Any, mon: Any, bad: Any, good: Any, user_id: str) -> None:
    await bad.send_multipart([b"must", b"not arrive"], zmq.NOBLOCK)
    await wait_auth_failure(mon)
    await exchange(server, good, user_id)
    with pytest.raises(AGAIN):
        await server.recv_multipart(zmq.NOBLOCK)
    with pytest.raises(ZMQ_ERRORS) as info:
        await server.send_multipart([BAD_ID, b"x"])
    assert info.value.errno == zmq.EHOSTUNREACH
    assert await bad.poll(0) == 0


@pytest.mark.asyncio
async def test_null_deny_and_allow(alab: Lab) -> None:
    auth = start_auth(alab)
    auth.deny(OTHER_HOST)
    server, mon, ep = server_socket(alab, zap_domain=b"global")
    # purezmq clients always come from 127.0.0.1: libzmq plays the denied host
    bad = client(alab, "libzmq", routing_id=BAD_ID)
    connect(bad, ep, from_other_host=True)
    goods = [client(alab, lib) for lib in LIBS]
    for good in goods:
        connect(good, ep)
    await assert_refused(server, mon, bad, goods[0], "anonymous")
    for good in goods:
        await exchange(server, good, "anonymous")


@pytest.mark.asyncio
async def test_null_allow_list_refuses_purezmq_client(alab: Lab) -> None:
    auth = start_auth(alab)
    auth.allow(OTHER_HOST)
    server, mon, ep = server_socket(alab, zap_domain=b"global")
    bad = client(alab, "purezmq", routing_id=BAD_ID)
    connect(bad, ep)  # from 127.0.0.1, not allowed
    good = client(alab, "libzmq")
    connect(good, ep, from_other_host=True)
    await assert_refused(server, mon, bad, good, "anonymous")


@pytest.mark.asyncio
@pytest.mark.parametrize("lib", LIBS)
async def test_plain(alab: Lab, lib: str) -> None:
    auth = start_auth(alab)
    auth.configure_plain(passwords={"admin": "secret"})
    server, mon, ep = server_socket(alab, plain_server=True)
    bad = client(alab, lib, routing_id=BAD_ID, plain_username=b"admin", plain_password=b"nope")
    connect(bad, ep)
    good = client(alab, lib, plain_username=b"admin", plain_password=b"secret")
    connect(good, ep)
    await assert_refused(server, mon, bad, good, "admin")


@pytest.mark.asyncio
@needs_curve
@pytest.mark.parametrize("lib", LIBS)
async def test_curve_certificates(alab: Lab, lib: str, certs: Certs) -> None:
    auth = start_auth(alab)
    auth.configure_curve(location=certs.public_dir)
    server, mon, ep = server_socket(alab)
    curve_server(server, certs)
    bad = curve_client(client(alab, lib, routing_id=BAD_ID), certs, intruder=True)
    connect(bad, ep)
    good = curve_client(client(alab, lib), certs)
    connect(good, ep)
    await assert_refused(server, mon, bad, good, certs.client_public.decode())


@pytest.mark.asyncio
@needs_curve
@pytest.mark.parametrize("lib", LIBS)
async def test_curve_allow_any(alab: Lab, lib: str, certs: Certs) -> None:
    auth = start_auth(alab)
    auth.configure_curve(location=CURVE_ALLOW_ANY)
    server, _, ep = server_socket(alab)
    curve_server(server, certs)
    anyone = curve_client(client(alab, lib), certs, intruder=True)
    connect(anyone, ep)
    await exchange(server, anyone, certs.intruder_public.decode())


@pytest.mark.asyncio
@needs_curve
@pytest.mark.parametrize("lib", LIBS)
async def test_curve_async_callback(alab: Lab, lib: str, certs: Certs) -> None:
    class Provider:
        async def callback(self, domain: str, key: bytes) -> bool:
            await asyncio.sleep(0)
            return domain == "*" and key == certs.client_public

    auth = start_auth(alab)
    auth.configure_curve_callback(credentials_provider=Provider())
    server, mon, ep = server_socket(alab)
    curve_server(server, certs)
    bad = curve_client(client(alab, lib, routing_id=BAD_ID), certs, intruder=True)
    connect(bad, ep)
    good = curve_client(client(alab, lib), certs)
    connect(good, ep)
    await assert_refused(server, mon, bad, good, certs.client_public.decode())


@pytest.mark.asyncio
async def test_stop_is_idempotent_and_unbinds(alab: Lab) -> None:
    auth = start_auth(alab)
    auth.stop()
    auth.stop()
    assert auth.zap_socket is None
    # the endpoint is free again: a second authenticator can bind it
    again = start_auth(alab)
    assert again.zap_socket is not None


def test_start_needs_a_running_loop() -> None:
    ctx = purezmq.Context()
    try:
        auth = AsyncioAuthenticator(ctx)
        with pytest.raises(RuntimeError, match="running event loop"):
            auth.start()
        assert auth.zap_socket is None
    finally:
        ctx.term()


def test_loop_argument_is_deprecated() -> None:
    ctx = purezmq.Context()
    try:
        with pytest.warns(DeprecationWarning):
            AsyncioAuthenticator(ctx, loop=object())
    finally:
        ctx.term()


def test_ioloop_authenticator_is_a_deprecated_alias() -> None:
    import importlib
    import sys

    sys.modules.pop("purezmq.auth.ioloop", None)
    with pytest.warns(DeprecationWarning, match="AsyncioAuthenticator"):
        ioloop = importlib.import_module("purezmq.auth.ioloop")
    assert issubclass(ioloop.IOLoopAuthenticator, AsyncioAuthenticator)
    ctx = purezmq.Context()
    try:
        with pytest.warns(DeprecationWarning, match="io_loop"):
            auth = ioloop.IOLoopAuthenticator(ctx, io_loop=object())
        assert auth.context is ctx
    finally:
        ctx.term()
