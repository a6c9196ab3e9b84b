"""PUBHandler end to end over inproc, TopicLogger, and the log watcher."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator

import pytest

import purezmq
from purezmq.log import __main__ as watcher
from purezmq.log.handlers import TOPIC_DELIM, PUBHandler, TopicLogger

TIMEOUT_MS = 5000


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger(f"purezmq-test-{id(object())}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    for h in list(log.handlers):
        log.removeHandler(h)


def _sub(ctx: purezmq.Context, endpoint: str, topic: bytes = b"") -> purezmq.Socket:
    sub = ctx.socket(purezmq.SUB)
    sub.rcvtimeo = TIMEOUT_MS
    sub.connect(endpoint)
    sub.subscribe(topic)
    return sub


@pytest.fixture
def wired(
    ctx: purezmq.Context, logger: logging.Logger
) -> tuple[logging.Logger, PUBHandler, purezmq.Socket]:
    pub = ctx.socket(purezmq.PUB)
    pub.bind("inproc://log")
    handler = PUBHandler(pub)
    handler.root_topic = "app"
    logger.addHandler(handler)
    return logger, handler, _sub(ctx, "inproc://log")


def test_topics_and_default_formats(
    wired: tuple[logging.Logger, PUBHandler, purezmq.Socket],
) -> None:
    logger, handler, sub = wired
    logger.info("hello")
    assert sub.recv_multipart() == [b"app.INFO", b"hello\n"]
    logger.warning("db.pool::is %s", "full")
    topic, body = sub.recv_multipart()
    assert topic == b"app.WARNING.db.pool"
    assert body.startswith(b"WARNING test_handlers.py:") and body.endswith(b" - is full\n")
    logger.debug("héllo::wörld")
    assert sub.recv_multipart()[0] == "app.DEBUG.héllo".encode()


def test_subtopic_split_leaves_record_alone(
    wired: tuple[logging.Logger, PUBHandler, purezmq.Socket],
) -> None:
    logger, handler, sub = wired
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger.addHandler(Keep())
    logger.info("a::b::c")
    assert sub.recv_multipart() == [b"app.INFO.a", b"b::c\n"]
    assert records[0].msg == "a::b::c"


def test_root_topic_as_bytes_and_empty(
    wired: tuple[logging.Logger, PUBHandler, purezmq.Socket], ctx: purezmq.Context
) -> None:
    logger, handler, sub = wired
    only_info = _sub(ctx, "inproc://log", b"INFO")
    handler.root_topic = b"bytes"
    assert handler.root_topic == "bytes"
    logger.info("x")
    assert sub.recv_multipart()[0] == b"bytes.INFO"
    handler.setRootTopic("")
    logger.error("y")
    logger.info("z")
    assert sub.recv_multipart()[0] == b"ERROR"
    assert sub.recv_multipart() == [b"INFO", b"z\n"]
    assert only_info.recv_multipart() == [b"INFO", b"z\n"]


def test_formatters(wired: tuple[logging.Logger, PUBHandler, purezmq.Socket]) -> None:
    logger, handler, sub = wired
    handler.formatters[logging.INFO] = logging.Formatter("%(message)s!")
    logger.info("a")
    assert sub.recv_multipart()[1] == b"a!"
    handler.setFormatter(logging.Formatter("D %(message)s"), logging.DEBUG)
    logger.debug("b")
    assert sub.recv_multipart()[1] == b"D b"
    handler.setFormatter(logging.Formatter("ALL %(message)s"))
    logger.critical("c")
    logger.info("d")
    assert sub.recv_multipart()[1] == b"ALL c"
    assert sub.recv_multipart()[1] == b"ALL d"
    handler.setFormatter(None)
    logger.info("e")
    assert sub.recv_multipart()[1] == b"e"


def test_custom_level_and_message_object(
    wired: tuple[logging.Logger, PUBHandler, purezmq.Socket],
) -> None:
    logger, handler, sub = wired

    class Msg:
        def __str__(self) -> str:
            return "sub::obj"

    logger.info(Msg())
    assert sub.recv_multipart() == [b"app.INFO.sub", b"obj\n"]
    # a level between INFO and WARNING uses INFO's formatter
    logger.log(25, "custom")
    assert sub.recv_multipart() == [b"app.Level 25", b"custom\n"]


def test_handler_binds_its_own_socket(ctx: purezmq.Context, logger: logging.Logger) -> None:
    handler = PUBHandler("inproc://own", ctx, root_topic="r")
    assert handler.ctx is ctx
    assert handler.socket.socket_type == purezmq.PUB
    logger.addHandler(handler)
    sub = _sub(ctx, "inproc://own", b"r.")
    logger.info("m")
    assert sub.recv_multipart() == [b"r.INFO", b"m\n"]


def test_handler_with_new_context(logger: logging.Logger) -> None:
    handler = PUBHandler("inproc://fresh")
    try:
        assert isinstance(handler.ctx, purezmq.Context)
        assert handler.socket.context is handler.ctx
    finally:
        handler.socket.close(0)
        handler.ctx.term()


def test_format_errors_go_to_handle_error(
    wired: tuple[logging.Logger, PUBHandler, purezmq.Socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, handler, sub = wired
    errors: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", errors.append)

    class Broken(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            raise ValueError("cannot format")

    handler.formatters[logging.INFO] = Broken()
    logger.info("lost")
    assert len(errors) == 1
    with pytest.raises(purezmq.Again):
        sub.recv_multipart(purezmq.NOBLOCK)


def test_topic_logger(wired: tuple[logging.Logger, PUBHandler, purezmq.Socket]) -> None:
    _, handler, sub = wired
    tl = TopicLogger("purezmq-topic-test")
    tl.setLevel(logging.DEBUG)
    tl.propagate = False
    tl.addHandler(handler)
    try:
        tl.info("t.u", "a %s", "b")
        assert sub.recv_multipart() == [b"app.INFO.t.u", b"a b\n"]
        tl.warning("w", "x")
        topic, body = sub.recv_multipart()
        assert topic == b"app.WARNING.w"
        # the caller is reported, not the TopicLogger method
        assert b"test_handlers.py" in body
        tl.log(logging.ERROR, "e", "y")
        assert sub.recv_multipart()[0] == b"app.ERROR.e"
        for name in ("debug", "error", "critical"):
            getattr(tl, name)("k", "v")
            assert sub.recv_multipart()[0].endswith(b".k")
        try:
            raise ValueError("bad")
        except ValueError:
            tl.exception("x", "failed")
        assert b"ValueError" in sub.recv_multipart()[1]
    finally:
        tl.removeHandler(handler)
    assert TOPIC_DELIM == "::"


def test_watcher_prints_records(ctx: purezmq.Context) -> None:
    pub = ctx.socket(purezmq.PUB)
    pub.bind("tcp://127.0.0.1:*")
    url = pub.last_endpoint.decode()
    out = io.StringIO()
    t = threading.Thread(
        target=watcher.main,
        args=([url, "--topic", "app", "--align"], out),
        kwargs={"max_messages": 1},
        daemon=True,
    )
    t.start()
    # the watcher subscribes asynchronously (slow joiner): publish until it prints
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while t.is_alive() and time.monotonic() < deadline:
        pub.send_multipart([b"app.INFO", b"hello\n"])
        t.join(0.05)
    assert not t.is_alive()
    assert out.getvalue().splitlines()[0] == "app.INFO | hello"


def test_watcher_line_format() -> None:
    args = watcher._parser().parse_args(["tcp://x:1", "--separator", " > ", "--align"])
    printer = watcher._Printer(args, io.StringIO())
    assert printer.line(b"app.INFO", b"hi\n") == "app.INFO > hi"
    assert printer.line(b"a.WARNING.sub", b"x") == "a  .WARNING.sub > x"
    # columns keep the widest part seen so far; missing parts are padded
    assert printer.line(b"ERROR", b"x") == "ERROR." + " " * 7 + "." + " " * 3 + " > x"


def test_send_errors_go_to_handle_error(
    ctx: purezmq.Context, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub = ctx.socket(purezmq.PUB)
    handler = PUBHandler(pub)
    logger.addHandler(handler)
    errors: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", errors.append)
    pub.close(0)
    logger.info("socket is gone")  # must not raise into the caller
    assert [r.getMessage() for r in errors] == ["socket is gone"]
