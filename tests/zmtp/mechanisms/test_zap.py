"""zmtp/zap.py: ZAP (RFC 27) request building and reply validation, as libzmq does them."""

from __future__ import annotations

import pytest

from purezmq.constants import ProtocolError
from purezmq.zmtp import ConnectionFailed, HandshakeComplete, ZMTPConnection
from purezmq.zmtp.commands import encode_properties
from purezmq.zmtp.errors import ZMTPProtocolError
from purezmq.zmtp.mechanisms.plain import PlainClientMechanism, PlainServerMechanism
from purezmq.zmtp.zap import (
    ZAP_ENDPOINT,
    ZAP_REPLY_FRAMES,
    ZAP_STATUS_CODES,
    ZapError,
    ZapReply,
    encode_zap_reply,
    encode_zap_request,
    parse_zap_reply,
    parse_zap_request,
)
from tests.zmtp.helpers import pump


def test_constants() -> None:
    assert ZAP_ENDPOINT == "inproc://zeromq.zap.01"
    assert ZAP_REPLY_FRAMES == 7
    assert frozenset({"200", "300", "400", "500"}) == ZAP_STATUS_CODES
    assert issubclass(ZapError, ZMTPProtocolError)


def test_request_as_libzmq_sends_it() -> None:
    # the observed requests of ZMTP digest 2.4, with libzmq's leading delimiter
    assert encode_zap_request(b"global", b"127.0.0.1", b"", b"PLAIN", [b"admin", b"secret"]) == [
        b"",
        b"1.0",
        b"1",
        b"global",
        b"127.0.0.1",
        b"",
        b"PLAIN",
        b"admin",
        b"secret",
    ]
    assert encode_zap_request(b"nulldom", b"127.0.0.1", b"srv-id", b"NULL", delimiter=False) == [
        b"1.0",
        b"1",
        b"nulldom",
        b"127.0.0.1",
        b"srv-id",
        b"NULL",
    ]
    key = bytes(range(32))
    request = encode_zap_request(b"", b"::1", b"", b"CURVE", [key], request_id=b"7")
    assert parse_zap_request(request, delimiter=True) == [
        b"1.0",
        b"7",
        b"",
        b"::1",
        b"",
        b"CURVE",
        key,
    ]


@pytest.mark.parametrize(
    ("frames", "delimiter", "code"),
    [
        ([b"1.0", b"1", b"", b"a", b""], False, ProtocolError.ZAP_MALFORMED_REPLY),
        ([b"x", b"1.0", b"1", b"", b"a", b"", b"NULL"], True, ProtocolError.ZAP_MALFORMED_REPLY),
        ([], True, ProtocolError.ZAP_MALFORMED_REPLY),
        ([b"2.0", b"1", b"", b"a", b"", b"NULL"], False, ProtocolError.ZAP_BAD_VERSION),
    ],
)
def test_bad_requests(frames: list[bytes], delimiter: bool, code: int) -> None:
    with pytest.raises(ZapError) as info:
        parse_zap_request(frames, delimiter=delimiter)
    assert info.value.code == code


def test_reply_roundtrip() -> None:
    metadata = encode_properties([("X-Zap", b"yes"), ("Group", b"")])
    frames = encode_zap_reply("200", "OK", b"user-joe", metadata)
    assert frames == [b"", b"1.0", b"1", b"200", b"OK", b"user-joe", metadata]
    reply = parse_zap_reply(frames)
    assert reply == ZapReply(
        b"1", "200", "OK", b"user-joe", {"X-Zap": b"yes", "Group": b""}, metadata
    )
    assert reply.accepted
    denied = parse_zap_reply(
        encode_zap_reply("400", "no", request_id=b"9", delimiter=False), b"9", delimiter=False
    )
    assert denied.status_code == "400" and not denied.accepted and denied.metadata == {}


