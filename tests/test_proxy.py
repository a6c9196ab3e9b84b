"""proxy / proxy_steerable / device: every pairing end to end, steering, capture, shutdown.

Runs against purezmq; ``PUREZMQ_OURS=zmq`` runs the same expectations against libzmq.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.devices._api import DEADLINE_S, Api, Harness, load_api
from tests.sockets._ours import OURS_IS_PYZMQ, assert_nothing, better_than_libzmq

#: libzmq 4.3.5 swaps PAUSE and RESUME (fixed upstream after 4.3.5) and sends its empty
#: acknowledgement to every control socket type, not only REP; purezmq does what
#: zmq_proxy_steerable(3) documents.
STEERING_AS_DOCUMENTED = better_than_libzmq(
    "libzmq 4.3.5 inverts PAUSE/RESUME and acknowledges commands on any control socket"
)


@pytest.fixture
def api() -> Api:
    return load_api()


@pytest.fixture
def h(api: Api) -> Iterator[Harness]:
    harness = Harness(api)
    yield harness
    harness.close()


def _stats(frames: list[bytes]) -> list[int]:
    assert len(frames) == 8
    return [struct.unpack("=Q", f)[0] for f in frames]


def _queue(h: Harness, capture: Any = None) -> tuple[str, str, Any, Any]:
    """ROUTER frontend and DEALER backend on tcp, proxied; returns their endpoints."""
    m = h.mod
    front, back = h.raw_socket(m.ROUTER), h.raw_socket(m.DEALER)
    fe, be = h.bind(front), h.bind(back)
    return fe, be, front, back


# ---------------------------------------------------------------------------- pairings
def test_router_dealer_queue_routes_replies_to_each_client(h: Harness) -> None:
    m = h.mod
    fe, be, front, back = _queue(h)
    h.run(h.api.proxy, front, back)
    workers = [h.socket(m.REP) for _ in range(2)]
    for w in workers:
        w.connect(be)
    clients = [h.socket(m.REQ) for _ in range(3)]
    for c in clients:
        c.connect(fe)
    for i, c in enumerate(clients):
        c.send_multipart([b"req", str(i).encode()])
    served = 0
    poller = m.Poller()
    for w in workers:
        poller.register(w, m.POLLIN)
    while served < len(clients):
        ready = dict(poller.poll(DEADLINE_S * 1000))
        assert ready, "no request reached a worker"
        for w in ready:
            tag, n = w.recv_multipart()
            w.send_multipart([b"rep", n])
            served += 1
    for i, c in enumerate(clients):
        assert c.recv_multipart() == [b"rep", str(i).encode()]


def test_xsub_xpub_forwarder_carries_subscriptions_and_data(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.XSUB), h.raw_socket(m.XPUB)
    fe, be = h.bind(front), h.bind(back)
    h.run(h.api.proxy, front, back)
    # an XPUB publisher sees the subscription that travelled XPUB -> proxy -> XSUB
    pub = h.socket(m.XPUB)
    pub.connect(fe)
    sub = h.socket(m.SUB)
    sub.connect(be)
    sub.setsockopt(m.SUBSCRIBE, b"news")
    assert pub.recv_multipart() == [b"\x01news"]
    pub.send_multipart([b"sports", b"x"])
    pub.send_multipart([b"news", b"1"])
    assert sub.recv_multipart() == [b"news", b"1"]
    sub.setsockopt(m.UNSUBSCRIBE, b"news")
    assert pub.recv_multipart() == [b"\x00news"]


def test_xsub_xpub_forwarder_with_plain_pub_sub(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.XSUB), h.raw_socket(m.XPUB)
    fe, be = h.bind(front), h.bind(back)
    h.run(h.api.proxy, front, back)
    pub = h.socket(m.PUB)
    pub.connect(fe)
    sub = h.socket(m.SUB)
    sub.connect(be)
    sub.setsockopt(m.SUBSCRIBE, b"")
    # the subscription reaches the PUB asynchronously: publish until one arrives
    poller = m.Poller()
    poller.register(sub, m.POLLIN)
    for _ in range(int(DEADLINE_S * 100)):
        pub.send(b"probe")
        if poller.poll(10):
            break
    else:
        pytest.fail("subscription never reached the publisher")
    while sub.poll(0):
        sub.recv_multipart()
    pub.send_multipart([b"a", b"b"])
    assert sub.recv_multipart() == [b"a", b"b"]


def test_pull_push_streamer_keeps_order_and_frames(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    h.run(h.api.proxy, front, back)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    for i in range(200):
        push.send_multipart([b"n", str(i).encode(), b""])
    for i in range(200):
        assert pull.recv_multipart() == [b"n", str(i).encode(), b""]


def test_single_socket_echo_device(h: Harness) -> None:
    m = h.mod
    rep = h.raw_socket(m.REP)
    ep = h.bind(rep)
    h.run(h.api.proxy, rep, rep)
    req = h.socket(m.REQ)
    req.connect(ep)
    for payload in (b"hello", b"again"):
        req.send(payload)
        assert req.recv() == payload


def test_device_is_an_alias_of_proxy(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    h.run(h.api.device, m.STREAMER, front, back)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    push.send(b"x")
    assert pull.recv() == b"x"


# ---------------------------------------------------------------------------- capture
def test_capture_gets_both_directions(h: Harness) -> None:
    m = h.mod
    fe, be, front, back = _queue(h)
    capture = h.raw_socket(m.PUSH)
    ce = h.bind(capture)
    cap = h.socket(m.PULL)
    cap.connect(ce)
    h.run(h.api.proxy, front, back, capture)
    worker = h.socket(m.REP)
    worker.connect(be)
    client = h.socket(m.REQ, ROUTING_ID=b"c1")
    client.connect(fe)
    client.send(b"ping")
    assert worker.recv() == b"ping"
    worker.send(b"pong")
    assert client.recv() == b"pong"
    assert cap.recv_multipart() == [b"c1", b"", b"ping"]
    assert cap.recv_multipart() == [b"c1", b"", b"pong"]


def test_capture_without_peer_holds_the_message_until_it_can_go(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    capture = h.raw_socket(m.PUSH)  # a PUSH with no peer cannot take the copy yet
    ce = h.bind(capture)
    h.run(h.api.proxy, front, back, capture)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    push.send(b"first")
    assert_nothing(m, pull)  # libzmq copies to capture first, then forwards
    cap = h.socket(m.PULL)
    cap.connect(ce)
    assert cap.recv() == b"first"
    assert pull.recv() == b"first"
    push.send(b"second")
    assert pull.recv() == b"second"
    assert cap.recv() == b"second"


# ---------------------------------------------------------------------------- back-pressure
def test_full_push_side_applies_back_pressure_without_loss(h: Harness) -> None:
    m = h.mod
    opts = {"SNDHWM": 1, "RCVHWM": 1}
    front, back = h.raw_socket(m.PULL, **opts), h.raw_socket(m.PUSH, **opts)
    front.bind("inproc://bp-front")
    back.bind("inproc://bp-back")
    h.run(h.api.proxy, front, back)
    producer = h.socket(m.PUSH, **opts)
    producer.connect("inproc://bp-front")
    consumer = h.socket(m.PULL, **opts)
    consumer.connect("inproc://bp-back")
    # nobody reads the consumer: everything fills up and the producer must block
    sent = 0
    while True:
        try:
            producer.send(str(sent).encode(), m.NOBLOCK)
            sent += 1
        except m.Again:
            if not producer.poll(300, m.POLLOUT):
                break
        assert sent < 100, "the proxy kept reading although its backend was full"
    for i in range(sent):
        assert consumer.recv() == str(i).encode()
    producer.send(b"after")
    assert consumer.recv() == b"after"


# ---------------------------------------------------------------------------- shutdown
def test_term_from_another_thread_stops_proxy_with_eterm(h: Harness) -> None:
    m = h.mod
    fe, be, front, back = _queue(h)
    running = h.run(h.api.proxy, front, back)
    client, worker = h.socket(m.REQ), h.socket(m.REP)
    client.connect(fe)
    worker.connect(be)
    client.send(b"one")
    assert worker.recv() == b"one"
    worker.send(b"done")
    assert client.recv() == b"done"
    client.send(b"unanswered")  # the proxy is idle, waiting, when the context goes
    assert worker.recv() == b"unanswered"
    for s in h.sockets:
        s.close(0)
    h.sockets.clear()
    h.term()
    result = running.join()
    assert isinstance(result, m.ContextTerminated)
    assert result.errno == m.ETERM


def test_steerable_without_control_behaves_like_proxy(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    running = h.run(h.api.proxy_steerable, front, back)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    push.send(b"x")
    assert pull.recv() == b"x"
    for s in h.sockets:
        s.close(0)
    h.sockets.clear()
    h.term()
    assert isinstance(running.join(), m.ContextTerminated)


def test_send_error_ends_the_proxy(h: Harness) -> None:
    m = h.mod
    front = h.raw_socket(m.ROUTER, ROUTER_MANDATORY=1)
    back = h.raw_socket(m.DEALER)
    fe, be = h.bind(front), h.bind(back)
    running = h.run(h.api.proxy, front, back)
    client, worker = h.socket(m.REQ), h.socket(m.DEALER)
    client.connect(fe)
    worker.connect(be)
    client.send(b"request")  # a connected client gives the ROUTER its POLLOUT
    assert worker.recv_multipart()[-1] == b"request"
    worker.send_multipart([b"no-such-client", b"", b"reply"])
    result = running.join()
    h.running.remove(running)
    assert isinstance(result, m.ZMQError)
    assert result.errno == m.EHOSTUNREACH


@pytest.mark.skipif(OURS_IS_PYZMQ, reason="closing a socket under zmq_proxy is undefined in libzmq")
def test_socket_closed_under_a_running_proxy_ends_it_with_enotsock(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    h.bind(front)
    h.bind(back)
    running = h.run(h.api.proxy, front, back)
    back.close(0)
    result = running.join()
    h.running.remove(running)
    assert isinstance(result, m.ZMQError)
    assert result.errno == m.ENOTSOCK


def test_closed_frontend_is_refused(h: Harness) -> None:
    m = h.mod
    a, b = h.socket(m.PULL), h.socket(m.PUSH)
    a.close()
    with pytest.raises(m.ZMQError) as info:
        h.api.proxy(a, b)
    assert info.value.errno == m.EFAULT


def test_non_socket_is_a_type_error(h: Harness) -> None:
    m = h.mod
    b = h.socket(m.PUSH)
    with pytest.raises(TypeError):
        h.api.proxy("not a socket", b)


# ---------------------------------------------------------------------------- steering
def _steerable(h: Harness, ctrl_type: int) -> tuple[str, str, Any, Any]:
    """PULL/PUSH proxy_steerable with a capture PULL and a control socket."""
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    control = h.raw_socket(ctrl_type)
    ctl_ep = h.bind(control)
    ctl = h.socket(m.REQ if ctrl_type == m.REP else m.PAIR)
    ctl.connect(ctl_ep)
    running = h.run(h.api.proxy_steerable, front, back, None, control)
    return fe, be, ctl, running


def test_statistics_counts_every_frame_and_byte(h: Harness) -> None:
    m = h.mod
    fe, be, front, back = _queue(h)
    control = h.raw_socket(m.PAIR)
    ctl_ep = h.bind(control)
    ctl = h.socket(m.PAIR)
    ctl.connect(ctl_ep)
    h.run(h.api.proxy_steerable, front, back, None, control)
    worker = h.socket(m.REP)
    worker.connect(be)
    client = h.socket(m.REQ, ROUTING_ID=b"c1")
    client.connect(fe)
    ctl.send(b"STATISTICS")
    assert _stats(ctl.recv_multipart()) == [0] * 8
    client.send(b"hello")  # the ROUTER reads [c1, "", hello]: 3 frames, 7 bytes
    assert worker.recv() == b"hello"
    worker.send(b"world!")  # the DEALER reads [c1, "", world!]: 3 frames, 8 bytes
    assert client.recv() == b"world!"
    ctl.send(b"STATISTICS")
    assert _stats(ctl.recv_multipart()) == [3, 7, 3, 8, 3, 8, 3, 7]


@STEERING_AS_DOCUMENTED
def test_pause_resume_terminate_with_rep_control(h: Harness) -> None:
    m = h.mod
    fe, be, ctl, running = _steerable(h, m.REP)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    push.send(b"1")
    assert pull.recv() == b"1"
    ctl.send(b"PAUSE")
    assert ctl.recv_multipart() == [b""]
    push.send(b"2")
    assert_nothing(m, pull)
    ctl.send(b"NONSENSE")  # unknown commands change nothing; REP still gets its reply
    assert ctl.recv_multipart() == [b""]
    ctl.send(b"RESUME")
    assert ctl.recv_multipart() == [b""]
    assert pull.recv() == b"2"
    ctl.send(b"STATISTICS")
    assert _stats(ctl.recv_multipart()) == [2, 2, 0, 0, 0, 0, 2, 2]
    ctl.send(b"TERMINATE")
    assert ctl.recv_multipart() == [b""]
    assert running.join() == 0


@STEERING_AS_DOCUMENTED
def test_pair_control_gets_no_reply_but_commands_apply_in_order(h: Harness) -> None:
    m = h.mod
    fe, be, ctl, running = _steerable(h, m.PAIR)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    ctl.send(b"PAUSE")
    ctl.send(b"STATISTICS")  # its reply proves PAUSE was applied (commands are in order)
    assert _stats(ctl.recv_multipart()) == [0] * 8
    push.send(b"held")
    assert_nothing(m, pull)
    ctl.send(b"RESUME")
    assert pull.recv() == b"held"
    ctl.send(b"TERMINATE")
    assert running.join() == 0
    assert_nothing(m, ctl, 50)


def test_terminate_while_paused_and_capture_copies(h: Harness) -> None:
    m = h.mod
    front, back = h.raw_socket(m.PULL), h.raw_socket(m.PUSH)
    fe, be = h.bind(front), h.bind(back)
    capture = h.raw_socket(m.PUSH)
    cap_ep = h.bind(capture)
    control = h.raw_socket(m.REP)
    ctl_ep = h.bind(control)
    cap, ctl = h.socket(m.PULL), h.socket(m.REQ)
    cap.connect(cap_ep)
    ctl.connect(ctl_ep)
    running = h.run(h.api.proxy_steerable, front, back, capture, control)
    push, pull = h.socket(m.PUSH), h.socket(m.PULL)
    push.connect(fe)
    pull.connect(be)
    push.send_multipart([b"a", b"bc"])
    assert pull.recv_multipart() == [b"a", b"bc"]
    assert cap.recv_multipart() == [b"a", b"bc"]
    ctl.send(b"PAUSE")
    assert ctl.recv() == b""
    ctl.send(b"TERMINATE")
    assert ctl.recv() == b""
    assert running.join() == 0
    # control commands are not captured
    assert_nothing(m, cap, 100)


@STEERING_AS_DOCUMENTED
def test_steerable_stops_on_term_too(h: Harness) -> None:
    m = h.mod
    fe, be, ctl, running = _steerable(h, m.PAIR)
    ctl.send(b"PAUSE")
    ctl.send(b"STATISTICS")
    assert len(ctl.recv_multipart()) == 8
    for s in h.sockets:
        s.close(0)
    h.sockets.clear()
    h.term()
    assert isinstance(running.join(), m.ContextTerminated)


# ---------------------------------------------------------------------------- interop
@pytest.mark.interop
@pytest.mark.skipif(OURS_IS_PYZMQ, reason="libzmq on both ends of a libzmq proxy proves nothing")
def test_libzmq_clients_through_our_proxy_over_tcp(h: Harness) -> None:
    import zmq  # pyzmq: libzmq on both client sides

    fe, be, front, back = _queue(h)
    running = h.run(h.api.proxy, front, back)
    zctx = zmq.Context()
    try:
        worker = zctx.socket(zmq.REP)
        client = zctx.socket(zmq.REQ)
        for s in (worker, client):
            s.linger = 0
            s.rcvtimeo = s.sndtimeo = 5000
        worker.connect(be)
        client.connect(fe)
        results: list[bytes] = []

        def serve() -> None:
            for _ in range(3):
                results.append(worker.recv())
                worker.send(b"re:" + results[-1])

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        for payload in (b"a", b"bb", b"x" * 70000):
            client.send(payload)
            assert client.recv() == b"re:" + payload
        t.join(DEADLINE_S)
        assert results == [b"a", b"bb", b"x" * 70000]
        # and a libzmq SUB subscribing through our XSUB/XPUB to a libzmq XPUB publisher
        m = h.mod
        xsub, xpub = h.raw_socket(m.XSUB), h.raw_socket(m.XPUB)
        xe, pe = h.bind(xsub), h.bind(xpub)
        h.run(h.api.proxy, xsub, xpub)
        zpub = zctx.socket(zmq.XPUB)
        zsub = zctx.socket(zmq.SUB)
        for s in (zpub, zsub):
            s.linger = 0
            s.rcvtimeo = 5000
        zpub.connect(xe)
        zsub.connect(pe)
        zsub.subscribe(b"t")
        assert zpub.recv() == b"\x01t"
        zpub.send_multipart([b"t", b"payload"])
        assert zsub.recv_multipart() == [b"t", b"payload"]
    finally:
        zctx.destroy(0)
    assert running.thread.is_alive()
