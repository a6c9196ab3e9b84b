"""purezmq servers authenticated by purezmq's ThreadAuthenticator, over tcp.

Clients are libzmq (through pyzmq) and purezmq sockets. Refused clients connect from
127.0.0.2 where the policy is about addresses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import purezmq
from purezmq.auth import CURVE_ALLOW_ANY
from purezmq.auth.thread import ThreadAuthenticator
from purezmq.utils import z85

from ._scenarios import (
    BAD_ID,
    LOCALHOST,
    OTHER_HOST,
    assert_refused,
    bind,
    connect,
    exchange,
    monitor_of,
    router,
)
from .conftest import LIBS, TIMEOUT_MS, Certs, Lab, curve_client, curve_server, needs_curve


def start_auth(lab: Lab) -> ThreadAuthenticator:
    auth = lab.auth(ThreadAuthenticator(lab.pz_ctx))
    auth.start()
    assert auth.is_alive()
    return auth


# purezmq ignores the source part of "source;target" connect endpoints, so its clients
# always come from 127.0.0.1 and a libzmq client plays the one from 127.0.0.2.
ADDRESS_CASES = ["refused=libzmq", "refused=purezmq"]


def addresses(refused: str) -> tuple[str, str]:
    """The refused and the good client's addresses."""
    return (OTHER_HOST, LOCALHOST) if refused == "refused=libzmq" else (LOCALHOST, OTHER_HOST)


def address_clients(lab: Lab, refused: str, ep: str) -> tuple[Any, list[Any]]:
    """The refused client and the good clients, connecting."""
    if refused == "refused=libzmq":
        bad = lab.socket("libzmq", "DEALER", routing_id=BAD_ID)
        connect(bad, ep, from_other_host=True)
        goods = [lab.socket(lib, "DEALER") for lib in LIBS]
        for good in goods:
            connect(good, ep)
        return bad, goods
    bad = lab.socket("purezmq", "DEALER", routing_id=BAD_ID)
    connect(bad, ep)
    good = lab.socket("libzmq", "DEALER")
    connect(good, ep, from_other_host=True)
    return bad, [good]


@pytest.mark.parametrize("refused", ADDRESS_CASES)
@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_null_address_policy(lab: Lab, refused: str, policy: str) -> None:
    auth = start_auth(lab)
    bad_addr, good_addr = addresses(refused)
    if policy == "allow":
        auth.allow(good_addr)
        with pytest.raises(ValueError):
            auth.deny(bad_addr)
    else:
        auth.deny(bad_addr)
        with pytest.raises(ValueError):
            auth.allow(good_addr)
    server = router(lab, "purezmq", zap_domain=b"global")
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad, goods = address_clients(lab, refused, ep)
    assert_refused(server, mon, bad, goods[0], "anonymous")
    for good in goods:
        exchange(server, good, "anonymous")


@pytest.mark.parametrize("lib", LIBS)
def test_plain_right_and_wrong_password(lab: Lab, lib: str) -> None:
    auth = start_auth(lab)
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    server = router(lab, "purezmq", plain_server=True)
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = lab.socket(lib, "DEALER", routing_id=BAD_ID, plain_username=b"admin")
    bad.plain_password = b"wrong"
    connect(bad, ep)
    good = lab.socket(lib, "DEALER", plain_username=b"admin")
    good.plain_password = b"secret"
    connect(good, ep)
    assert_refused(server, mon, bad, good, "admin")


@pytest.mark.parametrize("lib", LIBS)
def test_plain_per_domain(lab: Lab, lib: str) -> None:
    auth = start_auth(lab)
    auth.configure_plain(domain="sales", passwords={"ann": "pw1"})
    server = router(lab, "purezmq", plain_server=True, zap_domain=b"sales")
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = lab.socket(lib, "DEALER", routing_id=BAD_ID, plain_username=b"admin")
    bad.plain_password = b"pw1"  # unknown user in this domain
    connect(bad, ep)
    good = lab.socket(lib, "DEALER", plain_username=b"ann", plain_password=b"pw1")
    connect(good, ep)
    assert_refused(server, mon, bad, good, "ann")


@needs_curve
@pytest.mark.parametrize("lib", LIBS)
def test_curve_certificates(lab: Lab, lib: str, certs: Certs) -> None:
    auth = start_auth(lab)
    auth.configure_curve(domain="*", location=certs.public_dir)
    server = curve_server(router(lab, "purezmq"), certs)
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = curve_client(lab.socket(lib, "DEALER", routing_id=BAD_ID), certs, intruder=True)
    connect(bad, ep)
    good = curve_client(lab.socket(lib, "DEALER"), certs)
    connect(good, ep)
    assert_refused(server, mon, bad, good, certs.client_public.decode())


