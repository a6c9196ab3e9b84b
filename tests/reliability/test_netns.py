"""Across hosts: two network namespaces joined by a veth pair, one peer process in each.

Needs root and iproute2 (``ip netns``); skipped otherwise, with the reason. Each test
creates its own namespaces (names carry the pid and a random tag), gives the veth ends
addresses in a random 10.231.X.0/24, and deletes the namespaces (and with them the veth
pair) when it ends, pass or fail. The peers are tests/reliability/_netns_peer.py started
with ``ip netns exec NS python ...``, driven one JSON command at a time.

Checked:

* messages cross the namespaces both ways (DEALER -> ROUTER and the echo back),
  purezmq to purezmq and purezmq to/from libzmq (pyzmq);
* a partition (the link set down) is detected by ZMTP heartbeats, and once the link is up
  again the connecting side reconnects and delivers, in order and exactly once, every
  message it accepted while disconnected (queued within the HWM);
* a ROUTER with heartbeats drops its dead connection, so a DEALER with a fixed routing id
  is accepted again after the healing and its requests are answered.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import purezmq

PEER_SCRIPT = Path(__file__).with_name("_netns_peer.py")
SRC_DIR = Path(purezmq.__file__).resolve().parents[1]

#: Bound for one command to a peer (the slowest is a receive that waits for a reconnect).
COMMAND_TIMEOUT = 10.0

#: Heartbeats short enough that a dead link is noticed in well under a second.
HEARTBEAT = {"HEARTBEAT_IVL": 100, "HEARTBEAT_TIMEOUT": 500}
#: Reconnect quickly, and keep trying at that pace (no exponential back-off).
RECONNECT = {"RECONNECT_IVL": 100, "RECONNECT_IVL_MAX": 0}

#: Every test here is bounded well below pytest's default per-test timeout.
pytestmark = pytest.mark.timeout(15)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=10, check=False)


def _ip(*args: str) -> None:
    proc = _run("ip", *args)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


@dataclass
class Netns:
    """Two namespaces ``a`` and ``b``; ``veth_a`` (in a, ``ip_a``) <-> ``veth_b`` (in b)."""

    a: str
    b: str
    veth_a: str
    veth_b: str
    ip_a: str
    ip_b: str

    def link(self, up: bool, side: str = "a") -> None:
        """Set one end of the link up or down (down = a partition, both ways).

        Down on a's end: a has no route to b, so a's reconnect attempts fail at once
        (ENETUNREACH). Down on b's end: a's end only loses its carrier, a keeps its
        route, and a's connection attempts hang unanswered (SYN lost) until they time out.
        """
        ns, dev = (self.a, self.veth_a) if side == "a" else (self.b, self.veth_b)
        _ip("-n", ns, "link", "set", dev, "up" if up else "down")


@pytest.fixture
def netns() -> Iterator[Netns]:
    """Fresh namespaces and a veth pair; skipped unless root with a working ``ip netns``."""
    if not sys.platform.startswith("linux"):
        pytest.skip("network namespaces are Linux-only")
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (`ip`)")
    tag = f"{os.getpid()}-{secrets.token_hex(3)}"
    short = secrets.token_hex(3)  # interface names are limited to 15 characters
    subnet = secrets.randbelow(256)
    ns = Netns(
        a=f"purezmq-{tag}-a",
        b=f"purezmq-{tag}-b",
        veth_a=f"pzq{short}a",
        veth_b=f"pzq{short}b",
        ip_a=f"10.231.{subnet}.1",
        ip_b=f"10.231.{subnet}.2",
    )
    created: list[str] = []
    try:
        for name in (ns.a, ns.b):
            proc = _run("ip", "netns", "add", name)
            if proc.returncode != 0:
                pytest.skip(f"`ip netns add` does not work here: {proc.stderr.strip()}")
            created.append(name)
        proc = _run("ip", "link", "add", ns.veth_a, "type", "veth", "peer", "name", ns.veth_b)
        if proc.returncode != 0:
            pytest.skip(f"cannot create a veth pair here: {proc.stderr.strip()}")
        _ip("link", "set", ns.veth_a, "netns", ns.a)
        _ip("link", "set", ns.veth_b, "netns", ns.b)
        for name, dev, addr in ((ns.a, ns.veth_a, ns.ip_a), (ns.b, ns.veth_b, ns.ip_b)):
            _ip("-n", name, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", name, "link", "set", dev, "up")
            _ip("-n", name, "link", "set", "lo", "up")
        yield ns
    finally:
        # Deleting a namespace destroys the veth end inside it, and with it the pair.
        for name in created:
            _run("ip", "netns", "del", name)
        if _run("ip", "link", "show", ns.veth_a).returncode == 0:
            _run("ip", "link", "del", ns.veth_a)  # the move into the namespace failed


class PeerProcess:
    """A _netns_peer.py child in a namespace; :meth:`call` sends one command."""

    def __init__(self, ns: str, impl: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, str(PEER_SCRIPT), impl],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # A reader thread turns the child's stdout into a queue, so every read is bounded.
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._expect({"ok": True, "ready": True})

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")  # EOF

    def _next(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"peer gave no answer within {timeout} s") from None
        if not line:
            self.proc.wait(timeout=5)
            assert self.proc.stderr is not None
            raise AssertionError(f"peer exited: {self.proc.stderr.read()[-2000:]}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _expect(self, reply: dict[str, Any]) -> None:
        got = self._next(COMMAND_TIMEOUT)
        assert got == reply

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        """Run one command in the child; fail the test if it reports an error."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        reply = self._next(COMMAND_TIMEOUT)
        assert reply.pop("ok"), reply.get("error")
        return reply

    def stop(self) -> None:
        """Close stdin (the child then exits); kill it if it does not."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=5)
        finally:
            # The child is gone, so the reader sees EOF: join it before closing the pipe
            # it reads, or the close could race its last read.
            self._reader.join(timeout=5)
            for f in (self.proc.stdout, self.proc.stderr):
                if f is not None:
                    f.close()


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start peers with ``spawn(ns, impl)``; all are stopped at the end of the test."""
    peers: list[PeerProcess] = []

    def start(ns: str, impl: str) -> PeerProcess:
        if impl == "pyzmq":
            pytest.importorskip("zmq")
        peer = PeerProcess(ns, impl)
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()


