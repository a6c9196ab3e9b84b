"""Logging over ZeroMQ: a :mod:`logging` handler that publishes records on a PUB socket.

Each record becomes a two-frame message ``[topic, text]``. The topic is built from
dot-separated parts: the handler's :attr:`PUBHandler.root_topic` (if set), the level
name, and an optional subtopic taken from the message itself: everything before the
first ``"::"``. So with ``root_topic = "app"``::

    log.info("hello")               -> [b"app.INFO", b"hello\\n"]
    log.warning("db.pool::is full") -> [b"app.WARNING.db.pool", b"WARNING x.py:12 - is full\\n"]

Subscribers pick what they want by topic prefix (``b"app.WARNING"``, or ``b""`` for
everything). Usage::

    handler = PUBHandler("tcp://127.0.0.1:12345")   # or an existing PUB socket
    handler.root_topic = "app"
    logging.getLogger().addHandler(handler)

``python -m purezmq.log URL`` prints what such a handler publishes.
"""

from __future__ import annotations

import logging
from copy import copy
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from purezmq.context_base import ContextBase
    from purezmq.socket_base import SocketBase

__all__ = ["TOPIC_DELIM", "PUBHandler", "TopicLogger"]

#: Separates a subtopic from the message text: ``log.info("sub.topic::text")``.
TOPIC_DELIM: Final = "::"

_DETAILED = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"


def _default_formatters() -> dict[int, logging.Formatter | None]:
    return {
        logging.DEBUG: logging.Formatter(_DETAILED),
        logging.INFO: logging.Formatter("%(message)s\n"),
        logging.WARNING: logging.Formatter(_DETAILED),
        logging.ERROR: logging.Formatter(
            "%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n"
        ),
        logging.CRITICAL: logging.Formatter(_DETAILED),
    }


class PUBHandler(logging.Handler):
    """A logging handler that publishes records on a PUB socket.

    Args:
        interface_or_socket: a PUB socket (already bound or connected), or an endpoint
            to bind a new PUB socket to.
        context: the context for the new socket when an endpoint is given (default: a
            new :class:`~purezmq.Context`).
        root_topic: the first part of every topic (default: none).

    Attributes:
        socket: the PUB socket records are sent on.
        ctx: its context.
        formatters: one formatter per level (DEBUG, INFO, WARNING, ERROR, CRITICAL);
            replace entries to change how a level is formatted. Records at other
            levels use the formatter of the nearest standard level below them.
    """

    socket: Any
    ctx: Any
    formatters: dict[int, logging.Formatter | None]

    def __init__(
        self,
        interface_or_socket: str | SocketBase,
        context: ContextBase | None = None,
        root_topic: str = "",
    ) -> None:
        super().__init__()
        from purezmq.constants import SocketType
        from purezmq.socket_base import SocketBase

        self.root_topic = root_topic
        self.formatters = _default_formatters()
        if isinstance(interface_or_socket, SocketBase):
            self.socket = interface_or_socket
            self.ctx = interface_or_socket.context
        else:
            if context is None:
                from purezmq.sync.context import Context

                context = Context()
            self.ctx = context
            self.socket = context.socket(SocketType.PUB)
            self.socket.bind(interface_or_socket)

    @property
    def root_topic(self) -> str:
        """The first part of every topic ("" for none); bytes are decoded as UTF-8."""
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: str | bytes) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: str | bytes) -> None:
        """Set the first part of every topic.

        Subscribers must subscribe to a prefix of it (or ``b""``) to get anything. With
        the empty root topic, topics start with the level name.

        Args:
            root_topic: the new root topic (bytes are decoded as UTF-8).
        """
        if isinstance(root_topic, bytes):
            root_topic = root_topic.decode("utf-8")
        self._root_topic = root_topic

    def setFormatter(self, fmt: logging.Formatter | None, level: int = logging.NOTSET) -> None:
        """Set the formatter of one level, or of every level.

        Args:
            fmt: the formatter (None: logging's default format).
            level: the level it is for; NOTSET (the default) replaces the formatter of
                every level, including the per-level defaults.
        """
        if level == logging.NOTSET:
            for known in list(self.formatters):
                self.formatters[known] = fmt
        else:
            self.formatters[level] = fmt

    def _formatter_for(self, levelno: int) -> logging.Formatter | None:
        fmt = self.formatters.get(levelno)
        if fmt is not None or levelno in self.formatters:
            return fmt
        lower = [lvl for lvl in self.formatters if lvl <= levelno]
        return self.formatters[max(lower)] if lower else None

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` with the formatter of its level."""
        fmt = self._formatter_for(record.levelno)
        if fmt is None:
            return super().format(record)
        return fmt.format(record)

    def emit(self, record: logging.LogRecord) -> None:
        """Publish ``record`` as ``[topic, text]``."""
        # logging allows any object as msg (getMessage calls str() on it)
        topic, sep, text = str(record.msg).partition(TOPIC_DELIM)
        if sep:
            # leave the caller's record alone: other handlers see the whole message
            record = copy(record)
            record.msg = text
        else:
            topic = ""
        try:
            body = self.format(record).encode("utf-8")
        except Exception:
            self.handleError(record)
            return
        parts = [self.root_topic] if self.root_topic else []
        parts.append(record.levelname)
        if topic:
            parts.append(topic)
        try:
            self.socket.send_multipart([".".join(parts).encode("utf-8", "replace"), body])
        except Exception:
            # logging's contract: a failing handler reports through handleError and
            # never breaks the code that logged (e.g. its socket was closed)
            self.handleError(record)


class TopicLogger(logging.Logger):
    """A :class:`logging.Logger` whose methods take a topic before the message.

    ``logger.debug("db.pool", "is %s", "full")`` logs ``"db.pool::is full"``, which
    :class:`PUBHandler` publishes under the subtopic ``db.pool``.
    """

    def log(  # type: ignore[override]
        self, level: int, topic: str, msg: str, *args: Any, **kwargs: Any
    ) -> None:
        """Log ``msg % args`` at ``level`` under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().log(level, f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    def debug(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at DEBUG under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().debug(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    def info(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at INFO under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().info(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    def warning(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at WARNING under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().warning(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    warn = warning  # type: ignore[assignment]

    def error(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at ERROR under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().error(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    def exception(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at ERROR under ``topic``, with the current exception."""
        kwargs.setdefault("exc_info", True)
        kwargs.setdefault("stacklevel", 2)
        super().error(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    def critical(self, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Log at CRITICAL under ``topic``."""
        kwargs.setdefault("stacklevel", 2)
        super().critical(f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    fatal = critical  # type: ignore[assignment]
