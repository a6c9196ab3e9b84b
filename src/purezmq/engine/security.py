"""Security glue: which mechanism a socket's options select, and the ZAP client.

Option rules follow libzmq (options.cpp): the last of PLAIN_SERVER, PLAIN_USERNAME,
CURVE_SERVER or CURVE_SERVERKEY set decides the mechanism and the role; an empty
PLAIN_USERNAME goes back to NULL. CURVE keys are accepted as 32 raw bytes or 40-char
Z85 text and read back as Z85, like pyzmq.

ZAP (RFC 27): a socket that needs an authentication decision sends a request to
``inproc://zeromq.zap.01`` through an internal DEALER of its own context and resumes
the handshake when the reply comes. As in libzmq: NULL asks only when ZAP_DOMAIN is set
and a handler is bound; PLAIN servers always ask and refuse clients when nobody can
answer; CURVE servers ask when a handler is bound and otherwise accept every client
that completes the cryptography.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from purezmq.constants import Errno, SocketType
from purezmq.constants import SocketOption as O
from purezmq.error import ZMQError
from purezmq.zmtp.mechanisms.base import Mechanism
from purezmq.zmtp.mechanisms.null import NullMechanism
from purezmq.zmtp.zap import ZapError, ZapReply, encode_zap_request, parse_zap_reply

if TYPE_CHECKING:
    from purezmq.engine.core import SocketCore

__all__ = [
    "ZAP_ENDPOINT",
    "ZapClient",
    "curve_available",
    "make_mechanism",
    "normalize_security_option",
]

#: Where ZAP handlers bind (RFC 27).
ZAP_ENDPOINT = "inproc://zeromq.zap.01"
_ZAP_NAME = ZAP_ENDPOINT[len("inproc://") :]

_CURVE_KEYS = (O.CURVE_PUBLICKEY, O.CURVE_SECRETKEY, O.CURVE_SERVERKEY)
_CURVE_OPTIONS = (*_CURVE_KEYS, O.CURVE_SERVER)

#: SecurityMechanism values
NULL, PLAIN, CURVE = 0, 1, 2


def curve_available() -> bool:
    """True if PyNaCl can be imported (the ``curve`` extra)."""
    try:
        import nacl.bindings  # noqa: F401
    except ImportError:
        return False
    return True


def _curve_missing() -> ZMQError:
    return ZMQError(
        Errno.EINVAL,
        "CURVE needs PyNaCl, which is not installed: pip install 'purezmq[curve]'",
    )


def _key_bytes(given: Any) -> bytes:
    """A CURVE key option value as 32 raw bytes (from raw bytes or 40-char Z85)."""
    value: object = given
    if isinstance(value, str):
        value = value.encode("ascii", "replace")
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"CURVE keys are bytes or str, not {type(value).__name__}")
    if len(value) == 41 and value.endswith(b"\0"):  # libzmq's NUL-terminated Z85 form
        value = value[:40]
    if len(value) == 32:
        return value
    if len(value) == 40:
        from purezmq.utils.z85 import decode

        try:
            return decode(value)
        except ValueError:
            raise ZMQError(Errno.EINVAL, "invalid Z85 CURVE key") from None
    raise ZMQError(Errno.EINVAL, "CURVE keys are 32 raw bytes or 40 Z85 characters")


def normalize_security_option(core: SocketCore, option: int, value: Any) -> Any:
    """Validate a security option, track the mechanism it selects, return the value to
    store (CURVE keys as raw bytes)."""
    if option in _CURVE_OPTIONS and not curve_available():
        raise _curve_missing()
    if option in _CURVE_KEYS:
        value = _key_bytes(value)
        if option == O.CURVE_SERVERKEY:
            core.mechanism, core.as_server = CURVE, False
    elif option == O.CURVE_SERVER:
        core.mechanism, core.as_server = CURVE, bool(value)
    elif option == O.PLAIN_SERVER:
        core.mechanism, core.as_server = PLAIN, bool(value)
    elif option == O.PLAIN_USERNAME:
        if value:
            core.mechanism, core.as_server = PLAIN, False
        elif core.mechanism == PLAIN and not core.as_server:
            core.mechanism = NULL
    return value


def read_security_option(core: SocketCore, option: int) -> Any:
    """CURVE keys read back as 40-char Z85 bytes, like pyzmq."""
    value = core.opt(option)
    if option in _CURVE_KEYS and value:
        from purezmq.utils.z85 import encode

        return encode(value)
    return value


def zap_handler_bound(core: SocketCore) -> bool:
    """True if someone in this context is bound at ``inproc://zeromq.zap.01``."""
    return _ZAP_NAME in core.ctx.inproc_bound


