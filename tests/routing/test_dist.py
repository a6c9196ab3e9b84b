from __future__ import annotations

from purezmq.routing.dist import Dist
from purezmq.routing.pipe import Subscription

from .helpers import make_pipe


def test_send_to_all_skips_full_and_copies() -> None:
    d = Dist()
    a, b, c = make_pipe(out_hwm=1), make_pipe(), make_pipe()
    for p in (a, b, c):
        d.attach(p)
    a.out_q.append([b"old"])
    msg = [b"x", b"y"]
    d.send_to_all(msg)
    assert list(a.out_q) == [[b"old"]]  # full: lost for it
    assert b.out_q[0] == msg and c.out_q[0] == msg
    assert b.out_q[0] is msg
    assert c.out_q[0] is not msg  # each receiver owns its list


def test_send_to_subset_and_detach() -> None:
    d = Dist()
    a, b = make_pipe(), make_pipe()
    d.attach(a)
    d.attach(b)
    d.send_to([b], [b"m"])
    assert not a.out_q and list(b.out_q) == [[b"m"]]
    d.detach(a)
    d.detach(a)
    assert d.pipes == [b]


def test_write_all_ignores_hwm() -> None:
    d = Dist()
    a = make_pipe(out_hwm=1)
    a.out_q.append([b"full"])
    d.attach(a)
    d.write_all(Subscription(b"t"))
    assert list(a.out_q) == [[b"full"], Subscription(b"t")]


def test_can_write_all() -> None:
    a, b = make_pipe(out_hwm=1), make_pipe(out_hwm=0)
    assert Dist.can_write_all([a, b])
    a.out_q.append([b"x"])
    assert not Dist.can_write_all([a, b])
    assert Dist.can_write_all([b])
    assert Dist.can_write_all([])
    a.conflate = True
    assert Dist.can_write_all([a])