@needs_curve
@pytest.mark.parametrize("lib", LIBS)
def test_curve_allow_any(lab: Lab, lib: str, certs: Certs) -> None:
    auth = start_auth(lab)
    auth.configure_curve(domain="*", location=CURVE_ALLOW_ANY)
    server = curve_server(router(lab, "purezmq"), certs)
    ep = bind(server)
    client = curve_client(lab.socket(lib, "DEALER"), certs, intruder=True)
    connect(client, ep)
    exchange(server, client, certs.intruder_public.decode())


@needs_curve
@pytest.mark.parametrize("is_async", [False, True], ids=["sync-callback", "async-callback"])
@pytest.mark.parametrize("lib", LIBS)
def test_curve_callback(lab: Lab, lib: str, certs: Certs, is_async: bool) -> None:
    seen: list[tuple[str, bytes]] = []

    class Provider:
        def callback(self, domain: str, key: bytes) -> bool:
            seen.append((domain, key))
            return key == certs.client_public

    class AsyncProvider(Provider):
        async def callback(self, domain: str, key: bytes) -> bool:  # type: ignore[override]
            await asyncio.sleep(0)
            return super().callback(domain, key)

    auth = start_auth(lab)
    auth.configure_curve_callback(
        domain="*", credentials_provider=AsyncProvider() if is_async else Provider()
    )
    server = curve_server(router(lab, "purezmq"), certs)
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = curve_client(lab.socket(lib, "DEALER", routing_id=BAD_ID), certs, intruder=True)
    connect(bad, ep)
    good = curve_client(lab.socket(lib, "DEALER"), certs)
    connect(good, ep)
    assert_refused(server, mon, bad, good, certs.client_public.decode())
    assert ("*", certs.intruder_public) in seen
    assert ("*", certs.client_public) in seen


@needs_curve
@pytest.mark.parametrize("lib", LIBS)
def test_curve_custom_user_id(lab: Lab, lib: str, certs: Certs) -> None:
    auth = start_auth(lab)
    auth.configure_curve(domain="*", location=certs.public_dir)
    names = {z85.decode(certs.client_public): "client-one"}
    auth.curve_user_id = lambda key: names[key]  # type: ignore[method-assign]
    server = curve_server(router(lab, "purezmq"), certs)
    ep = bind(server)
    client = curve_client(lab.socket(lib, "DEALER"), certs)
    connect(client, ep)
    exchange(server, client, "client-one")


@pytest.mark.parametrize("lib", LIBS)
def test_stopped_authenticator_leaves_null_alone(lab: Lab, lib: str) -> None:
    auth = start_auth(lab)
    auth.deny("127.0.0.1")
    auth.stop()
    assert not auth.is_alive()
    auth.stop()  # idempotent
    # no handler bound: a ZAP_DOMAIN no longer makes NULL ask anybody
    server = router(lab, "purezmq", zap_domain=b"global")
    ep = bind(server)
    client: Any = lab.socket(lib, "DEALER")
    connect(client, ep)
    exchange(server, client, None)


def test_second_authenticator_in_a_context_fails_cleanly(lab: Lab) -> None:
    start_auth(lab)
    second = ThreadAuthenticator(lab.pz_ctx)
    with pytest.raises(purezmq.ZMQError) as info:
        second.start()
    assert info.value.errno == purezmq.EADDRINUSE
    assert not second.is_alive()
    assert second.zap_socket is None
    # nothing of it is left open: the lab's ctx.term() at teardown would hang otherwise


def test_unknown_pipe_command_is_answered(lab: Lab) -> None:
    auth = start_auth(lab)
    assert auth.pipe is not None
    auth.pipe.rcvtimeo = TIMEOUT_MS
    auth.pipe.send(b"WHAT")
    assert auth.pipe.recv() == b"ERROR"
    assert auth.is_alive()
    auth.stop()
    assert auth.thread is None
    assert auth.pipe is None


def test_default_log_and_thread_name(lab: Lab) -> None:
    auth = start_auth(lab)
    assert auth.log.name == "zmq.auth"  # type: ignore[union-attr]
    assert auth.thread is not None
    assert auth.thread.daemon


def test_synchronous_handler_override(lab: Lab) -> None:
    class Legacy(ThreadAuthenticator):
        # the pyzmq < 25 signature: answer directly, return nothing
        def handle_zap_message(self, msg: list[bytes]) -> None:  # type: ignore[override]
            self._send_zap_reply(msg[1], b"200", b"OK", "legacy")

    auth = lab.auth(Legacy(lab.pz_ctx))
    auth.start()
    server = router(lab, "purezmq", plain_server=True)
    ep = bind(server)
    client = lab.socket("purezmq", "DEALER", plain_username=b"any", plain_password=b"thing")
    connect(client, ep)
    exchange(server, client, "legacy")
