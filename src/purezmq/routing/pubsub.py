"""PUB, SUB, XPUB and XSUB (RFC 29, libzmq pub/sub/xpub/xsub.cpp; ZMTP digest 1.5, 3.5).

Subscriptions travel upstream through the pipes: SUB/XSUB write :class:`Subscription`
objects into ``out_q`` (the engine sends SUBSCRIBE/CANCEL commands or 0x01/0x00
messages); PUB/XPUB read both those objects (inproc) and one-frame ``\\x01topic`` /
``\\x00topic`` messages (tcp, ipc) from ``in_q``. Nothing notifies a publisher that a
pipe has input, so PUB/XPUB read every pipe's pending input whenever they are asked to
send, receive or report readiness, and when a pipe is attached or detached.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing.base import Routing, as_bytes, as_flag
from purezmq.routing.dist import Dist
from purezmq.routing.fq import FairQueue
from purezmq.routing.pipe import Pipe, Subscription
from purezmq.routing.trie import MTrie, RmResult, Trie

__all__ = ["Pub", "Sub", "XPub", "XSub"]


class XPub(Routing):
    """XPUB socket: PUB that shows subscriptions (and upstream messages) to the app.

    - A subscription message from a pipe is applied to the trie and queued for the app
      as ``[\\x01topic]`` / ``[\\x00topic]`` only when it is the first subscribe / the last
      unsubscribe of that topic (a cancel of an unknown topic is reported too, as libzmq
      4.3 does), unless XPUB_VERBOSE (every subscribe) or XPUB_VERBOSER (every subscribe
      and unsubscribe).
    - Any other message from a pipe is queued for the app unchanged.
    - Detach synthesises ``[\\x00topic]`` for the pipe's topics it was the last subscriber
      of (every topic with XPUB_VERBOSER or XPUB_MANUAL).
    - XPUB_MANUAL: subscriptions are not applied; every one is queued for the app, and
      ``setsockopt(SUBSCRIBE/UNSUBSCRIBE, topic)`` applies to the pipe that sent the last
      subscription received.
    - XPUB_WELCOME_MSG: written to each newly attached pipe.
    - XPUB_NODROP: if a matching pipe is full, send returns False instead of dropping;
      can_send is then True only when every pipe has room (libzmq reports POLLOUT
      always, which would make a blocking send spin).
    - INVERT_MATCHING: send to the pipes that do *not* match.
    - ONLY_FIRST_SUBSCRIBE (libzmq 4.3.5 draft) is accepted and stored: with whole
      messages only the first frame already decides whether a message is a subscription.
    - getsockopt(TOPICS_COUNT): the number of distinct topics subscribed.
    """

    socket_type = SocketType.XPUB
    reads_before_send = True
    _flag_options = {
        SocketOption.XPUB_NODROP: "nodrop",
        SocketOption.XPUB_MANUAL: "manual",
        SocketOption.INVERT_MATCHING: "invert_matching",
        SocketOption.ONLY_FIRST_SUBSCRIBE: "only_first_subscribe",
    }
    #: XPUB queues subscriptions and upstream messages for the app; PUB does not.
    _deliver = True

    def __init__(self) -> None:
        super().__init__()
        self._dist = Dist()
        self._subs = MTrie()
        self._manual_subs = MTrie()
        # (message, source pipe, is a subscription) waiting for the app's recv
        self._pending: deque[tuple[list[bytes], Pipe | None, bool]] = deque()
        self._last_sub_pipe: Pipe | None = None
        self.verbose_subs = False
        self.verbose_unsubs = False
        self.nodrop = False
        self.manual = False
        self.invert_matching = False
        self.only_first_subscribe = False
        self.welcome_msg = b""

    # -- peers ---------------------------------------------------------------------

    @property
    def pipes(self) -> list[Pipe]:
        return self._dist.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._dist.attach(pipe)
        if self.welcome_msg:
            # libzmq xpub.cpp xattach_pipe writes it regardless of the HWM
            pipe.write([self.welcome_msg])
        self._read_pipe(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        if pipe not in self._dist.pipes:
            pipe.active = False
            return
        # the connection is gone, so nothing else touches in_q: apply what is left
        self._read_pipe(pipe)
        self._dist.detach(pipe)
        pipe.active = False
        if self._last_sub_pipe is pipe:
            self._last_sub_pipe = None
        deliver = self._deliver
        if self.manual:
            gone = self._manual_subs.rm_pipe(pipe)
            self._subs.rm_pipe(pipe)
            for topic, _last in gone:
                if deliver:
                    self._pending.append(([b"\x00" + topic], None, True))
        else:
            verbose = self.verbose_unsubs
            for topic, last in self._subs.rm_pipe(pipe):
                if deliver and (last or verbose):
                    self._pending.append(([b"\x00" + topic], None, True))

    # -- upstream traffic ----------------------------------------------------------

    def _process(self) -> None:
        """Read every pipe's pending input."""
        for pipe in self._dist.pipes:
            if pipe.in_q:
                self._read_pipe(pipe)

    def _read_pipe(self, pipe: Pipe) -> None:
        q = pipe.in_q
        if not q:
            return
        while q:
            item: object = q.popleft()
            if type(item) is list:
                self._on_message(item, pipe)
            elif isinstance(item, Subscription):
                self._apply(item.topic, item.subscribe, pipe, None)
        pipe.on_read()

    def _on_message(self, msg: list[bytes], pipe: Pipe) -> None:
        first = msg[0] if msg else b""
        if first and first[0] <= 1:
            # libzmq xpub.cpp: every frame that starts with 0/1 is a (un)subscription
            for frame in msg:
                if frame and frame[0] <= 1:
                    self._apply(frame[1:], frame[0] == 1, pipe, frame)
        elif self._deliver:
            self._pending.append((msg, pipe, False))

    def _apply(self, topic: bytes, subscribe: bool, pipe: Pipe, frame: bytes | None) -> None:
        if self.manual:
            if subscribe:
                self._manual_subs.add(topic, pipe)
            else:
                self._manual_subs.rm(topic, pipe)
            notify = True
        elif subscribe:
            notify = self._subs.add(topic, pipe) or self.verbose_subs
        else:
            notify = self._subs.rm(topic, pipe) is not RmResult.VALUES_REMAIN or self.verbose_unsubs
        if notify and self._deliver:
            if frame is None:
                frame = (b"\x01" if subscribe else b"\x00") + topic
            self._pending.append(([frame], pipe, True))

    # -- messages ------------------------------------------------------------------

    def _inverted(self, matching: Iterable[Pipe]) -> list[Pipe]:
        """INVERT_MATCHING: the pipes that did not match (libzmq dist reverse_match)."""
        matched = set(matching)
        return [p for p in self._dist.pipes if p not in matched]

    def send(self, msg: list[bytes]) -> bool:
        for pipe in self._dist.pipes:  # _process(), inlined: this is the hot path
            if pipe.in_q:
                self._read_pipe(pipe)
        targets = self._subs.match(msg[0])
        if self.invert_matching:
            targets = self._inverted(targets)
        if self.nodrop and not Dist.can_write_all(targets):
            return False
        Dist.send_to(targets, msg)
        return True

    def recv(self) -> list[bytes] | None:
        self._process()
        pending = self._pending
        if not pending:
            return None
        msg, pipe, is_sub = pending.popleft()
        self.last_recv_pipe = pipe
        if is_sub and pipe is not None:
            self._last_sub_pipe = pipe
        return msg

    def can_send(self) -> bool:
        self._process()
        if self.nodrop:
            return Dist.can_write_all(self._dist.pipes)
        return True

    def can_recv(self) -> bool:
        self._process()
        return bool(self._pending)

    # -- options -------------------------------------------------------------------

    def setsockopt(self, option: int, value: object) -> bool:
        if option == SocketOption.XPUB_VERBOSE:
            self.verbose_subs = as_flag(value)
            self.verbose_unsubs = False
            return True
        if option == SocketOption.XPUB_VERBOSER:
            self.verbose_subs = self.verbose_unsubs = as_flag(value)
            return True
        if option == SocketOption.XPUB_WELCOME_MSG:
            self.welcome_msg = as_bytes(value)
            return True
        if option in (SocketOption.SUBSCRIBE, SocketOption.UNSUBSCRIBE):
            # libzmq xpub.cpp: only meaningful with XPUB_MANUAL
            topic = as_bytes(value)
            if not self.manual:
                raise ZMQError(Errno.EINVAL)
            self._process()
            pipe = self._last_sub_pipe
            if pipe is not None and pipe.active:
                if option == SocketOption.SUBSCRIBE:
                    self._subs.add(topic, pipe)
                else:
                    self._subs.rm(topic, pipe)
            return True
        return super().setsockopt(option, value)

    def getsockopt(self, option: int) -> object:
        if option == SocketOption.XPUB_VERBOSE:
            return int(self.verbose_subs)
        if option == SocketOption.XPUB_VERBOSER:
            return int(self.verbose_unsubs)
        if option == SocketOption.XPUB_WELCOME_MSG:
            return self.welcome_msg
        if option == SocketOption.TOPICS_COUNT:
            self._process()
            return len(self._subs)
        return super().getsockopt(option)

    def topics(self) -> list[bytes]:
        """Every topic some pipe is subscribed to, in trie order (for tests/tools)."""
        self._process()
        return list(self._subs)


