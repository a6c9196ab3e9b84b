from __future__ import annotations

import pytest

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing import (
    GENERIC_OPTIONS,
    PATTERN_OPTIONS,
    ROUTING_CLASSES,
    Routing,
    make_routing,
)
from purezmq.routing.base import as_bytes, as_flag

from .helpers import make_pipe


@pytest.mark.parametrize("socket_type", sorted(ROUTING_CLASSES))
def test_every_type_builds_and_has_the_interface(socket_type: int) -> None:
    r = make_routing(socket_type)
    assert isinstance(r, Routing)
    assert r.socket_type == socket_type
    assert r.last_recv_pipe is None
    p = make_pipe()
    assert r.pipes == []
    assert r.attach(p) is True
    assert r.pipes == [p]
    r.hiccup(p)
    assert isinstance(r.can_send(), bool)
    assert isinstance(r.can_recv(), bool)
    r.detach(p)
    r.detach(p)
    assert not p.active
    assert r.pipes == []
    assert r.setsockopt(SocketOption.LINGER, 0) is False  # not a pattern option
    with pytest.raises(KeyError):
        r.getsockopt(SocketOption.LINGER)


@pytest.mark.parametrize("socket_type", [SocketType.SERVER, SocketType.RADIO, 99, -1])
def test_unknown_types_einval(socket_type: int) -> None:
    with pytest.raises(ZMQError) as e:
        make_routing(socket_type)
    assert e.value.errno == Errno.EINVAL


def test_aliases_map_to_same_classes() -> None:
    assert type(make_routing(SocketType.XREQ)) is type(make_routing(SocketType.DEALER))
    assert type(make_routing(SocketType.XREP)) is type(make_routing(SocketType.ROUTER))


@pytest.mark.parametrize("socket_type", sorted(ROUTING_CLASSES))
@pytest.mark.parametrize("option", sorted(PATTERN_OPTIONS))
def test_option_ownership(socket_type: int, option: int) -> None:
    """Every pattern option is handled, ignored (generic) or EINVAL; never crashes."""
    r = make_routing(socket_type)
    value: object = b"t" if option in (6, 7, 72) else 0
    try:
        handled = r.setsockopt(option, value)
    except ZMQError as e:
        assert e.errno == Errno.EINVAL
        assert option not in GENERIC_OPTIONS
        return
    if not handled:
        assert option in GENERIC_OPTIONS


def test_make_routing_applies_options() -> None:
    r = make_routing(SocketType.ROUTER, {SocketOption.ROUTER_MANDATORY: 1})
    assert r.getsockopt(SocketOption.ROUTER_MANDATORY) == 1
    with pytest.raises(ZMQError):
        make_routing(SocketType.ROUTER, {SocketOption.ROUTER_MANDATORY: -3})


def test_validators() -> None:
    assert as_flag(0) is False and as_flag(5) is True and as_flag(True) is True
    for bad in (-1, "1", 1.0, None):
        with pytest.raises(ZMQError) as e:
            as_flag(bad)
        assert e.value.errno == Errno.EINVAL
    assert as_bytes(b"x") == b"x"
    assert as_bytes(memoryview(b"y")) == b"y"
    with pytest.raises(ZMQError):
        as_bytes("str")


def test_base_defaults() -> None:
    r = Routing()
    with pytest.raises(NotImplementedError):
        r.attach(make_pipe())
    with pytest.raises(NotImplementedError):
        r.detach(make_pipe())
    with pytest.raises(ZMQError):
        r.send([b"x"])
    with pytest.raises(ZMQError):
        r.recv()
    assert not r.can_send() and not r.can_recv()
    assert r.pipes == []