def make_mechanism(core: SocketCore) -> Mechanism:
    """A fresh mechanism object for one connection of ``core``."""
    if core.mechanism == PLAIN:
        from purezmq.zmtp.mechanisms.plain import PlainClientMechanism, PlainServerMechanism

        if core.as_server:
            return PlainServerMechanism()
        return PlainClientMechanism(core.opt(O.PLAIN_USERNAME), core.opt(O.PLAIN_PASSWORD))
    if core.mechanism == CURVE:
        from purezmq.zmtp.mechanisms.curve import (
            CurveClientMechanism,
            CurveServerMechanism,
            curve_public,
        )

        secret = core.opt(O.CURVE_SECRETKEY)
        public = core.opt(O.CURVE_PUBLICKEY) or (curve_public(secret) if secret else b"")
        if core.as_server:
            return CurveServerMechanism(public, secret, zap=zap_handler_bound(core))
        return CurveClientMechanism(public, secret, core.opt(O.CURVE_SERVERKEY))
    return NullMechanism(zap=bool(core.opt(O.ZAP_DOMAIN)) and zap_handler_bound(core))


class ZapClient:
    """One socket's line to the ZAP handler: an internal DEALER, replies by request id."""

    def __init__(self, core: SocketCore) -> None:
        self.core = core
        self.dealer: SocketCore | None = None
        self.pending: dict[bytes, Callable[[ZapReply | ZapError], None]] = {}
        self._next_id = 1
        self._drain_scheduled = False

    def _ensure_dealer(self) -> SocketCore:
        if self.dealer is None:
            from purezmq.engine import endpoints
            from purezmq.engine.core import SocketCore

            dealer = SocketCore(self.core.ctx, SocketType.DEALER, self.core.io)
            dealer.options[O.LINGER] = 0
            self.core.ctx.add_socket(dealer)
            endpoints.connect(dealer, ZAP_ENDPOINT)
            dealer.add_waiter(self)
            self.dealer = dealer
        return self.dealer

    def wake(self) -> None:
        """Waiter protocol: a reply may have arrived (any thread)."""
        if not self._drain_scheduled and self.pending:
            self._drain_scheduled = True
            self.core.io.call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_scheduled = False
        dealer = self.dealer
        if dealer is None or dealer.closed:
            return
        while True:
            try:
                msg = dealer.try_recv()
            except ZMQError:
                return
            if msg is None:
                return
            rid = bytes(msg[2]) if len(msg) > 2 else b""
            callback = self.pending.pop(rid, None)
            if callback is None:
                continue  # a reply nobody waits for (its connection is gone)
            try:
                result: ZapReply | ZapError = parse_zap_reply(msg, rid)
            except ZapError as err:
                result = err
            callback(result)

    def request(
        self,
        mechanism: str,
        credentials: list[bytes],
        address: str,
        callback: Callable[[ZapReply | ZapError], None],
    ) -> Callable[[], None]:
        """Send a ZAP request; ``callback`` runs on the socket's loop with the reply.

        Returns:
            A function that forgets the request (its connection closed meanwhile).
        """
        dealer = self._ensure_dealer()
        rid = str(self._next_id).encode()
        self._next_id += 1
        frames = encode_zap_request(
            self.core.opt(O.ZAP_DOMAIN),
            address.encode(),
            self.core.routing_id,  # libzmq sends the server socket's own routing id
            mechanism.encode(),
            credentials,
            rid,
        )
        self.pending[rid] = callback
        if not dealer.try_send(frames):
            self.pending.pop(rid, None)
            raise ZMQError(Errno.EAGAIN, "the ZAP handler is not keeping up")

        def forget() -> None:
            self.pending.pop(rid, None)

        return forget

    def close(self) -> None:
        """Close the internal DEALER."""
        self.pending.clear()
        if self.dealer is not None:
            self.dealer.remove_waiter(self)
            self.dealer.close(0)
            self.dealer = None
