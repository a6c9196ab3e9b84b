from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.routing import trie as trie_mod
from purezmq.routing.trie import MTrie, RmResult, Trie

from .helpers import make_pipe


def test_counted_subscriptions() -> None:
    t = Trie()
    assert t.add(b"A") is True
    assert t.add(b"A") is False
    assert t.count(b"A") == 2
    assert t.rm(b"A") is False  # one left: subscribe twice needs two cancels
    assert t.check(b"A-msg")
    assert t.rm(b"A") is True
    assert not t.check(b"A-msg")
    assert t.rm(b"A") is False  # not held
    assert len(t) == 0


def test_empty_topic_matches_all() -> None:
    t = Trie()
    assert not t.check(b"")
    assert not t.check(b"anything")
    t.add(b"")
    assert t.check(b"") and t.check(b"anything")


def test_prefix_match_binary() -> None:
    t = Trie()
    t.add(b"\x00\xff")
    t.add(b"topic")
    assert t.check(b"\x00\xff\x01")
    assert t.check(b"topic")
    assert t.check(b"topical")
    assert not t.check(b"topi")
    assert not t.check(b"\x00")
    assert b"topic" in t and b"top" not in t


def test_trie_order() -> None:
    t = Trie()
    for topic in (b"topic", b"b", b"", b"a", b"ab", b"\xff", b"topi"):
        t.add(topic)
    # a prefix before its extensions, siblings by byte value (libzmq resends "" first)
    assert list(t) == [b"", b"a", b"ab", b"b", b"topi", b"topic", b"\xff"]


def test_many_topics_use_length_buckets() -> None:
    t = Trie()
    n = trie_mod.STARTSWITH_MAX_TOPICS + 10
    for i in range(n):
        t.add(b"t%03d" % i)
    assert t.check(b"t005-data")
    assert not t.check(b"t9")
    assert not t.check(b"x")
    t.add(b"x")
    assert t.check(b"xyz")
    t.clear()
    assert not t.check(b"xyz") and len(t) == 0


small_topic = st.lists(st.sampled_from([b"a", b"b", b"\x00"]), max_size=3).map(b"".join)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), small_topic), max_size=60),
    st.lists(small_topic, max_size=10),
)
def test_trie_matches_naive_model(ops: list[tuple[bool, bytes]], probes: list[bytes]) -> None:
    t = Trie()
    model: dict[bytes, int] = {}
    for add, topic in ops:
        if add:
            new = t.add(topic)
            assert new == (model.get(topic, 0) == 0)
            model[topic] = model.get(topic, 0) + 1
        else:
            removed = t.rm(topic)
            c = model.get(topic, 0)
            assert removed == (c == 1)
            if c == 1:
                del model[topic]
            elif c > 1:
                model[topic] = c - 1
        assert list(t) == sorted(model)
    for data in probes + [b"", b"aaaa", b"abab"]:
        assert t.check(data) == any(data.startswith(k) for k in model)


def test_many_topics_naive_model() -> None:
    t = Trie()
    keys = [bytes([i % 7]) * (i % 5) + b"%d" % i for i in range(100)]
    for k in keys:
        t.add(k)
    for probe in keys + [b"", b"\x01\x01", b"99", b"\x03\x03\x0399x"]:
        assert t.check(probe) == any(probe.startswith(k) for k in keys)


def test_mtrie_add_rm() -> None:
    m = MTrie()
    a, b = make_pipe(), make_pipe()
    assert m.add(b"A", a) is True  # first subscriber of A
    assert m.add(b"A", a) is False  # a pipe is in a topic's set once
    assert m.add(b"A", b) is False
    assert m.pipes_of(b"A") == [a, b]
    assert m.rm(b"A", a) is RmResult.VALUES_REMAIN
    assert m.rm(b"A", a) is RmResult.NOT_FOUND
    assert m.rm(b"B", a) is RmResult.NOT_FOUND
    assert m.rm(b"A", b) is RmResult.LAST_VALUE_REMOVED
    assert len(m) == 0 and b"A" not in m


