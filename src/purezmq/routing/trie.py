"""Subscription sets: prefix matching on the first frame (RFC 29, libzmq trie/mtrie).

Two structures, shared by every pub/sub socket type:

- :class:`Trie` (SUB, XSUB): counted topics. Subscribing to ``A`` twice needs two
  cancels before ``A`` is gone (RFC 29; libzmq trie.cpp ``rm`` returns true only when the
  count reaches zero).
- :class:`MTrie` (PUB, XPUB): topic -> set of pipes. A pipe is in a topic's set once,
  however often it subscribed (libzmq mtrie.cpp); SUB-side counting makes that right.

A message matches a topic when the topic is a prefix of its first frame; ``b""`` matches
everything. Instead of a node-per-byte tree (slow in Python) the topics live in a dict,
with the set of distinct topic lengths kept sorted: a match is one dict lookup per
distinct length, and for a few topics one C-level ``bytes.startswith(tuple)``.
Iteration yields topics in trie order (a prefix before its extensions, siblings by byte
value), which is plain lexicographic order of the byte strings; libzmq SUB resends its
subscriptions in that order (``""`` before ``topic``, ZMTP digest 3.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum

from purezmq.routing.pipe import Pipe

__all__ = ["MTrie", "RmResult", "Trie"]

#: Up to this many topics, ``Trie.check`` uses one ``bytes.startswith(tuple)`` call.
STARTSWITH_MAX_TOPICS = 16


class _Lengths:
    """Distinct topic lengths with their multiplicity, kept as a sorted tuple."""

    __slots__ = ("_count", "sorted")

    def __init__(self) -> None:
        self._count: dict[int, int] = {}
        self.sorted: tuple[int, ...] = ()

    def add(self, n: int) -> None:
        c = self._count.get(n, 0)
        self._count[n] = c + 1
        if not c:
            self.sorted = tuple(sorted(self._count))

    def remove(self, n: int) -> None:
        c = self._count[n] - 1
        if c:
            self._count[n] = c
        else:
            del self._count[n]
            self.sorted = tuple(sorted(self._count))


class Trie:
    """Counted subscriptions of a SUB/XSUB socket."""

    __slots__ = ("_counts", "_lengths", "_prefixes")

    def __init__(self) -> None:
        self._counts: dict[bytes, int] = {}
        self._lengths = _Lengths()
        self._prefixes: tuple[bytes, ...] | None = ()

    def _changed(self) -> None:
        counts = self._counts
        self._prefixes = tuple(counts) if len(counts) <= STARTSWITH_MAX_TOPICS else None

    def add(self, topic: bytes) -> bool:
        """Count one more subscription to ``topic``; True if it is new."""
        counts = self._counts
        c = counts.get(topic, 0)
        counts[topic] = c + 1
        if c:
            return False
        self._lengths.add(len(topic))
        self._changed()
        return True

    def rm(self, topic: bytes) -> bool:
        """Count one cancel of ``topic``; True if that removed its last subscription.

        False both when subscriptions remain and when ``topic`` was not subscribed.
        """
        counts = self._counts
        c = counts.get(topic, 0)
        if c > 1:
            counts[topic] = c - 1
            return False
        if not c:
            return False
        del counts[topic]
        self._lengths.remove(len(topic))
        self._changed()
        return True

    def check(self, data: bytes) -> bool:
        """True if some subscribed topic is a prefix of ``data``."""
        prefixes = self._prefixes
        if prefixes is not None:
            return data.startswith(prefixes)
        counts = self._counts
        n = len(data)
        for length in self._lengths.sorted:
            if length > n:
                return False
            if data[:length] in counts:
                return True
        return False

    def select(self, msgs: list[list[bytes]], invert: bool = False) -> list[list[bytes]]:
        """The messages whose first frame :meth:`check` accepts (rejects, with
        ``invert``), in order: a batch filtered with no Python call per message while
        the topics are few."""
        prefixes = self._prefixes
        if prefixes is None:
            check = self.check
            return [m for m in msgs if check(m[0]) != invert]
        if b"" in self._counts:  # every message matches
            return [] if invert else msgs
        return [m for m in msgs if m[0].startswith(prefixes) != invert]

    def count(self, topic: bytes) -> int:
        """How many times ``topic`` is subscribed."""
        return self._counts.get(topic, 0)

    def clear(self) -> None:
        """Forget every subscription."""
        self._counts.clear()
        self._lengths = _Lengths()
        self._changed()

    def __contains__(self, topic: object) -> bool:
        return topic in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[bytes]:
        """Every subscribed topic once, in trie order."""
        return iter(sorted(self._counts))


class RmResult(IntEnum):
    """Outcome of :meth:`MTrie.rm` (libzmq mtrie ``rm_result``)."""

    NOT_FOUND = 0
    LAST_VALUE_REMOVED = 1
    VALUES_REMAIN = 2


class MTrie:
    """Subscriptions of a PUB/XPUB socket: which pipes want which prefixes."""

    __slots__ = ("_by_pipe", "_lengths", "_only", "_subs")

    def __init__(self) -> None:
        self._subs: dict[bytes, dict[Pipe, None]] = {}
        self._by_pipe: dict[Pipe, dict[bytes, None]] = {}
        self._lengths = _Lengths()
        #: the length of every topic when they all have the same (typically just b""
        #: or one topic), else -1: ``match`` then needs one lookup
        self._only = -1

    def _lengths_changed(self) -> None:
        lengths = self._lengths.sorted
        self._only = lengths[0] if len(lengths) == 1 else -1

    def add(self, topic: bytes, pipe: Pipe) -> bool:
        """Subscribe ``pipe`` to ``topic``; True if no pipe had ``topic`` before."""
        pipes = self._subs.get(topic)
        if pipes is None:
            self._subs[topic] = {pipe: None}
            self._lengths.add(len(topic))
            self._lengths_changed()
            first = True
        elif pipe in pipes:
            return False
        else:
            pipes[pipe] = None
            first = False
        self._by_pipe.setdefault(pipe, {})[topic] = None
        return first

    def rm(self, topic: bytes, pipe: Pipe) -> RmResult:
        """Unsubscribe ``pipe`` from ``topic``."""
        pipes = self._subs.get(topic)
        if pipes is None or pipe not in pipes:
            return RmResult.NOT_FOUND
        del pipes[pipe]
        mine = self._by_pipe[pipe]
        del mine[topic]
        if not mine:
            del self._by_pipe[pipe]
        if pipes:
            return RmResult.VALUES_REMAIN
        del self._subs[topic]
        self._lengths.remove(len(topic))
        self._lengths_changed()
        return RmResult.LAST_VALUE_REMOVED

    def rm_pipe(self, pipe: Pipe) -> list[tuple[bytes, bool]]:
        """Remove every subscription of ``pipe``.

        Returns:
            ``(topic, last)`` pairs in trie order; ``last`` is True when ``pipe`` was the
            topic's last subscriber (what XPUB reports upstream, libzmq ``call_on_uniq``).
        """
        mine = self._by_pipe.pop(pipe, None)
        if not mine:
            return []
        out: list[tuple[bytes, bool]] = []
        for topic in sorted(mine):
            pipes = self._subs[topic]
            del pipes[pipe]
            last = not pipes
            if last:
                del self._subs[topic]
                self._lengths.remove(len(topic))
            out.append((topic, last))
        self._lengths_changed()
        return out

    def match(self, data: bytes) -> Iterable[Pipe]:
        """The pipes subscribed to some prefix of ``data``, each once.

        The result may be an internal container: iterate it before changing the trie.
        """
        only = self._only
        if only >= 0:
            # every topic has the same length: one lookup
            if only > len(data):
                return ()
            return self._subs.get(data[:only]) or ()
        subs = self._subs
        n = len(data)
        result: dict[Pipe, None] | None = None
        merged = False
        for length in self._lengths.sorted:
            if length > n:
                break
            pipes = subs.get(data[:length])
            if pipes:
                if result is None:
                    result = pipes
                else:
                    if not merged:
                        result = dict(result)
                        merged = True
                    result.update(pipes)
        return () if result is None else result

    def topics_of(self, pipe: Pipe) -> list[bytes]:
        """The topics ``pipe`` is subscribed to, in trie order."""
        return sorted(self._by_pipe.get(pipe, ()))

    def pipes_of(self, topic: bytes) -> list[Pipe]:
        """The pipes subscribed to exactly ``topic``."""
        return list(self._subs.get(topic, ()))

    def __contains__(self, topic: object) -> bool:
        return topic in self._subs

    def __len__(self) -> int:
        return len(self._subs)

    def __iter__(self) -> Iterator[bytes]:
        """Every topic with at least one subscriber, in trie order."""
        return iter(sorted(self._subs))
