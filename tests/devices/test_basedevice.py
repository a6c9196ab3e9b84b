"""Device, ThreadDevice, ProcessDevice: configuration replay, running, stopping."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from tests.devices._api import DEADLINE_S, Api, Harness
from tests.sockets._ours import OURS_IS_PYZMQ

#: Forking a process that runs threads (every test has a context with an I/O thread)
#: is what ProcessDevice does; Python 3.12+ warns about it.
FORK_WARNING = pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")


def _use_context(dev: Any, h: Harness) -> Any:
    """Make ``dev`` create its sockets in the harness context (terminated at teardown)."""
    dev.context_factory = lambda: h.ctx
    return dev


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_attributes_and_defaults(api: Api) -> None:
    m, devices = api.mod, api.devices
    for kind in (m.STREAMER, m.FORWARDER, m.QUEUE):
        dev = devices.Device(kind, m.PAIR, m.PAIR)
        assert dev.device_type == kind
    dev = devices.Device(m.QUEUE, m.SUB, m.PUB)
    assert (dev.in_type, dev.out_type) == (m.SUB, m.PUB)
    assert dev.daemon is True
    assert dev.done is False
    assert devices.Device.context_factory == m.Context.instance
    assert devices.ThreadDevice.context_factory == m.Context.instance
    # a forked child must never use the parent's shared context
    assert devices.ProcessDevice.context_factory is m.Context


def test_socket_types_are_required(api: Api) -> None:
    m = api.mod
    with pytest.raises(TypeError):
        api.devices.Device(m.QUEUE, m.PULL)
    with pytest.raises(TypeError):
        api.devices.Device(m.QUEUE, out_type=m.PUSH)


def test_thread_device_router_dealer_on_random_ports(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.ThreadDevice(m.QUEUE, m.ROUTER, m.DEALER), h)
    fport = dev.bind_in_to_random_port("tcp://127.0.0.1")
    bport = dev.bind_out_to_random_port("tcp://127.0.0.1")
    assert fport != bport
    dev.start()
    assert dev.launcher.daemon is True
    client, worker = h.socket(m.REQ), h.socket(m.REP)
    client.connect(f"tcp://127.0.0.1:{fport}")
    worker.connect(f"tcp://127.0.0.1:{bport}")
    client.send_multipart([b"a", b"b"])
    assert worker.recv_multipart() == [b"a", b"b"]
    worker.send(b"ok")
    assert client.recv() == b"ok"
    h.close()
    dev.join(DEADLINE_S)
    assert not dev.launcher.is_alive()
    assert dev.done is True


def test_options_are_set_before_connect(h: Harness) -> None:
    m = h.mod
    router, peer = h.socket(m.ROUTER), h.socket(m.DEALER)
    router_ep, peer_ep = h.bind(router), h.bind(peer)
    dev = _use_context(h.api.devices.ThreadDevice(m.QUEUE, m.DEALER, m.DEALER), h)
    dev.setsockopt_in(m.ROUTING_ID, b"the-device")
    dev.connect_in(router_ep)
    dev.connect_out(peer_ep)
    dev.daemon = False
    dev.start()
    assert dev.launcher.daemon is False
    peer.send_multipart([b"", b"hi"])
    # the ROUTER knows the device's frontend by the ROUTING_ID set before it connected
    assert router.recv_multipart() == [b"the-device", b"", b"hi"]
    router.send_multipart([b"the-device", b"", b"back"])
    assert peer.recv_multipart() == [b"", b"back"]


def test_single_socket_device_echoes(h: Harness) -> None:
    m = h.mod
    req = h.socket(m.REQ)
    ep = h.bind(req)
    dev = _use_context(h.api.devices.ThreadDevice(m.QUEUE, m.REP, -1), h)
    dev.connect_in(ep)
    dev.start()
    for payload in (b"hello", b"hello again"):
        req.send(payload)
        assert req.recv() == payload


def test_foreground_device_returns_quietly_on_term(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.Device(m.QUEUE, m.PULL, m.PUSH), h)
    port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.bind_out("inproc://foreground-out")
    running = h.run(dev.start)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(f"tcp://127.0.0.1:{port}")
    pull.connect("inproc://foreground-out")
    push.send(b"x")
    assert pull.recv() == b"x"
    h.close()
    assert running.join() is None  # ETERM is the normal end of a device: not raised
    assert dev.done is True
    dev.join(0)  # already done: returns at once


def test_setup_error_is_raised_and_sockets_are_closed(h: Harness) -> None:
    m = h.mod
    dev = _use_context(h.api.devices.Device(m.QUEUE, m.PULL, m.PUSH), h)
    dev.bind_out("bogus://nowhere")
    with pytest.raises(m.ZMQError):
        dev.run()
    assert dev.done is True
    h.term()  # would hang if the device had left a socket open


def test_random_port_reservations_are_distinct_and_in_range(api: Api) -> None:
    m = api.mod
    dev = api.devices.ThreadDevice(m.QUEUE, m.PULL, m.PUSH)
    ports = [dev.bind_in_to_random_port("tcp://127.0.0.1") for _ in range(3)]
    ports.append(dev.bind_out_to_random_port("tcp://127.0.0.1"))
    assert len(set(ports)) == 4
    assert all(0 < p < 65536 for p in ports)


def test_random_port_range_exhausted_raises_bind_error(api: Api) -> None:
    m = api.mod
    port = _free_port()
    dev = api.devices.ThreadDevice(m.QUEUE, m.PULL, m.PUSH)
    got = dev.bind_in_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1)
    assert got == port
    # the only port of the range is reserved already
    with pytest.raises(m.ZMQBindError):
        dev.bind_out_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1)


def test_join_before_start_does_not_block(api: Api) -> None:
    m = api.mod
    dev = api.devices.ThreadDevice(m.QUEUE, m.PULL, m.PUSH)
    if OURS_IS_PYZMQ:
        pytest.skip("pyzmq raises AttributeError (no launcher yet)")
    dev.join(0.01)


@FORK_WARNING
def test_process_device_streams_between_processes(h: Harness) -> None:
    m = h.mod
    dev = h.api.devices.ProcessDevice(m.STREAMER, m.PULL, m.PUSH)
    fport = dev.bind_in_to_random_port("tcp://127.0.0.1")
    bport = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.start()
    try:
        push, pull = h.socket(m.PUSH), h.socket(m.PULL)
        push.connect(f"tcp://127.0.0.1:{fport}")
        pull.connect(f"tcp://127.0.0.1:{bport}")
        for i in range(10):
            push.send_multipart([b"msg", str(i).encode()])
        for i in range(10):
            assert pull.recv_multipart() == [b"msg", str(i).encode()]
        assert dev.done is False  # the flag lives in the child process
    finally:
        dev.launcher.terminate()
        dev.join(DEADLINE_S)
    assert not dev.launcher.is_alive()


def test_device_can_be_run_by_any_thread(h: Harness) -> None:
    # a plain Device's run() is what ThreadDevice's thread calls
    m = h.mod
    dev = _use_context(h.api.devices.Device(m.QUEUE, m.PAIR, m.PAIR), h)
    dev.bind_in("inproc://dev-any-a")
    dev.bind_out("inproc://dev-any-b")
    t = threading.Thread(target=dev.run, daemon=True)
    t.start()
    a, b = h.socket(m.PAIR), h.socket(m.PAIR)
    a.connect("inproc://dev-any-a")
    b.connect("inproc://dev-any-b")
    a.send(b"x")
    assert b.recv() == b"x"
    b.send(b"y")
    assert a.recv() == b"y"
    h.close()
    t.join(DEADLINE_S)
    assert not t.is_alive()
