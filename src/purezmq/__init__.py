"""purezmq: ZeroMQ in pure Python, wire-compatible with libzmq, a drop-in for pyzmq."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
