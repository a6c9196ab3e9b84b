"""purezmq clients against a libzmq server authenticated by pyzmq's own ThreadAuthenticator.

This is the other half of the interop: the server side (mechanism and ZAP) is libzmq's,
pyzmq decides, and only the clients are purezmq. The CURVE certificates were written by
purezmq.auth, so pyzmq also reads our certificate files here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import zmq.auth.thread

from ._scenarios import BAD_ID, assert_refused, bind, connect, monitor_of, router
from .conftest import Certs, Lab, curve_client, curve_server, needs_curve


@pytest.fixture
def pyzmq_auth(lab: Lab) -> Iterator[Any]:
    auth = lab.auth(zmq.auth.thread.ThreadAuthenticator(lab.zmq_ctx))
    auth.start()
    yield auth


def test_plain(lab: Lab, pyzmq_auth: Any) -> None:
    pyzmq_auth.configure_plain(domain="*", passwords={"admin": "secret"})
    server = router(lab, "libzmq", plain_server=True)
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = lab.socket("purezmq", "DEALER", routing_id=BAD_ID, plain_username=b"admin")
    bad.plain_password = b"wrong"
    connect(bad, ep)
    good = lab.socket("purezmq", "DEALER", plain_username=b"admin", plain_password=b"secret")
    connect(good, ep)
    assert_refused(server, mon, bad, good, "admin")


@needs_curve
def test_curve(lab: Lab, pyzmq_auth: Any, certs: Certs) -> None:
    pyzmq_auth.allow("127.0.0.1")
    pyzmq_auth.configure_curve(domain="*", location=str(certs.public_dir))
    server = curve_server(router(lab, "libzmq"), certs)
    mon = monitor_of(lab, server)
    ep = bind(server)
    bad = curve_client(lab.socket("purezmq", "DEALER", routing_id=BAD_ID), certs, intruder=True)
    connect(bad, ep)
    good = curve_client(lab.socket("purezmq", "DEALER"), certs)
    connect(good, ep)
    assert_refused(server, mon, bad, good, certs.client_public.decode())