class Pub(XPub):
    """PUB socket: XPUB that never shows anything to the app (recv raises ENOTSUP).

    Like libzmq (pub_t derives from xpub_t) it accepts the XPUB options.
    """

    socket_type = SocketType.PUB
    _deliver = False

    def recv(self) -> list[bytes] | None:
        self._process()
        raise ZMQError(Errno.ENOTSUP)

    def can_recv(self) -> bool:
        self._process()
        return False


class XSub(Routing):
    """XSUB socket.

    The app sends ``[\\x01topic]`` / ``[\\x00topic]`` to (un)subscribe: they are counted in
    the trie and forwarded to every pipe as :class:`Subscription` objects (an unsubscribe
    only when it removes the topic's last subscription, libzmq xsub.cpp; so one for a
    topic not held is dropped). Subscriptions are written regardless of the SNDHWM (libzmq
    drops them at the HWM, which loses them silently). Only one-frame messages are
    (un)subscriptions; anything else goes to every pipe with room. attach and hiccup
    resend every subscription in trie order. recv fair-queues; SUB also filters.
    ONLY_FIRST_SUBSCRIBE is accepted and stored (no effect: see above);
    getsockopt(TOPICS_COUNT) gives the number of distinct topics.
    """

    socket_type = SocketType.XSUB
    _flag_options = {
        SocketOption.INVERT_MATCHING: "invert_matching",
        SocketOption.ONLY_FIRST_SUBSCRIBE: "only_first_subscribe",
    }
    #: SUB filters received messages locally (libzmq sub.cpp sets options.filter).
    _filter = False

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._dist = Dist()
        self._subs = Trie()
        self.invert_matching = False
        self.only_first_subscribe = False
        # a message read ahead by can_recv (SUB must look at it to filter)
        self._prefetched: list[bytes] | None = None
        self._prefetched_pipe: Pipe | None = None

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._fq.attach(pipe)
        self._dist.attach(pipe)
        self._send_subscriptions(pipe)
        return True

    def hiccup(self, pipe: Pipe) -> None:
        self._send_subscriptions(pipe)

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        self._dist.detach(pipe)
        pipe.active = False

    def _send_subscriptions(self, pipe: Pipe) -> None:
        for topic in self._subs:
            pipe.write(Subscription(topic, True))

    def _subscribe(self, topic: bytes, subscribe: bool) -> None:
        if subscribe:
            # libzmq 4.3 forwards every subscribe (XPUB_VERBOSE upstream relies on it)
            self._subs.add(topic)
            self._dist.write_all(Subscription(topic, True))
        elif self._subs.rm(topic):
            self._dist.write_all(Subscription(topic, False))

    def send(self, msg: list[bytes]) -> bool:
        if len(msg) == 1:
            frame = msg[0]
            if frame and frame[0] <= 1:
                self._subscribe(frame[1:], frame[0] == 1)
                return True
        self._dist.send_to_all(msg)
        return True

    def can_send(self) -> bool:
        return True

    def _fetch(self) -> list[bytes] | None:
        fq = self._fq
        if not self._filter:
            msg = fq.recv()
            self._prefetched_pipe = fq.last_pipe
            return msg
        subs = self._subs
        invert = self.invert_matching
        while True:
            msg = fq.recv()
            if msg is None:
                return None
            if subs.check(msg[0]) != invert:
                self._prefetched_pipe = fq.last_pipe
                return msg

    def recv_batch(self, limit: int) -> tuple[list[list[bytes]], Pipe] | None:
        if self._prefetched is not None:
            return None  # can_recv read one ahead: recv() gives it first
        batch = self._fq.recv_batch(limit)
        if batch is None:
            return None
        msgs, pipe = batch
        if self._filter:
            msgs = self._subs.select(msgs, bool(self.invert_matching))
            if not msgs:
                return None  # all filtered out (dropped, as recv() would)
        self.last_recv_pipe = pipe
        return msgs, pipe

    def recv(self) -> list[bytes] | None:
        msg = self._prefetched
        if msg is None:
            msg = self._fetch()
            if msg is None:
                return None
        else:
            self._prefetched = None
        self.last_recv_pipe = self._prefetched_pipe
        return msg

    def can_recv(self) -> bool:
        if self._prefetched is None:
            self._prefetched = self._fetch()
        return self._prefetched is not None

    def getsockopt(self, option: int) -> object:
        if option == SocketOption.TOPICS_COUNT:
            return len(self._subs)
        return super().getsockopt(option)

    def topics(self) -> list[bytes]:
        """Every subscribed topic once, in trie order."""
        return list(self._subs)


class Sub(XSub):
    """SUB socket: XSUB driven by SUBSCRIBE/UNSUBSCRIBE options, filtering locally.

    send raises ENOTSUP. Received messages whose first frame matches no subscription
    (or matches one, with INVERT_MATCHING) are dropped.
    """

    socket_type = SocketType.SUB
    _filter = True

    def send(self, msg: list[bytes]) -> bool:
        raise ZMQError(Errno.ENOTSUP)

    def can_send(self) -> bool:
        return False

    def setsockopt(self, option: int, value: object) -> bool:
        if option == SocketOption.SUBSCRIBE:
            self._subscribe(as_bytes(value), True)
            return True
        if option == SocketOption.UNSUBSCRIBE:
            self._subscribe(as_bytes(value), False)
            return True
        return super().setsockopt(option, value)
