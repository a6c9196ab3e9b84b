"""The ``purezmq`` command: demos, shell-pipeline sockets, a proxy, a monitor.

Subcommands (``purezmq SUBCOMMAND --help`` for each)::

    purezmq version                 purezmq's version and the libzmq version it matches
    purezmq demo NAME [--asyncio]   run a seed application (``demo --list``)
    purezmq send ...                stdin lines -> messages (like zmqc for pipelines)
    purezmq recv ...                messages -> stdout lines
    purezmq proxy FRONT BACK        a ROUTER/DEALER (or any) proxy between two endpoints
    purezmq monitor ENDPOINT        a socket's monitor events as they happen
    purezmq keygen                  a CURVE key pair, Z85 (needs the curve extra)
    purezmq bench                   benchmark purezmq against pyzmq (docs/performance.md)

Endpoints: ``--bind`` and ``--connect`` take an endpoint each and may be repeated.
``proxy`` and ``monitor`` take endpoints as arguments with CZMQ's prefixes: ``@``
binds, ``>`` connects (``proxy`` binds by default, ``monitor`` connects), and several
endpoints may be joined with commas.

Message lines (``send`` reads them, ``recv`` writes them): one message per line, its
frames separated by a TAB (``--delimiter`` changes it). A frame is written as text when
it is printable UTF-8, else as ``0x`` followed by its bytes in hex; ``send`` decodes
``0x...`` frames back (``--literal`` turns that off), so ``recv | send`` passes any
message on unchanged. An empty line is a message of one empty frame.

Errors (a bad endpoint, an unknown socket type, an address in use...) are reported as
one line on stderr with a non-zero exit status: 2 for a usage error, 1 otherwise.
SIGINT and SIGTERM stop any command cleanly (sockets closed, context terminated); the
exit status is then 130 after SIGINT and 0 after SIGTERM.
"""

from __future__ import annotations

import argparse
import binascii
import itertools
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, NoReturn

import purezmq as zmq
from purezmq import benchmark
from purezmq.constants import CLASSIC_SOCKET_TYPES

__all__ = ["CliError", "format_message", "main", "parse_line"]

#: The socket types the command accepts (libzmq 4.3's non-draft types).
SOCKET_TYPES = CLASSIC_SOCKET_TYPES
_CANNOT_SEND = {"SUB", "PULL"}
_CANNOT_RECV = {"PUB", "PUSH"}

#: Monitor event values that are file descriptors, errnos or milliseconds.
_FD_EVENTS = {"CONNECTED", "ACCEPTED", "LISTENING", "CLOSED", "DISCONNECTED"}
_ERRNO_EVENTS = {"BIND_FAILED", "ACCEPT_FAILED", "CLOSE_FAILED", "HANDSHAKE_FAILED_NO_DETAIL"}


class CliError(Exception):
    """A failure to report as one line on stderr (exit status 1)."""


class _Stopped(Exception):
    """SIGTERM arrived (SIGINT arrives as KeyboardInterrupt)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (usage stays in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# ------------------------------------------------------------------- message lines
def format_frame(frame: bytes, delimiter: bytes = b"\t") -> str:
    """One frame as ``recv`` prints it: text if printable, else ``0x`` + hex.

    A frame that is text but starts with ``0x`` or contains the delimiter is written in
    hex too, so that ``send`` reads every line back into the same frames.
    """
    try:
        text = frame.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + frame.hex()
    if text.isprintable() and not text.startswith("0x") and (delimiter not in frame):
        return text
    return "0x" + frame.hex()


def format_message(frames: Sequence[bytes], delimiter: str = "\t", fmt: str = "text") -> str:
    """A message as one line of text (without the newline).

    Args:
        frames: the message.
        delimiter: what separates frames.
        fmt: ``text`` (printable text as is, anything else as ``0x`` + hex) or ``hex``
            (every frame as hex, no ``0x``).
    """
    if fmt == "hex":
        return delimiter.join(f.hex() for f in frames)
    d = delimiter.encode()
    return delimiter.join(format_frame(f, d) for f in frames)


def parse_line(line: bytes, delimiter: bytes = b"\t", literal: bool = False) -> list[bytes]:
    """The frames of one input line (without its newline), as ``send`` reads it.

    Args:
        line: the line's bytes.
        delimiter: what separates frames; empty: the whole line is one frame.
        literal: take every frame as is (no ``0x`` hex decoding).
    """
    parts = line.split(delimiter) if delimiter else [line]
    if literal:
        return parts
    frames = []
    for part in parts:
        if part.startswith(b"0x"):
            try:
                frames.append(binascii.unhexlify(part[2:]))
                continue
            except (binascii.Error, ValueError):
                pass  # not hex after all: text that starts with 0x
        frames.append(part)
    return frames


def _escape_arg(text: str) -> bytes:
    """Interpret ``\\t``, ``\\n``, ``\\\\`` in a command-line delimiter."""
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


# ------------------------------------------------------------------- sockets
def _socket_type(name: str) -> int:
    upper = name.upper()
    if upper not in SOCKET_TYPES:
        raise CliError(f"unknown socket type {name!r} (expected one of {', '.join(SOCKET_TYPES)})")
    return int(zmq.SocketType[upper])


def _split_endpoints(spec: str, default_bind: bool) -> list[tuple[bool, str]]:
    """``@ep`` binds, ``>ep`` connects, bare endpoints follow ``default_bind``."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if part.startswith("@"):
            out.append((True, part[1:]))
        elif part.startswith(">"):
            out.append((False, part[1:]))
        elif part:
            out.append((default_bind, part))
    if not out:
        raise CliError(f"no endpoint in {spec!r}")
    return out


