"""The ZAP handler's policy: who may connect, checked per request (RFC 27).

A purezmq socket that needs an authentication decision (NULL with a ZAP_DOMAIN, PLAIN
and CURVE servers) sends a ZAP request to ``inproc://zeromq.zap.01`` in its own context
and waits for the reply before it finishes the handshake
(:mod:`purezmq.engine.security`). :class:`Authenticator` binds a REP socket there and
answers those requests the way pyzmq's ``zmq.auth.Authenticator`` does:

- an address allow list or deny list (mutually exclusive) is checked first; a denied
  address is refused whatever the mechanism;
- NULL: accepted unless the address is denied or missing from the allow list;
- PLAIN: username and password checked against the domain's password table (domain
  ``"*"`` when the socket set none); an allowed address must still authenticate;
- CURVE: the client's public key must be in the domain's certificates, or accepted by
  the domain's credentials provider, or everything goes with :data:`CURVE_ALLOW_ANY`.

Replies are ``200 OK`` with a user id (``"anonymous"``, the PLAIN username or, for
CURVE, :meth:`Authenticator.curve_user_id`; it becomes the ``User-Id`` property of every
message from that peer) or ``400`` with a reason, and empty metadata.

This base class only answers; something has to read the requests. Use
:class:`~purezmq.auth.thread.ThreadAuthenticator` (a background thread) or
:class:`~purezmq.auth.asyncio.AsyncioAuthenticator` (a task on the running loop), or
poll :attr:`Authenticator.zap_socket` yourself and ``await handle_zap_message(msg)``.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Sequence
from typing import Any, Protocol

from purezmq.auth.certs import load_certificates
from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.sync.context import Context
from purezmq.sync.socket import Socket
from purezmq.utils import z85
from purezmq.zmtp.zap import ZAP_ENDPOINT, ZAP_VERSION

__all__ = ["CURVE_ALLOW_ANY", "VERSION", "Authenticator", "CredentialsProvider"]

#: ``configure_curve(location=CURVE_ALLOW_ANY)`` accepts every CURVE client key.
CURVE_ALLOW_ANY = "*"
#: The ZAP protocol version (RFC 27).
VERSION = ZAP_VERSION

#: The domain used when a request's domain is empty (the socket set no ZAP_DOMAIN).
_DEFAULT_DOMAIN = "*"
#: RFC 27: version, request id, domain, address, identity and mechanism.
_FIXED_FRAMES = 6
#: pyzmq lingers the ZAP socket 1 ms: a reply still queued at stop() is not worth waiting
#: for (the requesting connection fails its handshake either way).
_ZAP_LINGER = 1


class CredentialsProvider(Protocol):
    """What :meth:`Authenticator.configure_curve_callback` expects.

    ``callback(domain, key)`` gets the ZAP domain (``"*"`` when the socket set none) and
    the client's public key as Z85 bytes, and returns (or, if it is a coroutine
    function, resolves to) a truthy value to accept the client.
    """

    def callback(self, domain: str, key: bytes) -> Any:
        """Decide whether the client with public ``key`` may connect."""


class Authenticator:
    """ZAP authentication policy for the sockets of one context.

    Until a policy is configured every NULL client is allowed (classic ZeroMQ) and every
    PLAIN or CURVE client is refused. Sockets only consult the handler when they need to:
    NULL sockets only with a ZAP_DOMAIN set.

    This class does not read requests by itself; see the module docstring. Example::

        auth = Authenticator(ctx)
        auth.configure_plain(passwords={"admin": "secret"})
        auth.start()
        while True:
            await auth.handle_zap_message(auth.zap_socket.recv_multipart())

    Args:
        context: the context whose sockets are authenticated (ZAP is per context);
            default ``Context.instance()``.
        encoding: how domain, address and PLAIN credentials are decoded and user ids
            encoded.
        log: a logger; default ``logging.getLogger("zmq.auth")``, the name pyzmq uses,
            so existing logging configuration keeps working.

    Attributes:
        context: the context.
        encoding: the text encoding.
        allow_any: True after ``configure_curve(location=CURVE_ALLOW_ANY)``.
        passwords: domain -> {username: password} for PLAIN.
        certs: domain -> {Z85 public key: True} for CURVE.
        credentials_providers: domain -> provider for CURVE callbacks.
        zap_socket: the REP socket bound at ``inproc://zeromq.zap.01`` (None when
            stopped).
        log: the logger.
    """

    context: Any
    encoding: str
    allow_any: bool
    credentials_providers: dict[str, CredentialsProvider]
    zap_socket: Socket | None
    passwords: dict[str, dict[str, str]]
    certs: dict[str, dict[bytes, bool]]
    log: logging.Logger | logging.LoggerAdapter[Any]

    def __init__(
        self,
        context: Any = None,
        encoding: str = "utf-8",
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        self.context = context if context is not None else Context.instance()
        self.encoding = encoding
        self.allow_any = False
        self.credentials_providers = {}
        self.zap_socket = None
        self._allowed: set[str] = set()
        self._denied: set[str] = set()
        self.passwords = {}
        self.certs = {}
        self.log = log or logging.getLogger("zmq.auth")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Create the ZAP socket and bind it at ``inproc://zeromq.zap.01``.

        Raises:
            ZMQError: EADDRINUSE if another handler is bound in this context.
        """
        # A blocking socket whatever the context's flavour: requests are read by a
        # poller (thread or asyncio task) and replies never block on a REP.
        sock: Socket = self.context.socket(SocketType.REP, socket_class=Socket)
        try:
            sock.setsockopt(SocketOption.LINGER, _ZAP_LINGER)
            sock.bind(ZAP_ENDPOINT)
        except BaseException:
            sock.close(0)
            raise
        self.zap_socket = sock
        self.log.debug("Starting")

    def stop(self) -> None:
        """Close the ZAP socket. Idempotent.

        Afterwards no handler is bound: NULL and CURVE servers of the context stop asking
        (and accept as without ZAP); PLAIN servers refuse every client.
        """
        if self.zap_socket is not None:
            self.zap_socket.close()
        self.zap_socket = None

    # ------------------------------------------------------------------ policy
    def allow(self, *addresses: str) -> None:
        """Allow these IP addresses; connections from any other address are refused.

        NULL clients from an allowed address are accepted; PLAIN and CURVE clients must
        still authenticate. Mutually exclusive with :meth:`deny`.

        Raises:
            ValueError: :meth:`deny` was used before.
        """
        if self._denied:
            raise ValueError("Only use allow or deny, not both")
        self.log.debug("Allowing %s", ",".join(addresses))
        self._allowed.update(addresses)

    def deny(self, *addresses: str) -> None:
        """Refuse these IP addresses; others continue with authentication.

        Mutually exclusive with :meth:`allow`.

        Raises:
            ValueError: :meth:`allow` was used before.
        """
        if self._allowed:
            raise ValueError("Only use a allow or deny, not both")
        self.log.debug("Denying %s", ",".join(addresses))
        self._denied.update(addresses)

    def configure_plain(self, domain: str = "*", passwords: dict[str, str] | None = None) -> None:
        """Configure PLAIN authentication for a domain.

        Args:
            domain: the ZAP domain; ``"*"`` also covers sockets that set none.
            passwords: username -> password. The dict is kept, not copied, so changes
                to it apply to later handshakes. An empty or missing dict changes
                nothing.
        """
        if passwords:
            self.passwords[domain] = passwords
        self.log.debug("Configure plain: %s", domain)

    def configure_curve(self, domain: str = "*", location: str | os.PathLike[str] = ".") -> None:
        """Configure CURVE authentication for a domain.

        Call again after adding or removing certificates: the directory is read now.

        Args:
            domain: the ZAP domain; ``"*"`` also covers sockets that set none.
            location: a directory of public certificates (``*.key``, see
                :func:`~purezmq.auth.certs.create_certificates`), or
                :data:`CURVE_ALLOW_ANY` to accept every client key. A directory that
                cannot be read is logged and leaves the domain unconfigured.
        """
        self.log.debug("Configure curve: %s[%s]", domain, location)
        if location == CURVE_ALLOW_ANY:
            self.allow_any = True
            return
        self.allow_any = False
        try:
            self.certs[domain] = load_certificates(location)
        except Exception as exc:
            self.log.error("Failed to load CURVE certs from %s: %s", location, exc)

    def configure_curve_callback(
        self, domain: str = "*", credentials_provider: CredentialsProvider | None = None
    ) -> None:
        """Configure CURVE authentication by a callback, e.g. a database lookup.

        Args:
            domain: the ZAP domain; ``"*"`` also covers sockets that set none.
            credentials_provider: an object whose ``callback(domain, key)`` decides
                (see :class:`CredentialsProvider`); the key is Z85 bytes. The callback
                may be a coroutine function.
        """
        self.allow_any = False
        if credentials_provider is not None:
            self.credentials_providers[domain] = credentials_provider
        else:
            self.log.error("None credentials_provider provided for domain:%s", domain)

    def configure_gssapi(self, domain: str = "*", location: str | None = None) -> None:
        """GSSAPI is not available in purezmq.

        Raises:
            ZMQError: ENOTSUP always (pyzmq accepts this call only because libzmq may
                have been built with GSSAPI; purezmq never offers the mechanism).
        """
        raise ZMQError(Errno.ENOTSUP, "purezmq does not support the GSSAPI mechanism")

    def curve_user_id(self, client_public_key: bytes) -> str:
        """The User-Id of an accepted CURVE client (override to map keys to names).

        Args:
            client_public_key: the client's raw 32-byte public key.

        Returns:
            Its Z85 text by default.
        """
        return z85.encode(client_public_key).decode("ascii")

    # ------------------------------------------------------------------ requests
    async def handle_zap_message(self, msg: Sequence[bytes]) -> None:
        """Answer one ZAP request on :attr:`zap_socket`.

        Args:
            msg: the request frames as a REP socket receives them: version, request
                id, domain, address, identity, mechanism, credentials...

        Every request gets exactly one reply (a REP socket must answer before it can
        read the next request): malformed requests and errors raised by a credentials
        callback are answered 400 or 500 and logged.
        """
        msg = [bytes(f) for f in msg]
        if len(msg) < _FIXED_FRAMES:
            self.log.error("Invalid ZAP message, not enough frames: %r", msg)
            request_id = msg[1] if len(msg) > 1 else b""
            self._send_zap_reply(request_id, b"400", b"Not enough frames")
            return
        version, request_id, raw_domain, raw_address, identity, mechanism = msg[:_FIXED_FRAMES]
        credentials = msg[_FIXED_FRAMES:]
        if version != VERSION:
            self.log.error("Invalid ZAP version: %r", msg)
            self._send_zap_reply(request_id, b"400", b"Invalid version")
            return
        domain = raw_domain.decode(self.encoding, "replace")
        address = raw_address.decode(self.encoding, "replace")
        self.log.debug(
            "version: %r, request_id: %r, domain: %r, address: %r, identity: %r, mechanism: %r",
            version,
            request_id,
            domain,
            address,
            identity,
            mechanism,
        )
        try:
            decision = await self._decide(domain, address, mechanism, credentials)
        except Exception:
            # RFC 27: 500 is "internal error"; the client sees its handshake fail.
            self.log.exception("ZAP handler failed on %s request", mechanism.decode("latin-1"))
            self._send_zap_reply(request_id, b"500", b"Internal error")
            return
        status_code, status_text, user_id = decision
        self._send_zap_reply(request_id, status_code, status_text, user_id)

    async def _decide(
        self, domain: str, address: str, mechanism: bytes, credentials: list[bytes]
    ) -> tuple[bytes, bytes, str]:
        """Apply the policy: ``(status code, status text, user id)``."""
        denied, reason = self._check_address(address)
        if denied:
            return b"400", reason, ""
        if mechanism == b"NULL":
            # an allow-listed address, or no address policy that refuses it
            self.log.debug("ALLOWED (NULL)")
            return b"200", b"OK", "anonymous"
        if mechanism == b"PLAIN":
            if len(credentials) != 2:
                self.log.error("Invalid PLAIN credentials: %r", credentials)
                return b"400", b"Invalid credentials", ""
            username, password = (c.decode(self.encoding, "replace") for c in credentials)
            ok, reason = self._authenticate_plain(domain, username, password)
            return (b"200", b"OK", username) if ok else (b"400", reason, "")
        if mechanism == b"CURVE":
            if len(credentials) != 1:
                self.log.error("Invalid CURVE credentials: %r", credentials)
                return b"400", b"Invalid credentials", ""
            key = credentials[0]
            ok, reason = await self._authenticate_curve(domain, key)
            return (b"200", b"OK", self.curve_user_id(key)) if ok else (b"400", reason, "")
        self.log.error("Unsupported ZAP mechanism: %r", mechanism)
        return b"400", b"Unsupported mechanism", ""

    def _check_address(self, address: str) -> tuple[bool, bytes]:
        """The address policy: ``(denied, reason)``."""
        if self._allowed:
            if address in self._allowed:
                self.log.debug("PASSED (allowed) address=%s", address)
                return False, b""
            self.log.debug("DENIED (not allowed) address=%s", address)
            return True, b"Address not allowed"
        if self._denied:
            if address in self._denied:
                self.log.debug("DENIED (denied) address=%s", address)
                return True, b"Address denied"
            self.log.debug("PASSED (not denied) address=%s", address)
        return False, b""

    def _authenticate_plain(self, domain: str, username: str, password: str) -> tuple[bool, bytes]:
        """PLAIN: ``(allowed, reason)``. The password is never logged."""
        if not self.passwords:
            self.log.debug("DENIED (PLAIN) No passwords defined")
            return False, b"No passwords defined"
        domain = domain or _DEFAULT_DOMAIN
        table = self.passwords.get(domain)
        if table is None:
            reason = b"Invalid domain"
        elif username not in table:
            reason = b"Invalid username"
        elif password != table[username]:
            reason = b"Invalid password"
        else:
            self.log.debug("ALLOWED (PLAIN) domain=%s username=%s", domain, username)
            return True, b"OK"
        self.log.debug("DENIED (PLAIN) domain=%s username=%s: %s", domain, username, reason)
        return False, reason

    async def _authenticate_curve(self, domain: str, client_key: bytes) -> tuple[bool, bytes]:
        """CURVE: ``(allowed, reason)`` for the client's raw 32-byte public key."""
        if self.allow_any:
            self.log.debug("ALLOWED (CURVE allow any client)")
            return True, b"OK"
        domain = domain or _DEFAULT_DOMAIN
        z85_key = z85.encode(client_key)
        if self.credentials_providers:
            provider = self.credentials_providers.get(domain)
            if provider is None:
                return False, b"Unknown domain"
            result = provider.callback(domain, z85_key)
            if inspect.isawaitable(result):
                result = await result
            allowed = bool(result)
            how = "CURVE auth_callback"
        else:
            keys = self.certs.get(domain)
            if keys is None:
                return False, b"Unknown domain"
            allowed = bool(keys.get(z85_key))
            how = "CURVE"
        self.log.debug(
            "%s (%s) domain=%s client_key=%s",
            "ALLOWED" if allowed else "DENIED",
            how,
            domain,
            z85_key,
        )
        return (True, b"OK") if allowed else (False, b"Unknown key")

    def _send_zap_reply(
        self,
        request_id: bytes,
        status_code: bytes,
        status_text: bytes,
        user_id: str | bytes = "anonymous",
        metadata: bytes = b"",
    ) -> None:
        """Send the ZAP reply that finishes one authentication.

        Args:
            request_id: the request's id, echoed.
            status_code: ``b"200"``, ``b"300"``, ``b"400"`` or ``b"500"``.
            status_text: the reason (not shown to the peer by libzmq).
            user_id: the authenticated user; only sent with 200.
            metadata: extra properties in the ZMTP property format (pyzmq sends none).
        """
        if status_code != b"200":
            user_id = b""
        if isinstance(user_id, str):
            user_id = user_id.encode(self.encoding, "replace")
        self.log.debug("ZAP reply code=%s text=%s", status_code, status_text)
        if self.zap_socket is None:
            self.log.error("ZAP reply %s dropped: the authenticator is stopped", status_code)
            return
        reply = [VERSION, request_id, status_code, status_text, user_id, metadata]
        self.zap_socket.send_multipart(reply)
