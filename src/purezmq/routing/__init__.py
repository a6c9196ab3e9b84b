"""Socket patterns, sans I/O (RFC 28-31 as libzmq 4.3 implements them).

One :class:`Routing` subclass per socket type, all built from the shared pieces
:mod:`~purezmq.routing.fq` (fair queue), :mod:`~purezmq.routing.lb` (load balance),
:mod:`~purezmq.routing.dist` (fan-out) and :mod:`~purezmq.routing.trie` (subscriptions).
Peers are :class:`~purezmq.routing.pipe.Pipe` objects. See ``docs/internals.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from purezmq.constants import Errno, SocketType
from purezmq.error import ZMQError
from purezmq.routing.base import GENERIC_OPTIONS, PATTERN_OPTIONS, Routing
from purezmq.routing.pair import Pair
from purezmq.routing.pipe import Message, PeerInfo, Pipe, QueueItem, Subscription
from purezmq.routing.pipeline import Pull, Push
from purezmq.routing.pubsub import Pub, Sub, XPub, XSub
from purezmq.routing.reqrep import Rep, Req
from purezmq.routing.router import Dealer, Router
from purezmq.routing.stream import Stream

__all__ = [
    "GENERIC_OPTIONS",
    "PATTERN_OPTIONS",
    "ROUTING_CLASSES",
    "Dealer",
    "Message",
    "Pair",
    "PeerInfo",
    "Pipe",
    "Pub",
    "Pull",
    "Push",
    "QueueItem",
    "Rep",
    "Req",
    "Router",
    "Routing",
    "RoutingOptions",
    "Stream",
    "Sub",
    "Subscription",
    "XPub",
    "XSub",
    "make_routing",
]

#: Pattern options to apply at creation: option number -> value (as for setsockopt).
RoutingOptions = Mapping[int, object]

#: The routing class of every implemented socket type.
ROUTING_CLASSES: dict[int, type[Routing]] = {
    SocketType.PAIR: Pair,
    SocketType.PUB: Pub,
    SocketType.SUB: Sub,
    SocketType.REQ: Req,
    SocketType.REP: Rep,
    SocketType.DEALER: Dealer,
    SocketType.ROUTER: Router,
    SocketType.PULL: Pull,
    SocketType.PUSH: Push,
    SocketType.XPUB: XPub,
    SocketType.XSUB: XSub,
    SocketType.STREAM: Stream,
}


def make_routing(socket_type: int, options: RoutingOptions | None = None) -> Routing:
    """Create the routing object of ``socket_type``.

    Args:
        socket_type: a :class:`~purezmq.constants.SocketType` value.
        options: pattern options to apply first (each through ``setsockopt``; options
            the routing object does not handle are ignored).

    Raises:
        ZMQError: EINVAL for an unknown or unimplemented (draft) socket type, or a bad
            option value.
    """
    cls = ROUTING_CLASSES.get(socket_type)
    if cls is None:
        raise ZMQError(Errno.EINVAL)
    routing = cls()
    if options:
        for option, value in options.items():
            routing.setsockopt(option, value)
    return routing
