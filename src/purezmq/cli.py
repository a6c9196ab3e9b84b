"""The ``purezmq`` command."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``purezmq`` console script."""
    parser = argparse.ArgumentParser(prog="purezmq", description="ZeroMQ in pure Python.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version", help="print purezmq's version and the libzmq version it matches")
    args = parser.parse_args(argv)
    if args.command == "version":
        import purezmq

        print(f"purezmq {purezmq.__version__} (libzmq {purezmq.zmq_version()} compatible)")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
