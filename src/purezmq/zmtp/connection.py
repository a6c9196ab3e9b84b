"""One ZMTP 3.1 connection, sans-I/O: bytes and time in, events and bytes out.

The engine feeds received bytes to :meth:`ZMTPConnection.receive_data`, writes whatever
:meth:`~ZMTPConnection.data_to_send` (or :meth:`~ZMTPConnection.take_output`) returns,
and calls :meth:`~ZMTPConnection.handle_timer` at :meth:`~ZMTPConnection.next_deadline`.

Phases (a table, checked by the tests)::

    GREETING  --peer greeting accepted-->     HANDSHAKE   (mechanism started)
    HANDSHAKE --mechanism complete------>     TRAFFIC     (HandshakeComplete)
    any       --failure / ERROR / close()-->  CLOSED      (input ignored from then on)

Behaviour follows libzmq 4.3 where it differs from the RFCs (see the ZMTP digest):
READY is sent before the peer's arrives; Socket-Type mismatches close without ERROR;
after the handshake, unknown commands, a repeated READY and ERROR are ignored (libzmq's
session drops them); heartbeats use libzmq's PING (no context) and timers, and PING is
sent and answered on ZMTP 3.0 links too, as libzmq's engine does.

Output: ``data_to_send()`` returns one bytes object; ``take_output()`` returns the pieces
(large bodies are the caller's own objects). After ``ConnectionFailed`` the queue may
still hold a final ERROR command (a ZAP denial): flush it, then close.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from itertools import islice
from typing import Any

from purezmq.constants import SOCKET_TYPE_NAMES, Errno, ProtocolError
from purezmq.error import ZMQError
from purezmq.zmtp.commands import (
    PROPERTY_IDENTITY,
    PROPERTY_SOCKET_TYPE,
    SOCKET_TYPE_PEERS,
    CommandError,
    encode_cancel,
    encode_error,
    encode_ping,
    encode_pong,
    encode_subscribe,
    get_property,
    is_valid_property_name,
    parse_error_command,
    parse_ping,
)
from purezmq.zmtp.errors import ErrorCommandReceived, ProtocolStateError, ZMTPProtocolError
from purezmq.zmtp.events import (
    ConnectionFailed,
    ErrorReceived,
    Event,
    HandshakeComplete,
    MessageReceived,
)
from purezmq.zmtp.frames import (
    _SHORT_LAST,
    FLAG_COMMAND,
    FLAG_MORE,
    MAX_SHORT_SIZE,
    ZERO_COPY_MIN_SIZE,
    BytesLike,
    FrameDecoder,
    FrameError,
    encode_message_into,
    encode_messages,
    frame_header,
)
from purezmq.zmtp.greeting import Greeting
from purezmq.zmtp.mechanisms.base import HandshakeParams, Mechanism, MechanismError
from purezmq.zmtp.mechanisms.null import NullMechanism
from purezmq.zmtp.timers import MAX_HEARTBEAT_TTL, ConnectionTimers, Due, ping_ttl_field

__all__ = [
    "MAX_HANDSHAKE_COMMAND_SIZE",
    "MAX_HEARTBEAT_TTL",  # re-exported from timers
    "MAX_ROUTING_ID_SIZE",
    "Phase",
    "ZMTPConnection",
]

#: A handshake command comes from a peer that is not authenticated yet and is buffered
#: whole before it is parsed. libzmq's READY/INITIATE carry a few hundred bytes; 64 KiB
#: leaves ample room for ZMQ_METADATA while bounding what a stranger can make us hold.
#: (max_msg_size, when smaller, applies too: libzmq's decoder enforces it on commands.)
MAX_HANDSHAKE_COMMAND_SIZE = 64 * 1024
#: libzmq's ROUTING_ID option accepts 1..255 bytes (the Identity property of RFC 23).
MAX_ROUTING_ID_SIZE = 255

# Commands recognised after the handshake, matched by prefix (name_len + name).
_PING = b"\x04PING"
_SUBSCRIBE = b"\x09SUBSCRIBE"
_CANCEL = b"\x06CANCEL"


class Phase(enum.Enum):
    """Connection phases (see the module docstring)."""

    GREETING = "greeting"
    HANDSHAKE = "handshake"
    TRAFFIC = "traffic"
    CLOSED = "closed"


_GREETING = Phase.GREETING
_HANDSHAKE = Phase.HANDSHAKE
_TRAFFIC = Phase.TRAFFIC
_CLOSED = Phase.CLOSED


#: send_messages encodes at least this many queued messages at once (below it, the
#: bulk path's setup costs more than it saves) and at most _BULK_MAX per step.
_BULK_MIN = 8
_BULK_MAX = 128


def _einval(msg: str) -> ZMQError:
    return ZMQError(Errno.EINVAL, msg)


class ZMTPConnection:
    """The ZMTP 3.1 protocol state of one connection (see ``docs/internals.md``).

    Args:
        socket_type: our Socket-Type name ("DEALER", ...) or its SocketType number.
        mechanism: the security mechanism, one object per connection (NULL if None).
        routing_id: our ROUTING_ID, sent as Identity by REQ/DEALER/ROUTER (0..255 bytes).
        metadata: extra properties (ZMQ_METADATA) sent after Socket-Type/Identity.
        heartbeat_ivl: seconds between our PINGs; 0 = no PINGs.
        heartbeat_ttl: seconds, sent in PING as deciseconds (0..6553.5).
        heartbeat_timeout: seconds to wait for any data after a PING; None = heartbeat_ivl,
            0 = never time out (libzmq semantics).
        handshake_ivl: seconds for the whole greeting + handshake; 0 = no limit.
        max_msg_size: largest frame accepted, bytes; -1 = unlimited.
        now: the current time, seconds, on the engine's monotonic clock.

    Raises:
        ZMQError: EINVAL for a bad argument; EFSM (ProtocolStateError) for a mechanism
            object that already served a connection.
    """

    __slots__ = (
        "_decoder",
        "_greeting",
        "_max_msg_size",
        "_mechanism",
        "_metadata",
        "_now",
        "_obuf",
        "_peer_minor",
        "_phase",
        "_pieces",
        "_ping",
        "_routing_id",
        "_rx_parts",
        "_sink_events",
        "_socket_type",
        "_timers",
        "_wrap",
    )

    def __init__(
        self,
        socket_type: str | int,
        mechanism: Mechanism | None = None,
        routing_id: bytes = b"",
        metadata: Mapping[str, bytes] | None = None,
        heartbeat_ivl: float = 0.0,
        heartbeat_ttl: float = 0.0,
        heartbeat_timeout: float | None = None,
        handshake_ivl: float = 30.0,
        max_msg_size: int = -1,
        now: float = 0.0,
    ) -> None:
        if isinstance(socket_type, int):
            socket_type = SOCKET_TYPE_NAMES.get(socket_type, str(socket_type))
        if socket_type not in SOCKET_TYPE_PEERS:
            raise _einval(f"socket type {socket_type!r} does not speak ZMTP")
        if len(routing_id) > MAX_ROUTING_ID_SIZE:
            raise _einval("routing_id is limited to 255 bytes")
        metadata = dict(metadata or {})
        for name, value in metadata.items():
            if not is_valid_property_name(name) or name.lower() in ("socket-type", "identity"):
                raise _einval(f"invalid metadata property name {name!r}")
            if not isinstance(value, (bytes, bytearray)):
                raise _einval(f"metadata value of {name!r} must be bytes")
        timers = ConnectionTimers(heartbeat_ivl, heartbeat_timeout, handshake_ivl, now)
        ping = encode_ping(ping_ttl_field(heartbeat_ttl))
        if max_msg_size < -1:
            raise _einval("max_msg_size must be -1 (unlimited) or >= 0")
        if mechanism is None:
            mechanism = NullMechanism()
        elif mechanism.started:
            raise ProtocolStateError("a mechanism object serves a single connection")

        self._socket_type = socket_type
        self._routing_id = bytes(routing_id)
        self._metadata = {name: bytes(value) for name, value in metadata.items()}
        self._mechanism = mechanism
        self._wrap = mechanism.wraps_frames
        self._timers = timers
        self._ping = ping  # libzmq's PING: no context, ttl in deciseconds
        self._max_msg_size = max_msg_size
        self._now = now
        self._phase = _GREETING
        self._peer_minor: int | None = None
        self._rx_parts: list[bytes] = []
        #: where :meth:`receive_into` collects the events of its commands
        self._sink_events: list[Event] = []

        limit = MAX_HANDSHAKE_COMMAND_SIZE
        if 0 <= max_msg_size < limit:
            limit = max_msg_size
        self._decoder = FrameDecoder(limit)
        self._greeting = Greeting(mechanism.name, mechanism.as_server, len(routing_id))
        self._obuf = bytearray(self._greeting.signature)
        self._pieces: list[bytes] = []

    # --- state -------------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """The current phase."""
        return self._phase

    @property
    def handshake_complete(self) -> bool:
        """True once HandshakeComplete was emitted (and until the connection closes)."""
        return self._phase is _TRAFFIC

    @property
    def closed(self) -> bool:
        """True after ConnectionFailed, ErrorReceived or :meth:`close`."""
        return self._phase is _CLOSED

    @property
    def peer_minor_version(self) -> int | None:
        """0 for a ZMTP 3.0 peer, 1 for 3.1 and later; None before the greeting."""
        return self._peer_minor

    @property
    def mechanism(self) -> Mechanism:
        """The security mechanism object."""
        return self._mechanism

    @property
    def socket_type(self) -> str:
        """Our Socket-Type name."""
        return self._socket_type

    @property
    def max_msg_size(self) -> int:
        """The largest frame accepted after the handshake (-1 = unlimited)."""
        return self._max_msg_size

    @property
    def has_output(self) -> bool:
        """True if bytes are waiting to be sent."""
        return bool(self._obuf or self._pieces)

    def close(self) -> None:
        """Stop: further input is ignored, no timers remain. Pending output stays."""
        self._enter_closed()

    # --- output --------------------------------------------------------------------------------

    def data_to_send(self) -> bytes:
        """Return everything queued for the wire (greeting first) and empty the queue;
        b"" when nothing is pending."""
        if self._pieces:
            return b"".join(self.take_output())
        data = bytes(self._obuf)
        self._obuf.clear()
        return data

    def take_output(self) -> list[bytes]:
        """Return the queued output as pieces (for ``writelines``/``sendmsg``) and empty the
        queue. Bodies of ZERO_COPY_MIN_SIZE bytes or more are the caller's own objects,
        not copies; smaller frames are coalesced."""
        pieces = self._pieces
        if self._obuf:
            pieces.append(bytes(self._obuf))
            self._obuf.clear()
        self._pieces = []
        return pieces

    def _queue_frame(self, flags: int, body: bytes) -> None:
        n = len(body)
        obuf = self._obuf
        obuf += frame_header(n, flags)
        if n >= ZERO_COPY_MIN_SIZE:
            self._pieces.append(bytes(obuf))
            obuf.clear()
            self._pieces.append(body)
        else:
            obuf += body

    def _send_command(self, body: bytes) -> None:
        """Queue a command; after the handshake it goes through the mechanism."""
        if self._wrap and self._phase is _TRAFFIC:
            flags, body = self._mechanism.encode_frame(FLAG_COMMAND, body)
            self._queue_frame(flags, body)
        else:
            self._queue_frame(FLAG_COMMAND, body)

    def send_message(self, frames: Sequence[bytes]) -> None:
        """Encode one message (every frame but the last gets MORE).

        Raises:
            ProtocolStateError: the handshake is not complete, or the connection closed.
            ZMQError: EINVAL for an empty message.
        """
        if self._phase is not _TRAFFIC:
            raise ProtocolStateError(f"cannot send a message in the {self._phase.value} phase")
        if not frames:
            raise _einval("a message has at least one frame")
        if not self._wrap:
            encode_message_into(frames, self._obuf, self._pieces)
            return
        encode = self._mechanism.encode_frame
        last = len(frames) - 1
        for i, body in enumerate(frames):
            flags, wire = encode(FLAG_MORE if i < last else 0, bytes(body))
            self._queue_frame(flags, wire)

    def send_messages(self, queue: deque[Any], budget: int) -> int:
        """Encode messages taken from the front of ``queue`` until it is empty or about
        ``budget`` payload bytes are encoded; the engine's flush in one call.

        ``queue`` holds messages (lists of frames, or a one-frame message as its
        ``bytes``: ``Pipe.bare_frames``) and, for SUB/XSUB, subscription objects with
        ``topic`` and ``subscribe`` attributes. Returns the budget left.

        Raises:
            ProtocolStateError: the handshake is not complete, or the connection closed.
        """
        if self._phase is not _TRAFFIC:
            raise ProtocolStateError(f"cannot send a message in the {self._phase.value} phase")
        popleft = queue.popleft
        # the fast paths write frames themselves: not for a mechanism that wraps them
        fast = bulk = not self._wrap
        obuf = self._obuf
        short_last = _SHORT_LAST
        while queue and budget > 0:
            n = len(queue)
            if bulk and n >= _BULK_MIN:
                # many small messages: encoded by C-level loops, no Python code per frame
                # (popleft called by C: the engine is the only consumer of the queue)
                batch = list(islice(iter(popleft, None), n if n < _BULK_MAX else _BULK_MAX))
                encoded = encode_messages(batch, budget)
                if encoded is not None:
                    # a piece of its own, not copied into obuf (which goes first)
                    data, cost = encoded
                    if obuf:
                        self._pieces.append(bytes(obuf))
                        obuf.clear()
                    self._pieces.append(data)
                    budget -= cost
                    continue
                # not all small messages, or past the budget: one by one from here on
                queue.extendleft(reversed(batch))
                bulk = False
            msg = popleft()
            if type(msg) is list:
                if fast and len(msg) == 1:
                    body = msg[0]
                    n = len(body)
                    if n <= MAX_SHORT_SIZE:
                        # the common case inlined: one short frame
                        obuf += short_last[n]
                        obuf += body
                        budget -= n + 16
                        continue
                if fast and msg:
                    # send_message's checks are made: the phase above, the mechanism
                    encode_message_into(msg, obuf, self._pieces)
                else:
                    self.send_message(msg)
                for f in msg:
                    budget -= len(f)
            elif type(msg) is bytes:  # a one-frame message (Pipe.bare_frames)
                n = len(msg)
                if fast and n <= MAX_SHORT_SIZE:
                    obuf += short_last[n]
                    obuf += msg
                elif fast:
                    encode_message_into((msg,), obuf, self._pieces)
                else:
                    self.send_message([msg])
                budget -= n
            elif hasattr(msg, "topic"):
                self.send_subscribe(msg.topic, msg.subscribe)
            else:
                self.send_message(list(msg))
            budget -= 16
        return budget

    def send_subscribe(self, topic: bytes, subscribe: bool) -> None:
        """Send a subscription: a SUBSCRIBE/CANCEL command to a 3.1 peer, the message
        ``b"\\x01" + topic`` / ``b"\\x00" + topic`` to a 3.0 peer (libzmq keys this off
        the peer's minor version [OBS exp2]).

        Raises:
            ProtocolStateError: the handshake is not complete, or the connection closed.
        """
        if self._phase is not _TRAFFIC:
            raise ProtocolStateError(f"cannot subscribe in the {self._phase.value} phase")
        if self._peer_minor == 0:
            self.send_message([(b"\x01" if subscribe else b"\x00") + topic])
        else:
            self._send_command(encode_subscribe(topic) if subscribe else encode_cancel(topic))

    # --- input -----------------------------------------------------------------------------------

    def receive_data(self, data: BytesLike, now: float) -> list[Event]:
        """Process bytes from the peer. Never raises on peer input.

        Args:
            data: the bytes received (any chunking; not retained after the call).
            now: the current time, seconds.

        Returns:
            The events, in order. After a ConnectionFailed or ErrorReceived the connection
            is closed and ignores further input.
        """
        phase = self._phase
        if phase is _CLOSED or not data:
            return []
        self._now = now
        self._timers.data_received()
        events: list[Event] = []
        if phase is _TRAFFIC and not self._wrap:
            # The hot path: one loop over every complete frame.
            try:
                self._decoder.read_messages(data, events, MessageReceived, self._on_command)
            except FrameError as exc:
                self._fail(exc.reason, exc.code, events)
            return events
        if phase is _GREETING:
            data = self._receive_greeting(data, events)
            if self._phase is _GREETING or self._phase is _CLOSED:
                return events
        if self._phase is _HANDSHAKE:
            # The decoder only fails through next_frame, which closes us; feed is safe.
            self._decoder.feed(data)
            data = b""
            self._run_handshake(events)
        if self._phase is _TRAFFIC:
            self._receive_traffic(data, events)
        return events

    def receive_into(self, data: BytesLike, now: float, out: list[list[bytes]]) -> list[Event]:
        """Like :meth:`receive_data`, but every received message is appended to ``out``
        as its list of frames instead of being returned as a MessageReceived event.

        The engine's read path: no event object per message. The other events are
        returned; all of them precede the messages in ``out`` except a terminal one
        (ConnectionFailed, ErrorReceived), which follows them.
        """
        if self._phase is _TRAFFIC and not self._wrap and data:
            self._now = now
            timers = self._timers
            timers.timeout = timers.ttl = None  # timers.data_received(), inlined: per read
            events: list[Event] = []
            self._sink_events = events
            try:
                self._decoder.read_messages(data, out, None, self._on_command_into)
            except FrameError as exc:
                self._fail(exc.reason, exc.code, events)
            return events
        rest: list[Event] = []
        for ev in self.receive_data(data, now):
            if type(ev) is MessageReceived:
                out.append(ev.frames)
            else:
                rest.append(ev)
        return rest

    def read_target(self) -> memoryview | None:
        """Where the next received bytes should be read to, when a large message frame's
        body is arriving (see ``FrameDecoder.body_target``); then call
        :meth:`receive_body`. None: read anywhere and call :meth:`receive_into`."""
        if self._phase is _TRAFFIC and not self._wrap:
            return self._decoder.body_target()
        return None

    def receive_body(self, nbytes: int, now: float, out: list[list[bytes]]) -> None:
        """``nbytes`` were read into :meth:`read_target`; a completed message is appended
        to ``out``. A body holds no commands, so there are no events."""
        self._now = now
        self._timers.data_received()
        self._decoder.body_received(nbytes, out)

    def _on_command_into(self, body: bytes, out: list[list[bytes]]) -> bool:
        """:meth:`_on_command` for :meth:`receive_into`: subscriptions are messages."""
        if body.startswith(_SUBSCRIBE):
            out.append([b"\x01" + body[10:]])
            return True
        if body.startswith(_CANCEL):
            out.append([b"\x00" + body[7:]])
            return True
        return self._on_command(body, self._sink_events)

    def _receive_greeting(self, data: BytesLike, events: list[Event]) -> BytesLike:
        greeting = self._greeting
        try:
            consumed, out = greeting.receive(data)
        except ZMTPProtocolError as exc:
            self._fail(exc.reason, exc.code, events)
            return b""
        self._obuf += out
        peer = greeting.peer
        if peer is None:
            return b""
        self._peer_minor = peer.minor_version
        self._phase = _HANDSHAKE
        params = HandshakeParams(
            self._socket_type, self._routing_id, self._metadata, peer.minor_version
        )
        if self._mechanism_step(events, self._mechanism.start, params):
            return data[consumed:]
        return b""

    def _mechanism_step(
        self, events: list[Event], call: Callable[..., None], *args: object
    ) -> bool:
        """Run one mechanism call, then collect its output; False if the connection ended."""
        mechanism = self._mechanism
        try:
            call(*args)
        except ErrorCommandReceived as exc:
            self._enter_closed()
            events.append(ErrorReceived(exc.reason))
            return False
        except MechanismError as exc:
            if exc.error_reason is not None:
                self._queue_frame(FLAG_COMMAND, encode_error(exc.error_reason))
            self._fail(exc.reason, exc.code, events, auth=exc.auth)
            return False
        except ZMTPProtocolError as exc:
            self._fail(exc.reason, exc.code, events)
            return False
        for body in mechanism.take_commands():
            self._queue_frame(FLAG_COMMAND, body)
        request = mechanism.take_zap_request()
        if request is not None:
            events.append(request)
        if mechanism.is_complete:
            self._complete_handshake(events)
        return True

    def _handshake_command(self, body: bytes) -> None:
        # ERROR ends any mechanism's handshake (RFC 23), in its well-formed form or
        # libzmq's malformed PLAIN form; mechanisms need not handle it themselves.
        reason = parse_error_command(body)
        if reason is not None:
            raise ErrorCommandReceived(reason)
        self._mechanism.process_command(body)

    def _run_handshake(self, events: list[Event]) -> None:
        decoder = self._decoder
        process = self._handshake_command
        while self._phase is _HANDSHAKE:
            try:
                frame = decoder.next_frame()
            except FrameError as exc:
                self._fail(exc.reason, exc.code, events)
                return
            if frame is None:
                return
            flags, body = frame
            if not flags & FLAG_COMMAND:
                # libzmq closed when a message frame came instead of READY [OBS 9b].
                self._fail(
                    "message frame received before the handshake completed",
                    ProtocolError.ZMTP_UNEXPECTED_COMMAND,
                    events,
                )
                return
            self._mechanism_step(events, process, body)

    def _complete_handshake(self, events: list[Event]) -> None:
        mechanism = self._mechanism
        peer = mechanism.peer_properties
        socket_type = get_property(peer, PROPERTY_SOCKET_TYPE)
        identity = get_property(peer, PROPERTY_IDENTITY)
        properties = dict(peer)
        properties.update(mechanism.zap_properties)
        self._phase = _TRAFFIC
        self._timers.handshake_done(self._now)
        self._decoder.max_frame_size = self._max_msg_size
        events.append(
            HandshakeComplete(
                socket_type.decode("latin-1") if socket_type is not None else "",
                identity if identity is not None else b"",
                properties,
                self._peer_minor if self._peer_minor is not None else 1,
            )
        )

    def _receive_traffic(self, data: BytesLike, events: list[Event]) -> None:
        """Traffic input for any mechanism (after a phase change, or a wrapping one)."""
        decoder = self._decoder
        if not self._wrap:
            try:
                decoder.read_messages(data, events, MessageReceived, self._on_command)
            except FrameError as exc:
                self._fail(exc.reason, exc.code, events)
            return
        frames: list[tuple[int, bytes]] = []
        error: FrameError | None = None
        try:
            decoder.read_frames(data, frames)
        except FrameError as exc:
            error = exc
        decode = self._mechanism.decode_frame
        parts = self._rx_parts
        for wire_flags, wire in frames:
            try:
                flags, body = decode(wire_flags, wire)
            except ZMTPProtocolError as exc:
                self._fail(exc.reason, exc.code, events)
                return
            if flags & FLAG_COMMAND:
                if not self._on_command(body, events):
                    return
                continue
            parts.append(body)
            if not flags & FLAG_MORE:
                events.append(MessageReceived(parts))
                parts = self._rx_parts = []
        if error is not None:
            self._fail(error.reason, error.code, events)

    def _on_command(self, body: bytes, events: list[Event]) -> bool:
        """A command after the handshake; False if it failed the connection."""
        if body.startswith(_PING):
            try:
                ttl, context = parse_ping(body[5:])
            except CommandError as exc:
                self._fail(exc.reason, exc.code, events)
                return False
            self._timers.ping_received(ttl, self._now)
            self._send_command(encode_pong(context))
        elif body.startswith(_SUBSCRIBE):
            events.append(MessageReceived([b"\x01" + body[10:]]))
        elif body.startswith(_CANCEL):
            events.append(MessageReceived([b"\x00" + body[7:]]))
        elif not body or body[0] >= len(body):
            self._fail(
                "malformed command frame", ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED, events
            )
            return False
        # PONG, a repeated READY, ERROR and unknown commands are ignored, as libzmq does
        # [OBS 3i, 9c]; PONG's only job (liveness) was done on receipt.
        return True

    # --- ZAP -----------------------------------------------------------------------------------

    def zap_reply(
        self,
        status_code: str | int,
        user_id: bytes = b"",
        metadata: bytes | Mapping[str, bytes] | None = None,
        now: float | None = None,
    ) -> list[Event]:
        """Resume the handshake with a ZAP handler's answer (after a ZapRequest event).

        Args:
            status_code: "200", "300", "400" or "500" (ints accepted).
            user_id: the reply's user id (becomes the ``User-Id`` property).
            metadata: the reply's metadata frame (ZMTP property format) or a dict.
            now: the current time (defaults to the last time seen).

        Returns:
            Events, as from receive_data (HandshakeComplete, ConnectionFailed, ...). A reply
            for a connection that already closed returns [].

        Raises:
            ProtocolStateError: no ZAP request is pending.
        """
        if self._phase is _CLOSED:
            return []
        if not self._mechanism.zap_pending:
            raise ProtocolStateError("no ZAP request is pending")
        if now is not None:
            self._now = now
        events: list[Event] = []
        if not self._mechanism_step(
            events, self._mechanism.zap_reply, str(status_code), bytes(user_id), metadata or {}
        ):
            return events
        # Commands may have been buffered while the decision was pending.
        if self._phase is _HANDSHAKE:
            self._run_handshake(events)
        if self._phase is _TRAFFIC:
            self._receive_traffic(b"", events)
        return events

    # --- timers --------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must next be called, or None."""
        if self._phase is _CLOSED:
            return None
        t = self._timers
        if t.handshake is None and t.ping is None and t.timeout is None and t.ttl is None:
            return None  # the common case (no heartbeats), checked per read without a call
        return t.next_deadline()

    def handle_timer(self, now: float) -> list[Event]:
        """Run the timers due at ``now``: handshake timeout, heartbeat timeout, the peer's
        ttl, and sending our PING. Safe to call early or often."""
        if self._phase is _CLOSED:
            return []
        self._now = now
        events: list[Event] = []
        timers = self._timers
        due = timers.due(now)
        if due is Due.HANDSHAKE:
            if self._mechanism.zap_failure:
                # ZAP said 300: libzmq sent nothing and let the handshake time out.
                self._fail(
                    "handshake timed out after a temporary ZAP failure (300)",
                    self._mechanism.zap_failure,
                    events,
                    auth=True,
                )
            else:
                self._fail(f"handshake not complete after {timers.handshake_ivl} s", 0, events)
        elif due is Due.TIMEOUT:
            self._fail(
                f"heartbeat timeout: nothing received {timers.heartbeat_timeout} s after PING",
                0,
                events,
            )
        elif due is Due.TTL:
            self._fail("heartbeat: the peer's PING ttl expired", 0, events)
        elif due is Due.PING:
            self._send_command(self._ping)
            timers.ping_sent(now)
        return events

    # --- failure -------------------------------------------------------------------------------

    def _enter_closed(self) -> None:
        self._phase = _CLOSED
        self._timers.clear()

    def _fail(self, reason: str, code: int, events: list[Event], auth: bool = False) -> None:
        handshake = self._phase is not _TRAFFIC
        self._enter_closed()
        events.append(ConnectionFailed(reason, int(code), handshake, auth))
