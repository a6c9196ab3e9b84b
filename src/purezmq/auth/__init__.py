"""ZAP authentication (RFC 27) for purezmq sockets, as pyzmq's ``zmq.auth``.

An authenticator binds the context's ZAP handler at ``inproc://zeromq.zap.01`` and
answers the authentication requests of that context's sockets: an IP allow or deny
list, PLAIN passwords and CURVE client keys (a certificates directory, a callback, or
:data:`CURVE_ALLOW_ANY`).

- :class:`~purezmq.auth.thread.ThreadAuthenticator` serves requests in a thread
  (blocking code);
- :class:`~purezmq.auth.asyncio.AsyncioAuthenticator` serves them as a task on the
  running event loop;
- :class:`Authenticator` only answers: read :attr:`Authenticator.zap_socket` yourself.

All three are importable from here as well as from their modules (pyzmq has them only
in ``zmq.auth.thread`` and ``zmq.auth.asyncio``).

Certificates (:func:`create_certificates`, :func:`load_certificate`,
:func:`load_certificates`) use the file format of czmq and pyzmq. CURVE needs PyNaCl
(the ``curve`` extra).

Example::

    import purezmq as zmq
    from purezmq.auth.thread import ThreadAuthenticator

    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.allow("127.0.0.1")
    auth.configure_curve(domain="*", location="public_keys")
    ...
    auth.stop()
"""

from __future__ import annotations

from purezmq.auth.asyncio import AsyncioAuthenticator
from purezmq.auth.base import CURVE_ALLOW_ANY, Authenticator
from purezmq.auth.certs import create_certificates, load_certificate, load_certificates
from purezmq.auth.thread import ThreadAuthenticator

__all__ = [
    "CURVE_ALLOW_ANY",
    "AsyncioAuthenticator",
    "Authenticator",
    "ThreadAuthenticator",
    "create_certificates",
    "load_certificate",
    "load_certificates",
]
