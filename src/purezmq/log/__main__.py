"""Log watcher: print what a :class:`~purezmq.log.handlers.PUBHandler` publishes.

Usage::

    python -m purezmq.log tcp://127.0.0.1:12345 [--topic app] [--timestamp] [--align]

It subscribes to ``--topic`` (default: everything) and prints one line per record:
``<topic><separator><message>``. Stop it with CTRL-C.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

__all__ = ["main"]

_COLORS = {
    "DEBUG": "LIGHTCYAN_EX",
    "INFO": "LIGHTWHITE_EX",
    "WARNING": "YELLOW",
    "ERROR": "LIGHTRED_EX",
    "CRITICAL": "LIGHTRED_EX",
}
#: how long one poll waits (ms), so CTRL-C is seen promptly on every platform
_POLL_MS = 100


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m purezmq.log",
        description="Print log records published by purezmq.log.handlers.PUBHandler.",
    )
    p.add_argument("zmq_pub_url", help="endpoint of the PUB socket to subscribe to")
    p.add_argument(
        "-t", "--topic", default="", help="only show topics starting with this (default: all)"
    )
    p.add_argument("--timestamp", action="store_true", help="prefix lines with the local time")
    p.add_argument("--separator", default=" | ", help="printed between topic and message")
    p.add_argument("--dateformat", default="%Y-%d-%m %H:%M", help="strftime format for --timestamp")
    p.add_argument("--align", action="store_true", help="align topic parts in columns")
    p.add_argument(
        "--color", action="store_true", help="color lines by level (needs the colorama package)"
    )
    return p


class _Printer:
    """Formats one ``[topic, message]`` pair per line."""

    def __init__(self, args: argparse.Namespace, out: TextIO) -> None:
        self.args = args
        self.out = out
        self.widths: list[int] = []
        self.colors: dict[str, str] = {}
        self.reset = ""
        if args.color:
            # optional, untyped: imported by name
            colorama: Any = importlib.import_module("colorama")
            colorama.init()
            fore: Any = colorama.Fore
            self.colors = {level: getattr(fore, name) for level, name in _COLORS.items()}
            self.reset = fore.RESET

    def line(self, topic: bytes, msg: bytes) -> str:
        text = topic.decode("utf-8", "replace").strip()
        parts = text.split(".")
        if self.args.align:
            padded = parts + [""] * (len(self.widths) - len(parts))
            for i, part in enumerate(padded):
                if i == len(self.widths):
                    self.widths.append(0)
                self.widths[i] = max(self.widths[i], len(part))
            text = ".".join(part.ljust(self.widths[i]) for i, part in enumerate(padded))
        # the level is the first part without a root topic, the second with one
        level = parts[0] if len(parts) == 1 or parts[0] in _COLORS else parts[1]
        stamp = datetime.now().strftime(self.args.dateformat) + " " if self.args.timestamp else ""
        color = self.colors.get(level, "")
        body = msg.decode("utf-8", "replace").strip()
        return f"{stamp}{color}{text}{self.args.separator}{body}{self.reset if color else ''}"


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    *,
    max_messages: int | None = None,
) -> None:
    """Run the watcher until interrupted.

    Args:
        argv: command-line arguments (default: ``sys.argv[1:]``).
        out: where to print (default: standard output).
        max_messages: return after printing this many records (default: run until
            CTRL-C).
    """
    from purezmq.constants import PollEvent, SocketType
    from purezmq.sync.context import Context

    args = _parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    printer = _Printer(args, stream)
    ctx = Context()
    sub = ctx.socket(SocketType.SUB)
    sub.linger = 0
    try:
        sub.subscribe(args.topic.encode("utf-8"))
        sub.connect(args.zmq_pub_url)
        printed = 0
        while max_messages is None or printed < max_messages:
            if sub.poll(_POLL_MS, PollEvent.POLLIN):
                frames = sub.recv_multipart()
                topic, msg = frames[0], b"".join(frames[1:])
                print(printer.line(topic, msg), file=stream, flush=True)
                printed += 1
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()
        ctx.term()
        if printer.reset:
            print(printer.reset, file=stream)


if __name__ == "__main__":
    main()
