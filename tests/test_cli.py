"""The ``purezmq`` command: help, version, demos, send/recv pipelines, proxy, monitor,
and one-line errors (never a traceback).

End-to-end cases run ``python -m purezmq`` in a subprocess; the rest call
:func:`purezmq.cli.main` in-process. Every wait is bounded (``communicate(timeout)``,
``--timeout`` on the command, RCVTIMEO on test sockets).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import purezmq as zmq
from purezmq.cli import format_message, main, parse_line

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
#: bound for any subprocess to finish
WAIT_S = 20
SUBCOMMANDS = ["version", "demo", "send", "recv", "proxy", "monitor", "keygen"]


def run_cli(
    *args: str, stdin: str = "", timeout: float = WAIT_S
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "purezmq", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
    )


def start_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "purezmq", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def read_endpoints(proc: subprocess.Popen[str], n: int) -> list[str]:
    """The first ``n`` stderr lines of a command started with --print-endpoint."""
    assert proc.stderr is not None
    eps = []
    for _ in range(n):
        line = proc.stderr.readline().strip()  # bounded: the test timeout
        assert line.startswith("tcp://"), line
        eps.append(line)
    return eps


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0]


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


# ------------------------------------------------------------------- help, version
def test_python_m_purezmq_help() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for name in SUBCOMMANDS:
        assert name in proc.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: purezmq {command}")


def test_version() -> None:
    proc = run_cli("version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == (
        f"purezmq {zmq.__version__} (libzmq {zmq.zmq_version()} compatible)"
    )


def test_console_script_entry_point_is_main() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert 'purezmq = "purezmq.cli:main"' in text


# ------------------------------------------------------------------- demo
def test_demo_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list"]) == 0
    names = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    assert names == ["mtserver", "mtrelay", "poller", "broker", "broker-threads"]


def test_demo_runs_in_a_subprocess() -> None:
    proc = run_cli("demo", "mtrelay")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Test successful!"


@pytest.mark.parametrize("use_asyncio", [False, True])
def test_demo_broker(use_asyncio: bool, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "broker"] + (["--asyncio"] if use_asyncio else [])
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Broker online"
    assert out[-1] == "Finishing"


@pytest.mark.parametrize("use_asyncio", [False, True])
def test_demo_finishes_cleanly_when_stdout_closes(
    use_asyncio: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # | head -2: the third line fails; the demo must still finish and clean up
    import purezmq.examples._common as common

    printed: list[str] = []

    def closing_stdout(line: str) -> None:
        if len(printed) == 2:
            raise BrokenPipeError
        printed.append(line)

    monkeypatch.setattr(common, "print_line", closing_stdout)
    before = set(threading.enumerate())
    args = ["demo", "broker"] + (["--asyncio"] if use_asyncio else [])
    assert main(args) == 0
    assert printed[0] == "Broker online"
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_demo_without_a_name_or_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 2
    assert main(["demo", "nope"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert "unknown demo 'nope'" in err[1]


# ------------------------------------------------------------------- send | recv
def test_send_recv_pipeline_over_tcp() -> None:
    recv = start_cli(
        "recv", "--bind", "tcp://127.0.0.1:*", "--print-endpoint", "-n", "4", "--timeout", "10000"
    )
    try:
        (endpoint,) = read_endpoints(recv, 1)
        lines = "hello\nmulti\tpart\tmessage\n0x00ff10\n\n"
        send = run_cli("send", "--connect", endpoint, stdin=lines)
        assert send.returncode == 0, send.stderr
        out, err = recv.communicate(timeout=WAIT_S)
    finally:
        recv.kill() if recv.poll() is None else None
    assert recv.returncode == 0, err
    assert out.splitlines() == ["hello", "multi\tpart\tmessage", "0x00ff10", ""]


def test_recv_prints_frames_safely(ctx: zmq.Context) -> None:
    recv = start_cli("recv", "-t", "PULL", "-b", "tcp://127.0.0.1:*", "--print-endpoint", "-n", "2")
    try:
        (endpoint,) = read_endpoints(recv, 1)
        push = ctx.socket(zmq.PUSH)
        push.connect(endpoint)
        push.send_multipart([b"text", b"\x00\x01bin", "h\u00e9".encode(), b"0xabc", b"a\tb"])
        push.send_multipart([b"\xff" * 3])
        out, err = recv.communicate(timeout=WAIT_S)
        push.close()
    finally:
        recv.kill() if recv.poll() is None else None
    assert recv.returncode == 0, err
    first, second = out.splitlines()
    assert first.split("\t") == ["text", "0x000162696e", "h\u00e9", "0x3078616263", "0x610962"]
    assert second == "0xffffff"
    # what recv prints, send reads back into the same frames
    assert parse_line(first.encode()) == [
        b"text",
        b"\x00\x01bin",
        "h\u00e9".encode(),
        b"0xabc",
        b"a\tb",
    ]


def test_sub_recv_with_subscribe_and_pub_waiting_for_subscribers() -> None:
    recv = start_cli(
        "recv", "-t", "SUB", "-b", "tcp://127.0.0.1:*", "--print-endpoint",
        "-s", "weather", "-n", "2", "--timeout", "10000",
    )  # fmt: skip
    try:
        (endpoint,) = read_endpoints(recv, 1)
        send = run_cli(
            "send", "-t", "PUB", "-c", endpoint, "--wait-subscribers", "1", "--timeout", "10000",
            stdin="sports 1\nweather sunny\nweather rain\n",
        )  # fmt: skip
        assert send.returncode == 0, send.stderr
        out, err = recv.communicate(timeout=WAIT_S)
    finally:
        recv.kill() if recv.poll() is None else None
    assert recv.returncode == 0, err
    assert out.splitlines() == ["weather sunny", "weather rain"]


def test_req_send_prints_the_rep_replies() -> None:
    rep = start_cli(
        "recv", "-t", "REP", "-b", "tcp://127.0.0.1:*", "--print-endpoint", "-n", "2",
        "--reply", "World",
    )  # fmt: skip
    try:
        (endpoint,) = read_endpoints(rep, 1)
        req = run_cli("send", "-t", "REQ", "-c", endpoint, "--timeout", "10000", "Hello", "Again")
        assert req.returncode == 0, req.stderr
        assert req.stdout.splitlines() == ["World", "World"]
        out, _ = rep.communicate(timeout=WAIT_S)
    finally:
        rep.kill() if rep.poll() is None else None
    assert out.splitlines() == ["Hello", "Again"]


def test_send_count_and_hex_format(ctx: zmq.Context, capsys: pytest.CaptureFixture[str]) -> None:
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 10_000
    pull.bind("tcp://127.0.0.1:*")
    endpoint = pull.last_endpoint.decode()
    assert main(["send", "-c", endpoint, "-n", "2", "one", "two", "three"]) == 0
    assert [pull.recv(), pull.recv()] == [b"one", b"two"]
    pull.close()

    push = ctx.socket(zmq.PUSH)
    push.sndtimeo = 10_000
    push.bind("tcp://127.0.0.1:*")
    # a PUSH blocks until its peer connects: send from a thread while recv runs
    sender = threading.Thread(target=push.send_multipart, args=([b"ab", b"\x00"],))
    sender.start()
    status = main(["recv", "-c", push.last_endpoint.decode(), "-n", "1", "-f", "hex"])
    sender.join(WAIT_S)
    assert status == 0
    assert capsys.readouterr().out == "6162\t00\n"
    push.close()


def test_recv_timeout_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recv", "-b", "tcp://127.0.0.1:*", "--timeout", "50"]) == 1
    err = capsys.readouterr().err
    assert err == "purezmq recv: error: nothing received within 50 ms\n"


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
    reason="SIGINT is ignored in this process (a background job): children inherit that",
)
def test_sigint_stops_recv_without_traceback() -> None:
    recv = start_cli("recv", "-b", "tcp://127.0.0.1:*", "--print-endpoint")
    try:
        read_endpoints(recv, 1)
        recv.send_signal(signal.SIGINT)
        _, err = recv.communicate(timeout=WAIT_S)
    finally:
        recv.kill() if recv.poll() is None else None
    assert recv.returncode == 130
    assert "Traceback" not in err


# ------------------------------------------------------------------- proxy, monitor
def test_proxy_relays_req_rep_and_stops_on_sigterm(ctx: zmq.Context) -> None:
    proxy = start_cli("proxy", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--print-endpoint")
    try:
        front, back = read_endpoints(proxy, 2)
        rep = ctx.socket(zmq.REP)
        rep.rcvtimeo = 10_000
        rep.connect(back)
        req = ctx.socket(zmq.REQ)
        req.rcvtimeo = 10_000
        req.connect(front)
        req.send(b"Hello")
        assert rep.recv() == b"Hello"
        rep.send(b"World")
        assert req.recv() == b"World"
        proxy.send_signal(signal.SIGTERM)
        _, err = proxy.communicate(timeout=WAIT_S)
        req.close()
        rep.close()
    finally:
        proxy.kill() if proxy.poll() is None else None
    assert proxy.returncode == 0, err
    assert "Traceback" not in err


def test_proxy_with_connect_prefix_and_types(ctx: zmq.Context) -> None:
    # a PULL/PUSH streamer whose frontend connects to our PUSH
    push = ctx.socket(zmq.PUSH)
    push.bind("tcp://127.0.0.1:*")
    proxy = start_cli(
        "proxy", f">{push.last_endpoint.decode()}", "tcp://127.0.0.1:*",
        "--front-type", "PULL", "--back-type", "PUSH", "--print-endpoint",
    )  # fmt: skip
    try:
        (back,) = read_endpoints(proxy, 1)
        pull = ctx.socket(zmq.PULL)
        pull.rcvtimeo = 10_000
        pull.connect(back)
        push.send_multipart([b"a", b"b"])
        assert pull.recv_multipart() == [b"a", b"b"]
        proxy.send_signal(signal.SIGTERM)
        proxy.communicate(timeout=WAIT_S)
        pull.close()
        push.close()
    finally:
        proxy.kill() if proxy.poll() is None else None
    assert proxy.returncode == 0


def test_monitor_prints_libzmq_event_names(
    ctx: zmq.Context, capsys: pytest.CaptureFixture[str]
) -> None:
    router = ctx.socket(zmq.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    endpoint = router.last_endpoint.decode()
    assert main(["monitor", "-t", "DEALER", endpoint, "-n", "2", "--timeout", "10000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [ln.split()[0] for ln in lines]
    # libzmq reports CONNECT_DELAYED first when the tcp connect is still in progress
    if names[0] == "ZMQ_EVENT_CONNECT_DELAYED":
        assert names[1] == "ZMQ_EVENT_CONNECTED"
    else:
        assert names == ["ZMQ_EVENT_CONNECTED", "ZMQ_EVENT_HANDSHAKE_SUCCEEDED"]
    assert all(ln.split()[1] == endpoint for ln in lines)
    connected = lines[names.index("ZMQ_EVENT_CONNECTED")]
    assert connected.split()[2].startswith("fd=")
    router.close()


def test_monitor_bind_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "@tcp://127.0.0.1:*", "-n", "1", "--timeout", "10000"]) == 0
    assert capsys.readouterr().out.startswith("ZMQ_EVENT_LISTENING tcp://127.0.0.1:")


def test_monitor_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "@tcp://127.0.0.1:*", "-n", "2", "--timeout", "50"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("ZMQ_EVENT_LISTENING")
    assert err == "purezmq monitor: error: no event within 50 ms\n"


# ------------------------------------------------------------------- keygen
def test_keygen() -> None:
    proc = run_cli("keygen")
    if zmq.has("curve") and hasattr(zmq, "curve_keypair"):
        assert proc.returncode == 0
        assert proc.stdout.startswith("public: ")
    else:
        assert proc.returncode == 2
        assert_one_line_error(proc, "CURVE needs PyNaCl")


# ------------------------------------------------------------------- errors
def test_bad_endpoint_is_one_line() -> None:
    proc = run_cli("send", "--connect", "foo", "x")
    assert_one_line_error(proc, "purezmq send: error:", "cannot connect to 'foo'")
    assert proc.returncode == 1


def test_unknown_transport_is_one_line() -> None:
    proc = run_cli("recv", "--bind", "bogus://x")
    assert_one_line_error(proc, "cannot bind to 'bogus://x'")


def test_unknown_socket_type_is_one_line() -> None:
    proc = run_cli("recv", "--type", "FOO", "--bind", "tcp://127.0.0.1:*")
    assert_one_line_error(proc, "unknown socket type 'FOO'", "PUSH")
    proc = run_cli("proxy", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "--back-type", "NOPE")
    assert_one_line_error(proc, "unknown socket type 'NOPE'")


def test_refused_bind_is_one_line(ctx: zmq.Context) -> None:
    holder = ctx.socket(zmq.PULL)
    holder.bind("tcp://127.0.0.1:*")
    endpoint = holder.last_endpoint.decode()
    proc = run_cli("recv", "--bind", endpoint, "--timeout", "100")
    assert_one_line_error(proc, f"cannot bind to '{endpoint}'", "Address already in use")
    proc = run_cli("proxy", endpoint, "tcp://127.0.0.1:*")
    assert_one_line_error(proc, "Address already in use")
    holder.close()


def test_usage_errors_are_one_line() -> None:
    proc = run_cli("recv", "--no-such-option")
    assert_one_line_error(proc, "unrecognized arguments")
    assert proc.returncode == 2
    proc = run_cli("nope")
    assert_one_line_error(proc, "invalid choice")
    proc = run_cli("send", "x")
    assert_one_line_error(proc, "--bind or --connect")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["send", "-t", "PULL", "-c", "tcp://127.0.0.1:1", "x"], "cannot send"),
        (["send", "-t", "REP", "-c", "tcp://127.0.0.1:1", "x"], "receives first"),
        (["recv", "-t", "PUB", "-b", "tcp://127.0.0.1:*"], "cannot receive"),
        (["recv", "-t", "REQ", "-c", "tcp://127.0.0.1:1"], "sends first"),
        (["recv", "-t", "PULL", "-s", "x", "-c", "tcp://127.0.0.1:1"], "for SUB sockets"),
        (["send", "--wait-subscribers", "1", "-c", "tcp://127.0.0.1:1", "x"], "for PUB"),
    ],
)
def test_wrong_direction_is_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert words in err


# ------------------------------------------------------------------- line format
@pytest.mark.parametrize(
    "frames",
    [
        [b"plain"],
        [b""],
        [b"", b"", b""],
        [b"a", b"b c", b"\xff\x00"],
        [b"0x", b"0xzz", b"0x1234"],
        ["caf\u00e9".encode(), b"\t", b"\n", b"\x7f"],
    ],
)
def test_format_then_parse_round_trips(frames: list[bytes]) -> None:
    line = format_message(frames)
    assert "\n" not in line
    assert parse_line(line.encode()) == frames


def test_parse_line_options() -> None:
    assert parse_line(b"a|0x41", b"|") == [b"a", b"A"]
    assert parse_line(b"a\t0x41", b"") == [b"a\t0x41"]
    assert parse_line(b"0x41\t0xzz", b"\t", literal=True) == [b"0x41", b"0xzz"]
    assert parse_line(b"0xzz") == [b"0xzz"]