def _reply(**change: bytes) -> list[bytes]:
    fields = {
        "delimiter": b"",
        "version": b"1.0",
        "request_id": b"1",
        "status": b"200",
        "text": b"OK",
        "user": b"u",
        "metadata": b"",
    }
    fields.update(change)
    return list(fields.values())


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        (_reply()[:-1], ProtocolError.ZAP_MALFORMED_REPLY),  # 6 frames with a delimiter
        ([*_reply(), b"extra"], ProtocolError.ZAP_MALFORMED_REPLY),
        (_reply(delimiter=b"x"), ProtocolError.ZAP_MALFORMED_REPLY),
        (_reply(version=b"1.1"), ProtocolError.ZAP_BAD_VERSION),
        (_reply(version=b""), ProtocolError.ZAP_BAD_VERSION),
        (_reply(request_id=b"2"), ProtocolError.ZAP_BAD_REQUEST_ID),
        (_reply(status=b"201"), ProtocolError.ZAP_INVALID_STATUS_CODE),
        (_reply(status=b"600"), ProtocolError.ZAP_INVALID_STATUS_CODE),
        (_reply(status=b"20"), ProtocolError.ZAP_INVALID_STATUS_CODE),
        (_reply(status=b"2000"), ProtocolError.ZAP_INVALID_STATUS_CODE),
        (_reply(status=b"\xff00"), ProtocolError.ZAP_INVALID_STATUS_CODE),
        (_reply(metadata=b"\x03ab"), ProtocolError.ZAP_INVALID_METADATA),
        (_reply(metadata=b"\x01a\x00\x00\x00\x05abc"), ProtocolError.ZAP_INVALID_METADATA),
        # libzmq parses the metadata of a denial too
        (_reply(status=b"400", metadata=b"\x00"), ProtocolError.ZAP_INVALID_METADATA),
    ],
)
def test_bad_replies(frames: list[bytes], code: int) -> None:
    with pytest.raises(ZapError) as info:
        parse_zap_reply(frames)
    assert info.value.code == code


def test_reply_checks_follow_libzmq_order() -> None:
    # version is checked before the id, the id before the status code
    with pytest.raises(ZapError) as info:
        parse_zap_reply(_reply(version=b"9", request_id=b"x", status=b"x"))
    assert info.value.code == ProtocolError.ZAP_BAD_VERSION
    with pytest.raises(ZapError) as info:
        parse_zap_reply(_reply(request_id=b"x", status=b"x"))
    assert info.value.code == ProtocolError.ZAP_BAD_REQUEST_ID


def test_memoryview_frames() -> None:
    reply = parse_zap_reply([memoryview(f) for f in _reply()])
    assert reply.user_id == b"u"


def test_engine_flow_request_to_connection() -> None:
    """What the engine does: ZapRequest event -> request frames -> handler -> parsed reply
    -> conn.zap_reply."""
    client = ZMTPConnection("DEALER", mechanism=PlainClientMechanism(b"admin", b"secret"))
    server = ZMTPConnection("ROUTER", mechanism=PlainServerMechanism(), routing_id=b"srv-id")
    _, (event,) = pump(client, server)
    request = encode_zap_request(
        b"global",
        b"127.0.0.1",
        b"srv-id",
        event.mechanism.encode(),  # type: ignore[union-attr]
        event.credentials,  # type: ignore[union-attr]
    )
    assert parse_zap_request(request, delimiter=True)[5:] == [b"PLAIN", b"admin", b"secret"]
    reply = parse_zap_reply(
        encode_zap_reply("200", "OK", b"joe", encode_properties([("X-A", b"1")]))
    )
    events = server.zap_reply(reply.status_code, reply.user_id, reply.raw_metadata)
    ec, es = pump(client, server)
    (hs,) = events + es
    assert isinstance(hs, HandshakeComplete)
    assert hs.properties["User-Id"] == b"joe" and hs.properties["X-A"] == b"1"


def test_engine_flow_malformed_reply_fails_the_handshake() -> None:
    client = ZMTPConnection("DEALER", mechanism=PlainClientMechanism(b"a", b"b"))
    server = ZMTPConnection("ROUTER", mechanism=PlainServerMechanism())
    pump(client, server)
    with pytest.raises(ZapError) as info:
        parse_zap_reply(_reply(request_id=b"2"))
    # the engine turns it into a failed handshake; the connection just gets closed
    assert info.value.code == ProtocolError.ZAP_BAD_REQUEST_ID
    (fail,) = server.zap_reply("299")
    assert isinstance(fail, ConnectionFailed)
    assert fail.code == ProtocolError.ZAP_INVALID_STATUS_CODE
