"""monitored_queue and the MonitoredQueue devices: tagged copies, ROUTER-ROUTER."""

from __future__ import annotations

from typing import Any

import pytest

from tests.devices._api import DEADLINE_S, Harness
from tests.devices.test_basedevice import FORK_WARNING, _use_context


def _queue(h: Harness, in_type: int, out_type: int, **prefixes: bytes) -> tuple[Any, ...]:
    """monitored_queue over tcp with a PUSH monitor; returns (in_ep, out_ep, mon)."""
    m = h.mod
    ins, outs, mons = h.raw_socket(in_type), h.raw_socket(out_type), h.raw_socket(m.PUSH)
    in_ep, out_ep, mon_ep = h.bind(ins), h.bind(outs), h.bind(mons)
    mon = h.socket(m.PULL)
    mon.connect(mon_ep)
    h.run(h.api.devices.monitored_queue, ins, outs, mons, *prefixes.values())
    return in_ep, out_ep, mon


def test_messages_flow_both_ways_with_tagged_copies(h: Harness) -> None:
    m = h.mod
    in_ep, out_ep, mon = _queue(h, m.PAIR, m.PAIR)
    alice, bob = h.socket(m.PAIR), h.socket(m.PAIR)
    alice.connect(in_ep)
    bob.connect(out_ep)
    alice.send_multipart([b"hello", b"bob"])
    assert bob.recv_multipart() == [b"hello", b"bob"]
    bob.send_multipart([b"hello", b"alice"])
    assert alice.recv_multipart() == [b"hello", b"alice"]
    assert mon.recv_multipart() == [b"in", b"hello", b"bob"]
    assert mon.recv_multipart() == [b"out", b"hello", b"alice"]


def test_custom_prefixes(h: Harness) -> None:
    m = h.mod
    in_ep, out_ep, mon = _queue(h, m.PULL, m.PUSH, in_prefix=b"foo", out_prefix=b"bar")
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(in_ep)
    pull.connect(out_ep)
    for i in range(3):
        push.send(str(i).encode())
    for i in range(3):
        assert pull.recv() == str(i).encode()
        assert mon.recv_multipart() == [b"foo", str(i).encode()]


def test_router_router_swaps_routing_ids(h: Harness) -> None:
    m = h.mod
    in_ep, out_ep, mon = _queue(h, m.ROUTER, m.ROUTER)
    a = h.socket(m.DEALER, ROUTING_ID=b"a")
    b = h.socket(m.DEALER, ROUTING_ID=b"b")
    a.connect(in_ep)
    b.connect(out_ep)
    # b must be known to the out ROUTER before a can address it: b speaks first (to
    # nobody: the in ROUTER drops it, but the copy shows the swapped ids)
    b.send_multipart([b"nobody", b"hi"])
    assert mon.recv_multipart() == [b"out", b"nobody", b"b", b"hi"]
    a.send_multipart([b"b", b"hello", b"there"])
    assert b.recv_multipart() == [b"a", b"hello", b"there"]
    assert mon.recv_multipart() == [b"in", b"b", b"a", b"hello", b"there"]
    b.send_multipart([b"a", b"reply"])
    assert a.recv_multipart() == [b"b", b"reply"]


def test_prefixes_must_be_bytes(h: Harness) -> None:
    m = h.mod
    ins, outs, mons = h.socket(m.PAIR), h.socket(m.PAIR), h.socket(m.PUB)
    with pytest.raises(TypeError):
        h.api.devices.monitored_queue(ins, outs, mons, "in", b"out")
    with pytest.raises(TypeError):
        h.api.devices.monitored_queue(ins, outs, mons, b"in", "out")


def test_monitoredqueue_is_the_submodule(h: Harness) -> None:
    # pyzmq's own test calls devices.monitoredqueue(...) and expects a TypeError: the
    # name is the submodule, not the function
    with pytest.raises(TypeError):
        h.api.devices.monitoredqueue("in", "out", None)


def test_thread_monitored_queue_with_pub_monitor(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadMonitoredQueue(m.PAIR, m.PAIR, m.PUB, b"IN", b"OUT"), h)
    alice, bob, sub = h.socket(m.PAIR), h.socket(m.PAIR), h.socket(m.SUB)
    sub.setsockopt(m.SUBSCRIBE, b"")
    for sock, kind in ((alice, "in"), (bob, "out"), (sub, "mon")):
        getattr(dev, f"connect_{kind}")(h.bind(sock))
    dev.start()
    # the monitor is a PUB: probe until the SUB is known to it, then drain the probes
    for _ in range(int(DEADLINE_S * 100)):
        alice.send(b"probe")
        assert bob.recv() == b"probe"
        if sub.poll(10):
            break
    else:
        pytest.fail("the monitor never delivered")
    while sub.poll(50):
        assert sub.recv_multipart() == [b"IN", b"probe"]
    bob.send_multipart([b"from", b"bob"])
    assert alice.recv_multipart() == [b"from", b"bob"]
    assert sub.recv_multipart() == [b"OUT", b"from", b"bob"]
    h.close()
    dev.join(DEADLINE_S)
    assert dev.done is True


def test_default_arguments_and_term(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadMonitoredQueue(m.ROUTER, m.DEALER, m.PUB), h)
    assert dev.mon_type == m.PUB
    dev.setsockopt_in(m.LINGER, 0)
    dev.start()
    h.close()
    dev.join(DEADLINE_S)
    assert not dev.launcher.is_alive()


def test_foreground_monitored_queue(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.MonitoredQueue(m.PULL, m.PUSH, m.PUSH), h)
    fport = dev.bind_in_to_random_port("tcp://127.0.0.1")
    bport = dev.bind_out_to_random_port("tcp://127.0.0.1")
    mport = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    running = h.run(dev.start)
    push, pull, mon = h.socket(m.PUSH), h.socket(m.PULL), h.socket(m.PULL)
    push.connect(f"tcp://127.0.0.1:{fport}")
    pull.connect(f"tcp://127.0.0.1:{bport}")
    mon.connect(f"tcp://127.0.0.1:{mport}")
    push.send(b"x")
    assert pull.recv() == b"x"
    assert mon.recv_multipart() == [b"in", b"x"]
    h.close()
    assert running.join() is None


@FORK_WARNING
def test_process_monitored_queue(h: Harness) -> None:
    m = h.mod
    dev = h.api.devices.ProcessMonitoredQueue(m.PULL, m.PUSH, m.PUSH, b"i", b"o")
    fport = dev.bind_in_to_random_port("tcp://127.0.0.1")
    bport = dev.bind_out_to_random_port("tcp://127.0.0.1")
    mport = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    dev.start()
    try:
        push, pull, mon = h.socket(m.PUSH), h.socket(m.PULL), h.socket(m.PULL)
        push.connect(f"tcp://127.0.0.1:{fport}")
        pull.connect(f"tcp://127.0.0.1:{bport}")
        mon.connect(f"tcp://127.0.0.1:{mport}")
        push.send(b"x")
        assert pull.recv() == b"x"
        assert mon.recv_multipart() == [b"i", b"x"]
    finally:
        dev.launcher.terminate()
        dev.join(DEADLINE_S)
    assert not dev.launcher.is_alive()
