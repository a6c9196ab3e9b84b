"""purezmq.eventloop.ioloop: pyzmq's deprecated alias of tornado's IOLoop."""

from __future__ import annotations

import importlib
import sys

import pytest

tornado = pytest.importorskip("tornado", reason="purezmq.eventloop needs the tornado extra")


def test_import_warns_and_aliases_tornado() -> None:
    sys.modules.pop("purezmq.eventloop.ioloop", None)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        ioloop = importlib.import_module("purezmq.eventloop.ioloop")
    import tornado.ioloop

    assert ioloop.IOLoop is tornado.ioloop.IOLoop
    assert ioloop.ZMQIOLoop is ioloop.IOLoop
    assert ioloop.PeriodicCallback is tornado.ioloop.PeriodicCallback
    with pytest.warns(DeprecationWarning):
        ioloop.install()


def test_package_exports_ioloop() -> None:
    import tornado.ioloop

    import purezmq.eventloop

    assert purezmq.eventloop.IOLoop is tornado.ioloop.IOLoop
