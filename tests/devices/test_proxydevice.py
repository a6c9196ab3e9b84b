"""Proxy and ProxySteerable devices (thread, process, foreground)."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from tests.devices._api import DEADLINE_S, Harness
from tests.devices.test_basedevice import FORK_WARNING, _use_context


def _stats(frames: list[bytes]) -> list[int]:
    assert len(frames) == 8
    return [struct.unpack("=Q", f)[0] for f in frames]


def _ports(dev: Any, *kinds: str) -> list[int]:
    return [getattr(dev, f"bind_{k}_to_random_port")("tcp://127.0.0.1") for k in kinds]


def test_thread_proxy_copies_to_monitor(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadProxy(m.PULL, m.PUSH, m.PUSH), h)
    fport, bport, mport = _ports(dev, "in", "out", "mon")
    dev.setsockopt_mon(m.SNDHWM, 10)
    dev.start()
    push, pull, mon = h.socket(m.PUSH), h.socket(m.PULL), h.socket(m.PULL)
    push.connect(f"tcp://127.0.0.1:{fport}")
    pull.connect(f"tcp://127.0.0.1:{bport}")
    mon.connect(f"tcp://127.0.0.1:{mport}")
    push.send_multipart([b"hello", b"there"])
    assert pull.recv_multipart() == [b"hello", b"there"]
    assert mon.recv_multipart() == [b"hello", b"there"]
    h.close()
    dev.join(DEADLINE_S)
    assert dev.done is True


def test_proxy_connects_its_monitor(h: Harness) -> None:
    m = h.mod
    mon = h.socket(m.PULL)
    mon_ep = h.bind(mon)
    dev = _use_context(h.api.devices.Proxy(m.PULL, m.PUSH, m.PUSH), h)
    fport, bport = _ports(dev, "in", "out")
    dev.connect_mon(mon_ep)
    running = h.run(dev.start)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(f"tcp://127.0.0.1:{fport}")
    pull.connect(f"tcp://127.0.0.1:{bport}")
    push.send(b"x")
    assert pull.recv() == b"x"
    assert mon.recv() == b"x"
    h.close()
    assert running.join() is None


def test_thread_proxy_steerable_statistics_then_terminate(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadProxySteerable(m.PULL, m.PUSH, m.PUSH, m.PAIR), h)
    fport, bport, mport, cport = _ports(dev, "in", "out", "mon", "ctrl")
    dev.start()
    push, pull, mon, ctrl = (h.socket(t) for t in (m.PUSH, m.PULL, m.PULL, m.PAIR))
    push.connect(f"tcp://127.0.0.1:{fport}")
    pull.connect(f"tcp://127.0.0.1:{bport}")
    mon.connect(f"tcp://127.0.0.1:{mport}")
    ctrl.connect(f"tcp://127.0.0.1:{cport}")
    push.send(b"hello")
    push.send_multipart([b"ab", b"c"])
    assert pull.recv() == b"hello"
    assert pull.recv_multipart() == [b"ab", b"c"]
    assert mon.recv() == b"hello"
    ctrl.send(b"STATISTICS")
    assert _stats(ctrl.recv_multipart()) == [3, 8, 0, 0, 0, 0, 3, 8]
    ctrl.send(b"TERMINATE")
    dev.join(DEADLINE_S)
    assert not dev.launcher.is_alive()
    assert dev.done is True


def test_rep_controlled_steerable_acknowledges(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadProxySteerable(m.PULL, m.PUSH, m.PUB, m.REP), h)
    (cport,) = _ports(dev, "ctrl")
    dev.bind_in("inproc://steer-in")
    dev.bind_out("inproc://steer-out")
    dev.setsockopt_ctrl(m.LINGER, 0)
    dev.start()
    ctrl = h.socket(m.REQ)
    ctrl.connect(f"tcp://127.0.0.1:{cport}")
    ctrl.send(b"STATISTICS")
    assert _stats(ctrl.recv_multipart()) == [0] * 8
    ctrl.send(b"TERMINATE")
    assert ctrl.recv() == b""
    dev.join(DEADLINE_S)
    assert dev.done is True


def test_steerable_methods_exist(h: Harness) -> None:
    m = h.mod
    dev = h.api.devices.ProxySteerable(m.ROUTER, m.DEALER, m.PUB, m.PAIR)
    assert dev.ctrl_type == m.PAIR
    assert dev.mon_type == m.PUB
    dev.connect_ctrl("inproc://nowhere")
    dev.bind_ctrl("inproc://somewhere")
    dev.setsockopt_ctrl(m.LINGER, 0)
    dev.bind_mon("inproc://mon")
    assert dev.bind_ctrl_to_random_port("tcp://127.0.0.1") > 0
    assert dev.bind_mon_to_random_port("tcp://127.0.0.1") > 0


@FORK_WARNING
def test_process_proxy_steerable_terminates_cleanly(h: Harness) -> None:
    m = h.mod
    dev = h.api.devices.ProcessProxySteerable(m.PULL, m.PUSH, m.PUSH, m.PAIR)
    fport, bport, mport, cport = _ports(dev, "in", "out", "mon", "ctrl")
    dev.start()
    try:
        push, pull, mon, ctrl = (h.socket(t) for t in (m.PUSH, m.PULL, m.PULL, m.PAIR))
        push.connect(f"tcp://127.0.0.1:{fport}")
        pull.connect(f"tcp://127.0.0.1:{bport}")
        mon.connect(f"tcp://127.0.0.1:{mport}")
        ctrl.connect(f"tcp://127.0.0.1:{cport}")
        push.send(b"across")
        assert pull.recv() == b"across"
        assert mon.recv() == b"across"
        ctrl.send(b"STATISTICS")
        assert _stats(ctrl.recv_multipart()) == [1, 6, 0, 0, 0, 0, 1, 6]
        ctrl.send(b"TERMINATE")
        dev.join(DEADLINE_S)
        assert dev.launcher.exitcode == 0
    finally:
        if dev.launcher.is_alive():
            dev.launcher.terminate()
            dev.join(DEADLINE_S)
            pytest.fail("the process device did not stop on TERMINATE")
