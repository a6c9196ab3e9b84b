"""purezmq.eventloop: tornado integration (needs the optional ``tornado`` extra).

- :class:`~purezmq.eventloop.zmqstream.ZMQStream`: callbacks on a socket's messages,
  run on tornado's IOLoop (tornado >= 6, which runs on asyncio).
- :mod:`~purezmq.eventloop.ioloop`: a deprecated alias of :mod:`tornado.ioloop`,
  kept because pyzmq has it.

New code on asyncio should prefer :mod:`purezmq.asyncio`.
"""

from __future__ import annotations

try:
    from tornado.ioloop import IOLoop
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "purezmq.eventloop needs tornado >= 6: pip install 'purezmq[tornado]'"
    ) from exc

__all__ = ["IOLoop"]
