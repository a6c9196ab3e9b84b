"""Authenticator.handle_zap_message without sockets: requests in, replies out.

A fake ZAP socket records the replies; the real socket path is covered by the
thread and asyncio authenticator tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import purezmq
from purezmq.auth import CURVE_ALLOW_ANY, Authenticator
from purezmq.utils import z85
from purezmq.zmtp.zap import encode_zap_request, parse_zap_reply

from .conftest import Certs, needs_curve

KEY = bytes(range(32))
KEY_Z85 = z85.encode(KEY)


class FakeZapSocket:
    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []

    def send_multipart(self, frames: list[bytes]) -> None:
        self.sent.append(list(frames))

    def close(self, linger: int | None = None) -> None:
        pass


@pytest.fixture
def ctx() -> Iterator[Any]:
    ctx = purezmq.Context()
    yield ctx
    ctx.term()


@pytest.fixture
def auth(ctx: Any) -> Authenticator:
    auth = Authenticator(ctx)
    auth.zap_socket = FakeZapSocket()  # type: ignore[assignment]
    return auth


def ask(
    auth: Authenticator,
    mechanism: bytes,
    *credentials: bytes,
    domain: bytes = b"",
    address: bytes = b"127.0.0.1",
    request_id: bytes = b"7",
) -> tuple[str, str, bytes]:
    """Send one request; return (status code, status text, user id) of the reply."""
    request = encode_zap_request(
        domain, address, b"", mechanism, credentials, request_id, delimiter=False
    )
    asyncio.run(auth.handle_zap_message(request))
    zap = auth.zap_socket
    assert isinstance(zap, FakeZapSocket)
    reply = zap.sent.pop()
    assert not zap.sent
    # the reply is what libzmq would accept (it validates it this way)
    parsed = parse_zap_reply(reply, request_id, delimiter=False)
    assert parsed.metadata == {}
    return parsed.status_code, parsed.status_text, parsed.user_id


def test_null_is_allowed_by_default(auth: Authenticator) -> None:
    assert ask(auth, b"NULL") == ("200", "OK", b"anonymous")


def test_allow_list(auth: Authenticator) -> None:
    auth.allow("10.0.0.1", "10.0.0.2")
    assert ask(auth, b"NULL", address=b"10.0.0.2")[0] == "200"
    assert ask(auth, b"NULL", address=b"10.0.0.3") == ("400", "Address not allowed", b"")
    with pytest.raises(ValueError):
        auth.deny("10.0.0.9")


def test_deny_list(auth: Authenticator) -> None:
    auth.deny("10.0.0.1")
    assert ask(auth, b"NULL", address=b"10.0.0.1") == ("400", "Address denied", b"")
    assert ask(auth, b"NULL", address=b"10.0.0.2")[0] == "200"
    # a denied address is refused whatever its credentials
    auth.configure_plain(passwords={"u": "p"})
    assert ask(auth, b"PLAIN", b"u", b"p", address=b"10.0.0.1")[0] == "400"
    with pytest.raises(ValueError):
        auth.allow("10.0.0.9")


def test_plain(auth: Authenticator) -> None:
    assert ask(auth, b"PLAIN", b"u", b"p") == ("400", "No passwords defined", b"")
    auth.configure_plain(passwords={"admin": "secret", "\u00e9l\u00e8ve": "mot"})
    auth.configure_plain(domain="other", passwords={})  # empty: ignored
    assert ask(auth, b"PLAIN", b"admin", b"secret") == ("200", "OK", b"admin")
    assert ask(auth, b"PLAIN", b"admin", b"secret", domain=b"*")[0] == "200"
    assert ask(auth, b"PLAIN", "\u00e9l\u00e8ve".encode(), b"mot")[2] == "\u00e9l\u00e8ve".encode()
    assert ask(auth, b"PLAIN", b"admin", b"nope") == ("400", "Invalid password", b"")
    assert ask(auth, b"PLAIN", b"nobody", b"secret") == ("400", "Invalid username", b"")
    assert ask(auth, b"PLAIN", b"admin", b"secret", domain=b"other")[1] == "Invalid domain"
    assert ask(auth, b"PLAIN", b"admin")[1] == "Invalid credentials"


def test_plain_passwords_are_live(auth: Authenticator) -> None:
    passwords = {"admin": "old"}
    auth.configure_plain(passwords=passwords)
    passwords["admin"] = "new"
    assert ask(auth, b"PLAIN", b"admin", b"new")[0] == "200"


def test_plain_password_is_not_logged(
    auth: Authenticator, caplog: pytest.LogCaptureFixture
) -> None:
    auth.configure_plain(passwords={"admin": "hunter2"})
    with caplog.at_level(logging.DEBUG, logger="zmq.auth"):
        ask(auth, b"PLAIN", b"admin", b"hunter2")
        ask(auth, b"PLAIN", b"admin", b"hunter3")
    assert caplog.records
    assert all(r.name == "zmq.auth" for r in caplog.records)
    assert "hunter" not in caplog.text


def test_curve_without_configuration_is_refused(auth: Authenticator) -> None:
    assert ask(auth, b"CURVE", KEY) == ("400", "Unknown domain", b"")


def test_curve_allow_any(auth: Authenticator) -> None:
    auth.configure_curve(location=CURVE_ALLOW_ANY)
    assert ask(auth, b"CURVE", KEY) == ("200", "OK", KEY_Z85)
    assert ask(auth, b"CURVE", KEY, b"extra")[1] == "Invalid credentials"


@needs_curve
def test_curve_certificates(auth: Authenticator, certs: Certs) -> None:
    auth.configure_curve(domain="*", location=certs.public_dir)
    client = z85.decode(certs.client_public)
    intruder = z85.decode(certs.intruder_public)
    assert ask(auth, b"CURVE", client) == ("200", "OK", certs.client_public)
    assert ask(auth, b"CURVE", intruder) == ("400", "Unknown key", b"")
    assert ask(auth, b"CURVE", client, domain=b"elsewhere")[1] == "Unknown domain"


def test_curve_bad_location_is_logged(
    auth: Authenticator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        auth.configure_curve(location=tmp_path / "missing")
    assert "Failed to load CURVE certs" in caplog.text
    assert ask(auth, b"CURVE", KEY)[0] == "400"


def test_curve_user_id_override(auth: Authenticator) -> None:
    auth.configure_curve(location=CURVE_ALLOW_ANY)
    auth.curve_user_id = lambda key: f"user-{key[0]}"  # type: ignore[method-assign]
    assert ask(auth, b"CURVE", KEY)[2] == b"user-0"


def test_curve_callback(auth: Authenticator) -> None:
    calls: list[tuple[str, bytes]] = []

    class Provider:
        def callback(self, domain: str, key: bytes) -> bool:
            calls.append((domain, key))
            return domain == "*"

    auth.configure_curve_callback(domain="*", credentials_provider=Provider())
    assert ask(auth, b"CURVE", KEY) == ("200", "OK", KEY_Z85)
    assert calls == [("*", KEY_Z85)]
    assert ask(auth, b"CURVE", KEY, domain=b"x") == ("400", "Unknown domain", b"")


def test_curve_async_callback(auth: Authenticator) -> None:
    class Provider:
        async def callback(self, domain: str, key: bytes) -> bool:
            await asyncio.sleep(0)
            return False

    auth.configure_curve_callback(credentials_provider=Provider())
    assert ask(auth, b"CURVE", KEY) == ("400", "Unknown key", b"")


def test_failing_callback_answers_500(
    auth: Authenticator, caplog: pytest.LogCaptureFixture
) -> None:
    class Provider:
        def callback(self, domain: str, key: bytes) -> bool:
            raise RuntimeError("database down")

    auth.configure_curve_callback(credentials_provider=Provider())
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        assert ask(auth, b"CURVE", KEY) == ("500", "Internal error", b"")
    assert "database down" in caplog.text


def test_none_provider_is_logged(auth: Authenticator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        auth.configure_curve_callback(domain="d")
    assert "None credentials_provider" in caplog.text
    assert auth.credentials_providers == {}


def test_unsupported_mechanism(auth: Authenticator) -> None:
    auth.allow("127.0.0.1")
    assert ask(auth, b"GSSAPI", b"principal") == ("400", "Unsupported mechanism", b"")


def test_malformed_requests_still_get_one_reply(auth: Authenticator) -> None:
    zap = auth.zap_socket
    assert isinstance(zap, FakeZapSocket)
    asyncio.run(auth.handle_zap_message([b"1.0", b"9", b"", b"127.0.0.1"]))
    assert zap.sent.pop() == [b"1.0", b"9", b"400", b"Not enough frames", b"", b""]
    asyncio.run(auth.handle_zap_message([b"1.0"]))
    assert zap.sent.pop()[2] == b"400"
    asyncio.run(auth.handle_zap_message([b"2.0", b"9", b"", b"127.0.0.1", b"", b"NULL"]))
    assert zap.sent.pop() == [b"1.0", b"9", b"400", b"Invalid version", b"", b""]


def test_custom_encoding(ctx: Any) -> None:
    auth = Authenticator(ctx, encoding="latin-1")
    auth.zap_socket = FakeZapSocket()  # type: ignore[assignment]
    auth.configure_plain(passwords={"\u00e9": "p"})
    assert ask(auth, b"PLAIN", b"\xe9", b"p") == ("200", "OK", b"\xe9")


def test_gssapi_is_not_supported(auth: Authenticator) -> None:
    with pytest.raises(purezmq.ZMQError) as info:
        auth.configure_gssapi()
    assert info.value.errno == purezmq.ENOTSUP


def test_defaults(ctx: Any) -> None:
    auth = Authenticator(ctx)
    assert auth.context is ctx
    assert auth.encoding == "utf-8"
    assert auth.log.name == "zmq.auth"  # type: ignore[union-attr]
    assert auth.zap_socket is None
    assert CURVE_ALLOW_ANY == "*"


def test_default_context_is_the_instance() -> None:
    instance = purezmq.Context.instance()
    try:
        assert Authenticator().context is instance
    finally:
        instance.term()


def test_start_binds_and_stop_unbinds(ctx: Any) -> None:
    first = Authenticator(ctx)
    first.start()
    try:
        assert first.zap_socket is not None
        assert first.zap_socket.socket_type == purezmq.REP
        second = Authenticator(ctx)
        with pytest.raises(purezmq.ZMQError) as info:
            second.start()
        assert info.value.errno == purezmq.EADDRINUSE
        assert second.zap_socket is None
    finally:
        first.stop()
    first.stop()  # idempotent
    second.start()  # the endpoint is free again
    second.stop()


def test_reply_without_socket_is_dropped(ctx: Any, caplog: pytest.LogCaptureFixture) -> None:
    auth = Authenticator(ctx)
    with caplog.at_level(logging.ERROR, logger="zmq.auth"):
        asyncio.run(auth.handle_zap_message([b"1.0", b"1", b"", b"127.0.0.1", b"", b"NULL"]))
    assert "dropped" in caplog.text