def _open_socket(
    ctx: zmq.Context,
    type_name: str,
    endpoints: Sequence[tuple[bool, str]],
    *,
    options: Sequence[tuple[int, Any]] = (),
    before_endpoints: Callable[[Any], None] | None = None,
) -> tuple[Any, list[str]]:
    """A socket of ``type_name`` with ``options`` set, bound/connected to ``endpoints``.

    Returns:
        The socket, and the endpoint of each bind with wildcards resolved, in order.

    Raises:
        CliError: an unknown type, a bad option value, or an endpoint that fails.
    """
    sock = ctx.socket(_socket_type(type_name))
    bound: list[str] = []
    try:
        for option, value in options:
            try:
                sock.setsockopt(option, value)
            except (zmq.ZMQError, TypeError, ValueError) as e:
                name = zmq.SocketOption(option).name
                raise CliError(f"cannot set {name} to {value!r}: {e}") from None
        if before_endpoints is not None:
            before_endpoints(sock)
        for bind, endpoint in endpoints:
            try:
                if bind:
                    sock.bind(endpoint)
                    bound.append(sock.last_endpoint.decode())
                else:
                    sock.connect(endpoint)
            except zmq.ZMQError as e:
                verb = "bind to" if bind else "connect to"
                raise CliError(f"cannot {verb} {endpoint!r}: {e.strerror}") from None
    except BaseException:
        sock.close(0)
        raise
    return sock, bound


def _print_endpoints(names: Sequence[str], err: IO[str]) -> None:
    for name in names:
        err.write(name + "\n")
    err.flush()


def _endpoint_args(args: argparse.Namespace) -> list[tuple[bool, str]]:
    eps = [(True, e) for e in args.bind or []] + [(False, e) for e in args.connect or []]
    if not eps:
        raise CliError("give at least one --bind or --connect endpoint")
    return eps


def _open_with_print(
    ctx: zmq.Context,
    args: argparse.Namespace,
    options: Sequence[tuple[int, Any]] = (),
    type_name: str | None = None,
) -> Any:
    """Open the socket of a send/recv command; print bound endpoints if asked."""
    sock, bound = _open_socket(ctx, type_name or args.type, _endpoint_args(args), options=options)
    if args.print_endpoint:
        _print_endpoints(bound, sys.stderr)
    return sock