def _msgs(prefix: str, start: int, stop: int) -> list[list[str]]:
    """Single-frame messages ``prefix-N`` as the peer protocol's hex frames."""
    return [[f"{prefix}-{n:04d}".encode().hex()] for n in range(start, stop)]


# (the connecting side in namespace a, the binding side in namespace b)
PAIRS = [
    pytest.param("purezmq", "purezmq", id="purezmq-purezmq"),
    pytest.param("purezmq", "pyzmq", id="purezmq-libzmq", marks=pytest.mark.interop),
    pytest.param("pyzmq", "purezmq", id="libzmq-purezmq", marks=pytest.mark.interop),
]


@pytest.mark.parametrize(("impl_a", "impl_b"), PAIRS)
def test_messages_cross_namespaces(netns: Netns, spawn: Any, impl_a: str, impl_b: str) -> None:
    """A DEALER in a sends 100 requests to a ROUTER in b, which echoes each back."""
    router = spawn(netns.b, impl_b)
    dealer = spawn(netns.a, impl_a)
    router.call("socket", type="ROUTER", opts={"LINGER": 0})
    endpoint = router.call("bind", addr=f"tcp://{netns.ip_b}:*")["endpoint"]
    assert endpoint.startswith(f"tcp://{netns.ip_b}:")
    dealer.call("socket", type="DEALER", opts={"LINGER": 0})
    dealer.call("connect", addr=endpoint)
    requests = _msgs("req", 0, 100)
    assert dealer.call("send", msgs=requests)["sent"] == 100
    assert router.call("echo", count=100, timeout_ms=8_000)["echoed"] == 100
    assert dealer.call("recv", count=100, timeout_ms=8_000)["msgs"] == requests
    router.call("close")
    dealer.call("close")


