"""REQ and REP: the request-reply envelope state machines (RFC 28, libzmq req.cpp/rep.cpp).

State table (strict mode; anything else raises EFSM):

======  ==================  ====================  ====================
type    state               send                  recv
======  ==================  ====================  ====================
REQ     ready to send       -> awaiting reply     EFSM
REQ     awaiting reply      EFSM (RELAXED: ok)    -> ready to send
REP     ready to receive    EFSM                  -> ready to reply
REP     ready to reply      -> ready to receive   EFSM
======  ==================  ====================  ====================
"""

from __future__ import annotations

import random
import sys

from purezmq.constants import Errno, SocketOption, SocketType
from purezmq.error import ZMQError
from purezmq.routing.base import Routing
from purezmq.routing.fq import FairQueue
from purezmq.routing.lb import LoadBalancer
from purezmq.routing.pipe import Pipe

__all__ = ["Rep", "Req"]


class Req(Routing):
    """REQ socket.

    send prepends the empty delimiter (and, with REQ_CORRELATE, a 4-byte request id in
    host byte order before it, starting at a random value, ZMTP digest 3.3) and
    load-balances to one pipe. recv then accepts only a reply from that pipe that starts
    with the delimiter (and the matching id); replies from other pipes and malformed ones
    are discarded (libzmq closes the connection for a malformed reply; we only drop it).
    REQ_RELAXED allows a new request while awaiting a reply; the older reply is ignored
    (reliably so only with REQ_CORRELATE, as in libzmq).
    """

    socket_type = SocketType.REQ
    _flag_options = {
        SocketOption.REQ_RELAXED: "relaxed",
        SocketOption.REQ_CORRELATE: "correlate",
    }

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._lb = LoadBalancer()
        self.relaxed = False
        self.correlate = False
        self._receiving_reply = False
        self._reply_pipe: Pipe | None = None
        self._request_id = random.getrandbits(32)
        self._request_id_frame = b""
        self._reply: list[bytes] | None = None

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._fq.attach(pipe)
        self._lb.attach(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        self._lb.detach(pipe)
        pipe.active = False
        if self._reply_pipe is pipe:
            # libzmq req.cpp xpipe_terminated: the reply can no longer come
            self._reply_pipe = None

    def send(self, msg: list[bytes]) -> bool:
        if self._receiving_reply and not self.relaxed:
            raise ZMQError(Errno.EFSM)
        if self.correlate:
            rid = (self._request_id + 1) & 0xFFFFFFFF
            id_frame = rid.to_bytes(4, sys.byteorder)
            pipe = self._lb.send([id_frame, b"", *msg])
            if pipe is None:
                return False
            self._request_id = rid
            self._request_id_frame = id_frame
        else:
            pipe = self._lb.send([b"", *msg])
            if pipe is None:
                return False
        self._reply_pipe = pipe
        self._receiving_reply = True
        self._reply = None
        return True

    def _fetch(self) -> list[bytes] | None:
        """Read until a valid reply from the reply pipe; discard everything else."""
        fq = self._fq
        want = self._reply_pipe
        correlate = self.correlate
        while True:
            msg = fq.recv()
            if msg is None:
                return None
            if fq.last_pipe is not want:
                continue
            if correlate:
                if len(msg) < 3 or msg[0] != self._request_id_frame or msg[1]:
                    continue
                del msg[:2]
                return msg
            if len(msg) < 2 or msg[0]:
                continue
            del msg[0]
            return msg

    def recv(self) -> list[bytes] | None:
        if not self._receiving_reply:
            raise ZMQError(Errno.EFSM)
        reply = self._reply
        if reply is None:
            reply = self._fetch()
            if reply is None:
                return None
        else:
            self._reply = None
        self._receiving_reply = False
        self.last_recv_pipe = self._reply_pipe
        return reply

    def can_send(self) -> bool:
        if self._receiving_reply and not self.relaxed:
            return False
        return self._lb.has_out()

    def can_recv(self) -> bool:
        if not self._receiving_reply:
            return False
        if self._reply is None:
            self._reply = self._fetch()
        return self._reply is not None

    def recv_would_wait(self) -> bool:
        if not self._receiving_reply or self._reply is not None:
            return False  # recv raises EFSM, or has a reply read ahead
        return not self._fq.has_in()


class Rep(Routing):
    """REP socket.

    recv fair-queues, splits off the envelope (every frame up to and including the first
    empty one; a message without an empty frame, or with nothing after it, is dropped,
    ZMTP digest 3.3) and remembers it with the pipe; send prefixes that envelope and
    writes to that pipe, dropping the reply if the peer is gone or full.
    """

    socket_type = SocketType.REP

    def __init__(self) -> None:
        super().__init__()
        self._fq = FairQueue()
        self._sending_reply = False
        self._envelope: list[bytes] = []
        self._reply_pipe: Pipe | None = None
        # a request read ahead by can_recv: (envelope, body, pipe)
        self._request: tuple[list[bytes], list[bytes], Pipe | None] | None = None

    @property
    def pipes(self) -> list[Pipe]:
        return self._fq.pipes

    def attach(self, pipe: Pipe) -> bool:
        self._fq.attach(pipe)
        return True

    def detach(self, pipe: Pipe) -> None:
        self._fq.detach(pipe)
        pipe.active = False

    def _fetch(self) -> tuple[list[bytes], list[bytes], Pipe | None] | None:
        fq = self._fq
        while True:
            msg = fq.recv()
            if msg is None:
                return None
            try:
                i = msg.index(b"")
            except ValueError:
                continue
            i += 1
            if i == len(msg):
                continue
            return msg[:i], msg[i:], fq.last_pipe

    def recv(self) -> list[bytes] | None:
        if self._sending_reply:
            raise ZMQError(Errno.EFSM)
        request = self._request
        if request is None:
            request = self._fetch()
            if request is None:
                return None
        else:
            self._request = None
        self._envelope, body, pipe = request
        self._reply_pipe = pipe
        self.last_recv_pipe = pipe
        self._sending_reply = True
        return body

    def send(self, msg: list[bytes]) -> bool:
        if not self._sending_reply:
            raise ZMQError(Errno.EFSM)
        self._sending_reply = False
        pipe = self._reply_pipe
        envelope = self._envelope
        self._reply_pipe = None
        self._envelope = []
        if pipe is not None and pipe.active and pipe.can_write():
            envelope.extend(msg)
            pipe.write(envelope)
        return True

    def can_send(self) -> bool:
        return self._sending_reply

    def can_recv(self) -> bool:
        if self._sending_reply:
            return False
        if self._request is None:
            self._request = self._fetch()
        return self._request is not None

    def recv_would_wait(self) -> bool:
        if self._sending_reply or self._request is not None:
            return False  # recv raises EFSM, or has a request read ahead
        return not self._fq.has_in()