def _common_options(args: argparse.Namespace) -> list[tuple[int, Any]]:
    opts: list[tuple[int, Any]] = []
    if args.linger is not None:
        opts.append((zmq.LINGER, args.linger))
    if getattr(args, "identity", None):
        opts.append((zmq.IDENTITY, args.identity.encode()))
    return opts


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _start_io_thread(ctx: zmq.Context) -> None:
    """Start ``ctx``'s I/O thread with SIGINT and SIGTERM blocked in it.

    The first socket starts the context's background I/O thread, which inherits the
    signal mask of the thread that creates it. A process-directed signal goes to any
    thread that does not block it; if it lands on the I/O thread, the main thread
    stays asleep in a blocking ``recv`` and the Python handler never runs. Blocked
    there, the signal can only be delivered to the main thread, which it wakes at once.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, no problem
        ctx.socket(zmq.PAIR).close(0)
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        ctx.socket(zmq.PAIR).close(0)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def _context() -> Iterator[zmq.Context]:
    """A context that is terminated on the way out, whatever happens."""
    ctx = zmq.Context()
    try:
        _start_io_thread(ctx)
        yield ctx
    except BaseException:
        ctx.destroy(linger=0)  # interrupted or failed: do not wait for pending messages
        raise
    ctx.term()


# ------------------------------------------------------------------- commands
def _cmd_version(args: argparse.Namespace) -> int:
    print(f"purezmq {zmq.__version__} (libzmq {zmq.zmq_version()} compatible)")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from purezmq.examples import DEMOS, load
    from purezmq.examples._common import DemoError, print_line

    if args.list or args.name is None:
        if args.name is None and not args.list:
            raise _UsageError("give a demo NAME, or --list to see them")
        width = max(len(n) for n in DEMOS)
        for name, (_, summary) in DEMOS.items():
            print(f"{name:<{width}}  {summary}")
        return 0
    if args.name not in DEMOS:
        raise _UsageError(f"unknown demo {args.name!r} (expected one of {', '.join(DEMOS)})")
    stdout_gone = False

    def out(line: str) -> None:
        # a closed stdout (| head) must not make a demo thread fail: stop printing and
        # let the demo finish and clean up
        nonlocal stdout_gone
        if not stdout_gone:
            try:
                print_line(line)
            except BrokenPipeError:
                stdout_gone = True

    try:
        status = load(args.name).run(asyncio=args.asyncio, out=out)
    except DemoError as e:
        raise CliError(f"demo {args.name} failed: {e}") from None
    if stdout_gone:
        raise BrokenPipeError
    return status


def _cmd_send(args: argparse.Namespace) -> int:
    type_name = args.type.upper()
    _socket_type(type_name)
    if type_name in _CANNOT_SEND:
        raise CliError(f"a {type_name} socket cannot send; use 'purezmq recv --type {type_name}'")
    if type_name == "REP":
        raise CliError("a REP socket receives first; use 'purezmq recv --type REP' (it replies)")
    delimiter = _escape_arg(args.delimiter)
    opts = _common_options(args)
    wait_subs = args.wait_subscribers
    if wait_subs and type_name not in ("PUB", "XPUB"):
        raise CliError("--wait-subscribers is for PUB sockets")
    with _context() as ctx:
        # a PUB that must wait for its subscribers is an XPUB: it sees them arrive
        open_as = "XPUB" if wait_subs else type_name
        if wait_subs:
            opts.append((zmq.XPUB_VERBOSE, 1))
        sock = _open_with_print(ctx, args, opts, type_name=open_as)
        try:
            if wait_subs:
                _wait_subscribers(sock, wait_subs, args.timeout)
            messages: Iterator[list[bytes]]
            if args.message:
                messages = (
                    parse_line(m.encode("utf-8"), delimiter, args.literal) for m in args.message
                )
            else:
                messages = _stdin_messages(delimiter, args.literal)
            if args.count is not None:
                messages = itertools.islice(messages, args.count)
            for msg in messages:
                sock.send_multipart(msg)
                if type_name == "REQ":
                    _write_message(_recv(sock, args.timeout), args.delimiter_out, "text")
        finally:
            sock.close()
    return 0


def _cmd_recv(args: argparse.Namespace) -> int:
    type_name = args.type.upper()
    _socket_type(type_name)
    if type_name in _CANNOT_RECV:
        raise CliError(
            f"a {type_name} socket cannot receive; use 'purezmq send --type {type_name}'"
        )
    if type_name == "REQ":
        raise CliError("a REQ socket sends first; use 'purezmq send --type REQ' (prints replies)")
    if args.subscribe and type_name != "SUB":
        raise CliError("--subscribe is for SUB sockets")
    opts = _common_options(args)
    if type_name == "SUB":
        for topic in args.subscribe or [""]:
            opts.append((zmq.SUBSCRIBE, topic.encode("utf-8")))
    reply = None if args.reply is None else parse_line(args.reply.encode(), b"\t", False)
    with _context() as ctx:
        sock = _open_with_print(ctx, args, opts)
        try:
            received = 0
            while args.count is None or received < args.count:
                msg = _recv(sock, args.timeout)
                received += 1
                _write_message(msg, _escape_arg(args.delimiter).decode("latin-1"), args.format)
                if type_name == "REP":
                    sock.send_multipart(msg if reply is None else reply)
        finally:
            sock.close()
    return 0


def _cmd_proxy(args: argparse.Namespace) -> int:
    from purezmq.proxy import proxy

    with _context() as ctx:
        socks: list[Any] = []
        try:
            resolved: list[str] = []
            for spec, type_name in (
                (args.frontend, args.front_type),
                (args.backend, args.back_type),
                *([(args.capture, "PUB")] if args.capture else []),
            ):
                eps = _split_endpoints(spec, default_bind=True)
                opts: list[tuple[int, Any]] = []
                if type_name.upper() == "SUB":
                    opts.append((zmq.SUBSCRIBE, b""))
                sock, bound = _open_socket(ctx, type_name, eps, options=opts)
                socks.append(sock)
                resolved += bound
            if args.print_endpoint:
                _print_endpoints(resolved, sys.stderr)
            capture = socks[2] if len(socks) > 2 else None
            try:
                proxy(socks[0], socks[1], capture)
            except zmq.ContextTerminated:
                pass
        finally:
            for s in socks:
                s.close(0)
    return 0


def _describe_value(name: str, value: int) -> str:
    if name in _FD_EVENTS:
        return f"fd={value}"
    if name in _ERRNO_EVENTS:
        try:
            return f"errno={zmq.Errno(value).name}"
        except ValueError:
            return f"errno={value}"
    if name == "CONNECT_RETRIED":
        return f"interval={value}ms"
    return f"value={value}"


def _cmd_monitor(args: argparse.Namespace) -> int:
    from purezmq.utils.monitor import recv_monitor_message

    eps = _split_endpoints(args.endpoint, default_bind=False)
    monitors: list[Any] = []

    def start_monitor(sock: Any) -> None:
        monitors.append(sock.get_monitor_socket())

    with _context() as ctx:
        sock, _ = _open_socket(ctx, args.type, eps, before_endpoints=start_monitor)
        mon = monitors[0]
        try:
            if args.timeout is not None:
                mon.rcvtimeo = args.timeout
            seen = 0
            while args.count is None or seen < args.count:
                try:
                    event = recv_monitor_message(mon)
                except zmq.Again:
                    raise CliError(f"no event within {args.timeout} ms") from None
                seen += 1
                name = zmq.Event(event["event"]).name or str(int(event["event"]))
                endpoint = event["endpoint"].decode("utf-8", "replace")
                value = _describe_value(name, int(event["value"]))
                _write_line(f"ZMQ_EVENT_{name} {endpoint} {value}")
        finally:
            mon.close(0)
            sock.close(0)
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    if not zmq.has("curve"):
        sys.stderr.write(
            "purezmq keygen: CURVE needs PyNaCl, which is not installed: "
            "pip install 'purezmq[curve]'\n"
        )
        return 2
    keypair = zmq.curve_keypair
    public, secret = keypair()
    print(f"public: {public.decode()}")
    print(f"secret: {secret.decode()}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    try:
        return benchmark.run(args)
    except ValueError as e:  # a bad --workloads, --impls or --transport
        raise _UsageError(str(e)) from None


# ------------------------------------------------------------------- I/O helpers
class _UsageError(Exception):
    """A usage mistake found after parsing (exit status 2)."""


def _stdin_messages(delimiter: bytes, literal: bool) -> Iterator[list[bytes]]:
    for raw in sys.stdin.buffer:
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line.endswith(b"\r"):
            line = line[:-1]
        yield parse_line(line, delimiter, literal)


def _recv(sock: Any, timeout: int | None) -> list[bytes]:
    if timeout is not None:
        sock.rcvtimeo = timeout
    try:
        parts: list[bytes] = sock.recv_multipart()
    except zmq.Again:
        raise CliError(f"nothing received within {timeout} ms") from None
    return parts


def _write_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _write_message(msg: list[bytes], delimiter: str, fmt: str) -> None:
    if fmt == "raw":
        out = sys.stdout.buffer
        out.write(delimiter.encode("latin-1").join(msg) + b"\n")
        out.flush()
    else:
        _write_line(format_message(msg, delimiter, fmt))


def _wait_subscribers(xpub: Any, count: int, timeout: int | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout / 1000
    seen = 0
    while seen < count:
        remaining = -1 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        xpub.rcvtimeo = remaining
        try:
            msg = xpub.recv()
        except zmq.Again:
            raise CliError(f"only {seen} of {count} subscribers within {timeout} ms") from None
        if msg.startswith(b"\x01"):
            seen += 1


# ------------------------------------------------------------------- parser
def _add_socket_args(p: argparse.ArgumentParser, default_type: str) -> None:
    p.add_argument(
        "-t",
        "--type",
        default=default_type,
        metavar="TYPE",
        help=f"socket type, one of {', '.join(SOCKET_TYPES)} (default {default_type})",
    )
    p.add_argument(
        "-b", "--bind", action="append", metavar="ENDPOINT", help="bind to ENDPOINT (repeatable)"
    )
    p.add_argument(
        "-c",
        "--connect",
        action="append",
        metavar="ENDPOINT",
        help="connect to ENDPOINT (repeatable)",
    )
    p.add_argument(
        "-n", "--count", type=int, metavar="N", help="stop after N messages (default: no limit)"
    )
    p.add_argument(
        "--print-endpoint",
        action="store_true",
        help="print each bound endpoint (wildcards resolved) on stderr, one per line",
    )
    p.add_argument("--linger", type=int, metavar="MS", help="LINGER of the socket at exit")
    p.add_argument("--identity", metavar="ID", help="ROUTING_ID of the socket")
    p.add_argument(
        "--timeout",
        type=int,
        metavar="MS",
        help="give up (exit status 1) when nothing arrives for MS milliseconds",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``purezmq`` argument parser."""
    parser = _Parser(
        prog="purezmq",
        description="ZeroMQ in pure Python: demos and command-line sockets.",
        epilog="Run 'purezmq COMMAND --help' for the options of each command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, description: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(
            name,
            help=help,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return p

    p = add("version", "print purezmq's version", "Print purezmq's version and the libzmq one.")
    p.set_defaults(func=_cmd_version)

    p = add(
        "demo",
        "run a seed application",
        "Run one of the seed applications (see 'purezmq demo --list').\n"
        "Each exits 0 on success and prints what it does.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the demo to run")
    p.add_argument("--asyncio", action="store_true", help="run its purezmq.asyncio form")
    p.add_argument("--list", action="store_true", help="list the demos and exit")
    p.set_defaults(func=_cmd_demo)

    p = add(
        "send",
        "send messages: one per stdin line (or argument)",
        "Send one message per line of stdin (or per MESSAGE argument).\n\n"
        "Frames are separated by TAB; a frame written 0x<hex> is sent as those bytes\n"
        "(--literal: no decoding). A REQ socket prints each reply. Example:\n\n"
        "  printf 'hello\\nmulti\\tpart\\n' | purezmq send -t PUSH -c tcp://127.0.0.1:5555",
    )
    _add_socket_args(p, "PUSH")
    p.add_argument(
        "message", nargs="*", metavar="MESSAGE", help="messages to send instead of stdin"
    )
    p.add_argument(
        "-d", "--delimiter", default="\\t", help="frame separator in a line (default TAB; '' none)"
    )
    p.add_argument("--literal", action="store_true", help="do not decode 0x<hex> frames")
    p.add_argument(
        "--wait-subscribers",
        type=int,
        default=0,
        metavar="N",
        help="PUB: wait until N subscriptions arrived before sending (no slow-joiner loss)",
    )
    p.set_defaults(func=_cmd_send, delimiter_out="\t")

    p = add(
        "recv",
        "receive messages: one per stdout line",
        "Print each message received as one line: frames separated by TAB, each frame\n"
        "as text if printable UTF-8, else 0x<hex>. A REP socket echoes each request\n"
        "(or sends --reply). Example:\n\n"
        "  purezmq recv -t PULL -b 'tcp://127.0.0.1:*' --print-endpoint -n 10",
    )
    _add_socket_args(p, "PULL")
    p.add_argument(
        "-s",
        "--subscribe",
        action="append",
        metavar="TOPIC",
        help="SUB: subscribe to TOPIC (repeatable; default: everything)",
    )
    p.add_argument("-d", "--delimiter", default="\\t", help="frame separator (default TAB)")
    p.add_argument(
        "-f",
        "--format",
        choices=("text", "hex", "raw"),
        default="text",
        help="text: printable text as is, else 0x<hex> (default); hex: all hex; raw: bytes",
    )
    p.add_argument("--reply", metavar="MESSAGE", help="REP: reply MESSAGE instead of an echo")
    p.set_defaults(func=_cmd_recv)

    p = add(
        "proxy",
        "relay messages between two endpoints",
        "Run zmq_proxy between a frontend and a backend socket until interrupted.\n\n"
        "FRONT and BACK are endpoints, bound by default; prefix one with '>' to\n"
        "connect instead ('@' binds), join several with commas. Example:\n\n"
        "  purezmq proxy 'tcp://*:5559' 'tcp://*:5560'             # ROUTER/DEALER queue\n"
        "  purezmq proxy --front-type XSUB --back-type XPUB '>tcp://pub:5556' 'tcp://*:5557'",
    )
    p.add_argument("frontend", metavar="FRONT", help="frontend endpoint(s)")
    p.add_argument("backend", metavar="BACK", help="backend endpoint(s)")
    p.add_argument("--front-type", default="ROUTER", metavar="TYPE", help="default ROUTER")
    p.add_argument("--back-type", default="DEALER", metavar="TYPE", help="default DEALER")
    p.add_argument("--capture", metavar="ENDPOINT", help="a PUB getting a copy of every message")
    p.add_argument(
        "--print-endpoint",
        action="store_true",
        help="print each bound endpoint on stderr (frontend, backend, capture)",
    )
    p.set_defaults(func=_cmd_proxy)

    p = add(
        "monitor",
        "print a socket's monitor events",
        "Connect a socket to ENDPOINT ('@ENDPOINT' binds) and print its monitor events\n"
        "as they happen, with libzmq's names: ZMQ_EVENT_<NAME> <endpoint> <value>.\n"
        "Example:\n\n"
        "  purezmq monitor -t DEALER tcp://127.0.0.1:5555",
    )
    p.add_argument("endpoint", metavar="ENDPOINT", help="endpoint(s) to connect ('@' binds)")
    p.add_argument("-t", "--type", default="DEALER", metavar="TYPE", help="default DEALER")
    p.add_argument("-n", "--count", type=int, metavar="N", help="stop after N events")
    p.add_argument(
        "--timeout", type=int, metavar="MS", help="give up when no event arrives for MS ms"
    )
    p.set_defaults(func=_cmd_monitor)

    p = add(
        "keygen",
        "generate a CURVE key pair",
        "Print a new CURVE key pair in Z85 (exit status 2 while CURVE is not available).",
    )
    p.set_defaults(func=_cmd_keygen)

    p = add(
        "bench",
        "benchmark purezmq against pyzmq",
        "Measure purezmq against pyzmq in the same run (docs/performance.md). Example:\n\n"
        "  purezmq bench --quick --check-targets",
    )
    benchmark.add_arguments(p)
    p.set_defaults(func=_cmd_bench)
    return parser


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Stopped()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``purezmq`` console script and of ``python -m purezmq``.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"purezmq {args.command}"
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        pass  # not the main thread (main() called from a test thread): no handler
    try:
        status: int = args.func(args)
        return status
    except _UsageError as e:
        sys.stderr.write(f"{prog}: error: {e} (see '{prog} --help')\n")
        return 2
    except CliError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return 1
    except KeyboardInterrupt:
        return 130  # the shell's status for SIGINT
    except _Stopped:
        return 0  # SIGTERM: a requested, clean stop
    except BrokenPipeError:
        # the reader of our stdout went away (| head): stop quietly
        # (and keep the interpreter's final flush of stdout from failing again)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (captured)
            pass
        return 0
    except zmq.ZMQError as e:
        sys.stderr.write(f"{prog}: error: {e.strerror}\n")
        return 1
    except Exception as e:
        if os.environ.get("PUREZMQ_DEBUG"):
            raise
        sys.stderr.write(f"{prog}: error: {type(e).__name__}: {e}\n")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