@pytest.mark.parametrize("side", ["a", "b"], ids=["down-at-connecter", "down-at-binder"])
@pytest.mark.parametrize(("impl_a", "impl_b"), PAIRS)
def test_partition_heals_without_loss(
    netns: Netns, spawn: Any, impl_a: str, impl_b: str, side: str
) -> None:
    """PUSH in a -> PULL in b; the link goes down and up again; nothing queued is lost.

    The partition is silent (no FIN, no RST reaches either side), so only heartbeats can
    tell the connection is dead. Messages sent after the PUSH reported DISCONNECTED are
    queued in its pipe (a connecting socket keeps its pipe across reconnects) and must
    arrive after the healing, in order, once each.
    """
    pull = spawn(netns.b, impl_b)
    push = spawn(netns.a, impl_a)
    pull.call("socket", type="PULL", opts={"LINGER": 0, **HEARTBEAT})
    endpoint = pull.call("bind", addr=f"tcp://{netns.ip_b}:*")["endpoint"]
    push.call("socket", type="PUSH", opts={"LINGER": 0, **HEARTBEAT, **RECONNECT})
    push.call("connect", addr=endpoint)
    before = _msgs("before", 0, 20)
    assert push.call("send", msgs=before)["sent"] == 20
    assert pull.call("recv", count=20, timeout_ms=5_000)["msgs"] == before
    connected = push.call("wait_event", event=purezmq.EVENT_CONNECTED, timeout_ms=0)
    assert connected["found"]
    seen = len(connected["events"])

    netns.link(up=False, side=side)
    down = push.call("wait_event", event=purezmq.EVENT_DISCONNECTED, timeout_ms=5_000, after=seen)
    assert down["found"], f"no DISCONNECTED after the partition; events {down['events']}"
    seen = len(down["events"])
    during = _msgs("during", 0, 50)
    assert push.call("send", msgs=during)["sent"] == 50  # queued: well below the HWM
    assert pull.call("recv", count=1, timeout_ms=300)["msgs"] == []  # still partitioned

    netns.link(up=True, side=side)
    up = push.call("wait_event", event=purezmq.EVENT_CONNECTED, timeout_ms=8_000, after=seen)
    assert up["found"], f"no reconnection after the healing; events {up['events']}"
    assert pull.call("recv", count=50, timeout_ms=8_000)["msgs"] == during
    after = _msgs("after", 0, 10)
    assert push.call("send", msgs=after)["sent"] == 10
    # Exactly the new messages next: nothing from before the partition comes twice.
    assert pull.call("recv", count=10, timeout_ms=5_000)["msgs"] == after
    push.call("close")
    pull.call("close")


@pytest.mark.parametrize(("impl_a", "impl_b"), PAIRS)
def test_partition_router_accepts_same_id_again(
    netns: Netns, spawn: Any, impl_a: str, impl_b: str
) -> None:
    """A DEALER with a fixed routing id is answered again after a partition heals.

    The ROUTER (no ROUTER_HANDOVER) must notice the dead connection by heartbeats and
    drop it, or it would refuse the reconnecting DEALER's id as a duplicate. Requests
    queued by the DEALER during the partition arrive under its id and are answered.
    """
    router = spawn(netns.b, impl_b)
    dealer = spawn(netns.a, impl_a)
    router.call("socket", type="ROUTER", opts={"LINGER": 0, **HEARTBEAT})
    endpoint = router.call("bind", addr=f"tcp://{netns.ip_b}:*")["endpoint"]
    opts = {"LINGER": 0, "ROUTING_ID": "dealer-a", **HEARTBEAT, **RECONNECT}
    dealer.call("socket", type="DEALER", opts=opts)
    dealer.call("connect", addr=endpoint)
    rid = b"dealer-a".hex()
    re_ = b"re:".hex()  # the ROUTER's replies are b"re:" + request

    def round_trip(requests: list[list[str]], timeout_ms: int) -> None:
        got = router.call("recv", count=len(requests), timeout_ms=timeout_ms)["msgs"]
        assert [m[1:] for m in got] == requests
        assert {m[0] for m in got} == {rid}
        assert router.call("send", msgs=[[m[0], re_ + m[1]] for m in got])["sent"] == len(got)
        replies = dealer.call("recv", count=len(requests), timeout_ms=5_000)["msgs"]
        assert replies == [[re_ + m[0]] for m in requests]

    first = _msgs("req", 0, 10)
    assert dealer.call("send", msgs=first)["sent"] == 10
    round_trip(first, 5_000)
    seen_a = len(dealer.call("wait_event", event=purezmq.EVENT_CONNECTED, timeout_ms=0)["events"])
    seen_b = len(router.call("wait_event", event=purezmq.EVENT_ACCEPTED, timeout_ms=0)["events"])

    netns.link(up=False)
    for peer, seen in ((dealer, seen_a), (router, seen_b)):
        down = peer.call(
            "wait_event", event=purezmq.EVENT_DISCONNECTED, timeout_ms=5_000, after=seen
        )
        assert down["found"], f"no DISCONNECTED after the partition; events {down['events']}"
    during = _msgs("req", 10, 30)
    assert dealer.call("send", msgs=during)["sent"] == 20

    netns.link(up=True)
    round_trip(during, 8_000)