def test_mtrie_match_dedup() -> None:
    m = MTrie()
    a, b, c = make_pipe(), make_pipe(), make_pipe()
    m.add(b"", a)
    m.add(b"to", a)
    m.add(b"topic", b)
    m.add(b"x", c)
    assert list(m.match(b"topic-1")) == [a, b]
    assert list(m.match(b"to")) == [a]
    assert list(m.match(b"y")) == [a]
    m.rm(b"", a)
    assert list(m.match(b"y")) == []
    assert list(m.match(b"xx")) == [c]


def test_mtrie_rm_pipe() -> None:
    m = MTrie()
    a, b = make_pipe(), make_pipe()
    for t in (b"b", b"a", b""):
        m.add(t, a)
    m.add(b"a", b)
    assert m.topics_of(a) == [b"", b"a", b"b"]
    assert m.rm_pipe(a) == [(b"", True), (b"a", False), (b"b", True)]
    assert m.rm_pipe(a) == []
    assert list(m) == [b"a"]
    assert m.topics_of(a) == []


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 2), small_topic), max_size=60),
    st.lists(small_topic, max_size=8),
)
def test_mtrie_matches_naive_model(ops: list[tuple[bool, int, bytes]], probes: list[bytes]) -> None:
    pipes = [make_pipe() for _ in range(3)]
    m = MTrie()
    model: dict[bytes, set[int]] = {}
    for add, pi, topic in ops:
        if add:
            first = m.add(topic, pipes[pi])
            assert first == (not model.get(topic))
            model.setdefault(topic, set()).add(pi)
        else:
            res = m.rm(topic, pipes[pi])
            holders = model.get(topic, set())
            if pi not in holders:
                assert res is RmResult.NOT_FOUND
            else:
                holders.discard(pi)
                assert res is (RmResult.VALUES_REMAIN if holders else RmResult.LAST_VALUE_REMOVED)
                if not holders:
                    del model[topic]
        assert list(m) == sorted(model)
    for data in probes + [b"", b"abab"]:
        want = {pi for k, s in model.items() if data.startswith(k) for pi in s}
        got = list(m.match(data))
        assert len(got) == len(set(map(id, got)))
        assert {pipes.index(p) for p in got} == want


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=3), max_size=trie_mod.STARTSWITH_MAX_TOPICS + 4),
    st.lists(st.binary(min_size=1, max_size=4), max_size=30),
    st.booleans(),
)
def test_select_is_check_over_a_batch(topics: list[bytes], firsts: list[bytes], inv: bool) -> None:
    """Few topics (startswith), many topics (lengths walk), the empty topic: select
    keeps exactly the messages check accepts, in order."""
    t = Trie()
    for topic in topics:
        t.add(topic)
    msgs = [[first, b"body"] for first in firsts]
    assert t.select(msgs, inv) == [m for m in msgs if t.check(m[0]) != inv]


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), small_topic), max_size=60),
    st.lists(small_topic, max_size=8),
)
def test_mtrie_match_after_any_change(
    ops: list[tuple[int, int, bytes]], probes: list[bytes]
) -> None:
    """match (and its one-lookup path while every topic has the same length) stays
    the naive prefix match through add, rm and rm_pipe."""
    pipes = [make_pipe() for _ in range(3)]
    m = MTrie()
    model: dict[bytes, set[int]] = {}
    for kind, pi, topic in ops:
        if kind == 0:
            m.add(topic, pipes[pi])
            model.setdefault(topic, set()).add(pi)
        elif kind == 1:
            m.rm(topic, pipes[pi])
            model.get(topic, set()).discard(pi)
        else:
            m.rm_pipe(pipes[pi])
            for holders in model.values():
                holders.discard(pi)
        model = {k: s for k, s in model.items() if s}
        for data in probes + [b"", b"abab", b"a"]:
            want = {pi for k, s in model.items() if data.startswith(k) for pi in s}
            got = list(m.match(data))
            assert len(got) == len(set(map(id, got)))
            assert {pipes.index(p) for p in got} == want
