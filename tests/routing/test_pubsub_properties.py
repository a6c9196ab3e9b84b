"""Property tests across SUB -> PUB and pipes -> XPUB (trie, mtrie, dist and fq together)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.constants import SocketOption, SocketType
from purezmq.routing import make_routing

from .helpers import inproc_pair, make_pipe

topic = st.sampled_from([b"", b"a", b"ab", b"b"])
data = st.sampled_from([b"", b"a", b"ab", b"abc", b"b", b"ba", b"c"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("sub"), topic),
            st.tuples(st.just("unsub"), topic),
            st.tuples(st.just("pub"), data),
        ),
        max_size=40,
    )
)
def test_sub_gets_exactly_what_it_subscribed_to(ops: list[tuple[str, bytes]]) -> None:
    pub, sub = make_routing(SocketType.PUB), make_routing(SocketType.SUB)
    p_pub, p_sub = inproc_pair()
    pub.attach(p_pub)
    sub.attach(p_sub)
    counts: dict[bytes, int] = {}
    for op, arg in ops:
        if op == "sub":
            sub.setsockopt(SocketOption.SUBSCRIBE, arg)
            counts[arg] = counts.get(arg, 0) + 1
        elif op == "unsub":
            sub.setsockopt(SocketOption.UNSUBSCRIBE, arg)
            if counts.get(arg, 0) > 1:
                counts[arg] -= 1
            else:
                counts.pop(arg, None)
        else:
            pub.send([arg, b"body"])
            got = sub.recv()
            if any(arg.startswith(t) for t in counts):
                assert got == [arg, b"body"]
            else:
                assert got is None
    assert sub.recv() is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.booleans(), topic), max_size=40))
def test_xpub_reports_first_subscribe_and_last_unsubscribe(
    ops: list[tuple[int, bool, bytes]],
) -> None:
    xpub = make_routing(SocketType.XPUB)
    pipes = [make_pipe() for _ in range(3)]
    for p in pipes:
        xpub.attach(p)
    held: list[set[bytes]] = [set(), set(), set()]
    for pi, subscribe, t in ops:
        # each pipe behaves like a SUB: it cancels only what it holds
        if not subscribe and t not in held[pi]:
            continue
        before = any(t in h for h in held)
        if subscribe:
            held[pi].add(t)
        else:
            held[pi].discard(t)
        after = any(t in h for h in held)
        pipes[pi].in_q.append([(b"\x01" if subscribe else b"\x00") + t])
        got = xpub.recv()
        if before != after:
            assert got == [(b"\x01" if after else b"\x00") + t]
        else:
            assert got is None
    # disconnect everyone: the remaining topics are reported once each
    for p in pipes:
        xpub.detach(p)
    reported = []
    while (m := xpub.recv()) is not None:
        reported.append(m[0])
    assert sorted(reported) == sorted(b"\x00" + t for t in set().union(*held))
