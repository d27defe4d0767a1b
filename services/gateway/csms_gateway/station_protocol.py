"""One station connection's OCPP-J promises as a sans-I/O state machine.

In the manner of python-websockets' ``Protocol``: events go in as method calls (a frame
from the station, a frame from MQTT, a deadline reached, a publish that failed, the
connection closed); each returns the actions (:mod:`csms_gateway.station_actions`) the
shell must perform, in order. Nothing here awaits, sleeps, or touches a socket; time
comes from an injected clock. The promises it keeps:

* each station call gets exactly one answer: the handler's, or an InternalError when no
  answer came in time or the call could not be forwarded; a second or late answer is dropped;
* a retransmitted call (same id, same text) already answered gets the same answer again,
  from memory, without being processed twice;
* one outstanding CSMS call per station: later ones wait in a bounded queue, each ends
  with the station's answer or is reported (timeout, rejected, connection closed);
* the registration status follows the BootNotification replies;
* idle means no call awaits an answer in either direction (drain waits for it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from csms_common import properties, topics
from csms_common.commands import CommandState
from csms_common.mqtt_message import InboundMessage
from csms_common.ocpp.errors import ErrorKind, error_code
from csms_common.ocpp.frames import CALL, CALL_ERROR, CALL_RESULT, CallError
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.frame_verdict import Answer, Forward, FrameHeader, MalformedAnswer, read_header, verdict
from csms_gateway.metrics import (
    BUDGET_EXCEEDED,
    CALL_TIMEOUTS,
    CALLS_REJECTED,
    DUPLICATE_ANSWERS,
    FRAMES,
    MISROUTED_FRAMES,
    RETRANSMISSIONS,
    STATION_CALL_TIMEOUTS,
    UNSOLICITED_ANSWERS,
)
from csms_gateway.outstanding import CallQueueFull, OutstandingCalls, PendingCall
from csms_gateway.retransmissions import RecentReplies
from csms_gateway.station_actions import (
    Action,
    Awaiting,
    CancelDeadline,
    Clock,
    Deadline,
    Publish,
    Report,
    SetDeadline,
    Write,
)

logger = logging.getLogger(__name__)

_TYPE_NAMES = {CALL: "call", CALL_RESULT: "result", CALL_ERROR: "error", None: "malformed"}
_FRAME_COUNTERS = {
    (direction, version, message_type): FRAMES.labels(direction, version.value, name)
    for direction in ("in", "out")
    for version in OcppVersion
    for message_type, name in _TYPE_NAMES.items()
}
"""csms_gateway_frames_total's children, looked up once: ``labels()`` was the largest cost of
counting a frame (profile of a round trip of frames, four lookups per round trip)."""

RECENT_REPLIES = 32
"""Answers remembered per connection, to answer a retransmitted call without processing it again."""

MAX_AWAITED_STATION_CALLS = RECENT_REPLIES
"""Station calls awaiting the handlers' answer at once, per connection. OCPP-J allows one; beyond
this many the call is refused with an InternalError (the station retries). Never more than the
calls remembered, so no awaited call is forgotten, and left without an answer at its deadline."""

CLOSED_REASON = "the connection ended before an answer"


@dataclass(frozen=True)
class SessionSettings:
    gateway_instance: str
    call_timeout: float
    max_queued_calls: int
    idle_timeout: float = 660.0
    station_rate: float = 20.0
    station_burst: int = 100


class StationProtocol:
    """The state of one connection: calls awaited both ways, answers remembered, registration status."""

    # One per connected station (tens of thousands per process): slots, no per-instance dict.
    __slots__ = (
        "_calls",
        "_clock",
        "_closed",
        "_in_topic",
        "_log",
        "_replies",
        "_settings",
        "_station_calls",
        "registration_status",
        "session_id",
        "station_id",
        "version",
    )

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        session_id: str,
        settings: SessionSettings,
        clock: Clock,
        registration_status: str = "Accepted",
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.session_id = session_id
        self.registration_status = registration_status
        """The registry's status as last learned (handshake, then BootNotification replies)."""
        self._settings = settings
        self._clock = clock
        self._calls = OutstandingCalls(settings.max_queued_calls)
        self._replies = RecentReplies(RECENT_REPLIES)
        self._station_calls: set[str] = set()
        """Station calls forwarded whose answer (or deadline) is awaited: each has a deadline set."""
        self._closed = False
        self._in_topic = topics.station_in(station_id)
        self._log = {"station_id": station_id, "session_id": session_id}

    @property
    def is_idle(self) -> bool:
        """No station call awaits its answer and no CSMS call awaits the station's."""
        return not self._station_calls and self._calls.in_flight is None

    # -------------------------------------------------------- station → MQTT

    def receive_station_frame(self, text: str) -> list[Action]:
        """A text frame the station sent."""
        judged = verdict(text, self.version)
        if not isinstance(judged, Forward):
            # Judged once, here, with the handler's own reader: refused frames never reach a handler.
            return self._refuse(judged)
        header = judged.header
        actions: list[Action] = []
        if header.message_type == CALL:
            cached = self._replies.retransmission(header.message_id, text)
            if cached is not None:
                # The station sent the same call again (it missed our answer): same answer, no new effects.
                RETRANSMISSIONS.inc()
                logger.info(
                    "retransmitted call answered again", extra={**self._log, "message_id": header.message_id}
                )
                return [Write(cached)]
            if (
                header.message_id not in self._station_calls
                and len(self._station_calls) >= MAX_AWAITED_STATION_CALLS
            ):
                BUDGET_EXCEEDED.labels("awaited_calls").inc()
                _FRAME_COUNTERS["in", self.version, CALL].inc()
                logger.warning(
                    "station call refused: too many awaiting an answer",
                    extra={**self._log, "message_id": header.message_id},
                )
                return [
                    self._internal_error(header.message_id, "too many calls awaiting an answer, retry later")
                ]
            self._replies.forwarded(header.message_id, text)
            self._station_calls.add(header.message_id)
            # A retransmission of a call still awaited restarts its deadline.
            actions.append(self._deadline(Awaiting.STATION_CALL, header.message_id))
        metadata = {
            properties.PROTOCOL: self.version.subprotocol,
            properties.GATEWAY: self._settings.gateway_instance,
            properties.SESSION: self.session_id,
            properties.RECEIVED_AT: self._clock.now_iso(),
            properties.REGISTRATION_STATUS: self.registration_status,
        }
        _FRAME_COUNTERS["in", self.version, header.message_type].inc()
        if header.message_type == CALL:
            actions.append(Publish(self._in_topic, text, metadata, station_call=header.message_id))
            return actions
        answered = self._answer_csms_call(header.message_id, actions)
        if answered is None:
            # It answers no call the CSMS made on this connection (unknown, late or another
            # station's id): there is nothing to record, and it is never forwarded, so its
            # size costs the broker and the handlers nothing. OCPP-J never answers an answer.
            UNSOLICITED_ANSWERS.inc()
            return actions
        metadata[properties.ACTION] = answered.action
        # The handler answers whoever waits for this call's result (remote-api's ?wait=).
        actions.append(
            Publish(self._in_topic, text, metadata, answered.response_topic, answered.correlation_data)
        )
        return actions

    def forward_failed(self, message_id: str) -> list[Action]:
        """A station call could not be published: it gets an InternalError it will retry
        (nothing was processed), unless it was answered or given up on meanwhile."""
        actions = self._stop_awaiting(message_id)
        if self._replies.gave_up(message_id):
            actions.append(self._internal_error(message_id, "CSMS temporarily unavailable, retry later"))
        return actions

    def _refuse(self, judged: Answer | MalformedAnswer) -> list[Action]:
        """Answer a refused call exactly once (its id, or "-1"); a malformed answer is never answered,
        but ends the CSMS call it answers, whose caller learns it was an error."""
        _FRAME_COUNTERS["in", self.version, None].inc()
        if isinstance(judged, Answer):
            reply = judged.reply
            logger.warning(
                "station frame refused",
                extra={**self._log, "message_id": reply.message_id, "error": reply.description},
            )
            return [Write(reply.to_json())]
        logger.warning(
            "malformed answer from the station",
            extra={**self._log, "message_id": judged.message_id, "error": judged.description},
        )
        actions: list[Action] = []
        answered = self._answer_csms_call(judged.message_id, actions)
        if answered is not None:
            actions.append(Report(answered, CommandState.ERROR, f"malformed answer: {judged.description}"))
        return actions

    def _answer_csms_call(self, message_id: str, actions: list[Action]) -> PendingCall | None:
        """The station answered ``message_id``: end the call in flight (the next one is written)."""
        answered, next_call = self._calls.answer(message_id)
        if answered is None:
            logger.warning("answer to no outstanding call", extra={**self._log, "message_id": message_id})
            return None
        actions.append(CancelDeadline(Deadline(Awaiting.CSMS_CALL, message_id)))
        if next_call is not None:
            actions.extend(self._write_call(next_call))
        return answered

    # -------------------------------------------------------- MQTT → station

    def receive_mqtt_frame(
        self, text: str, message: InboundMessage | None = None, *, calls: bool | None = None
    ) -> list[Action]:
        """A frame for the station: replies are written at once, calls one at a time.

        ``calls`` says which topic it came from: True ``{cp}/call`` (Calls only), False ``{cp}/out``
        (CallResult and CallError only); a frame of the other kind is refused, so a login that may
        answer stations cannot command them and the other way round (docs/broker-trust.md).
        """
        header = read_header(text)
        if header is None:
            logger.error("malformed frame refused", extra={**self._log, "frame": text[:200]})
            return []
        if calls is not None and (header.message_type == CALL) != calls:
            MISROUTED_FRAMES.labels("call" if calls else "out").inc()
            logger.error(
                "refusing a frame published on the wrong topic",
                extra={**self._log, "message_id": header.message_id, "topic": "call" if calls else "out"},
            )
            return []
        if header.message_type != CALL:
            return self._answer_station_call(header, text, message)
        call = PendingCall(
            header.message_id,
            header.action or "",
            text,
            response_topic=message.response_topic if message else None,
            correlation_data=message.correlation_data if message else None,
        )
        if self._closed:
            # Routed here while the connection was ending: its caller learns at once, not at the timeout.
            logger.info("call for a closed connection", extra={**self._log, "message_id": call.message_id})
            return [Report(call, CommandState.CLOSED, CLOSED_REASON)]
        try:
            ready = self._calls.offer(call)
        except CallQueueFull as error:
            CALLS_REJECTED.inc()
            logger.warning(
                "call to station refused: queue full",
                extra={
                    **self._log,
                    "message_id": call.message_id,
                    "action": call.action,
                    "error": str(error),
                },
            )
            return [Report(call, CommandState.REJECTED, "too many calls queued for this station")]
        if ready is None:
            logger.info(
                "call to station queued",
                extra={**self._log, "message_id": call.message_id, "queued": self._calls.queued},
            )
            return []
        return self._write_call(ready)

    def _answer_station_call(
        self, header: FrameHeader, text: str, message: InboundMessage | None
    ) -> list[Action]:
        actions = self._stop_awaiting(header.message_id)
        first = (
            self._replies.errored(header.message_id)
            if header.message_type == CALL_ERROR
            else self._replies.answered(header.message_id, text)
        )
        if not first:
            # Processed twice (a redelivery or a retry) or answered too late: the station
            # already has its one answer for this id.
            DUPLICATE_ANSWERS.inc()
            logger.info(
                "second or late answer not written", extra={**self._log, "message_id": header.message_id}
            )
            return actions
        if message is not None and properties.REGISTRATION_STATUS in message.user_properties:
            self.registration_status = message.user_properties[properties.REGISTRATION_STATUS]
        _FRAME_COUNTERS["out", self.version, header.message_type].inc()
        actions.append(Write(text))
        return actions

    def _write_call(self, call: PendingCall) -> list[Action]:
        _FRAME_COUNTERS["out", self.version, CALL].inc()
        logger.info(
            "call sent to station", extra={**self._log, "message_id": call.message_id, "action": call.action}
        )
        return [self._deadline(Awaiting.CSMS_CALL, call.message_id), Write(call.frame)]

    # -------------------------------------------------------- deadlines and the end

    def deadline_reached(self, deadline: Deadline) -> list[Action]:
        """A deadline the shell was asked to set has passed (a stale one is ignored)."""
        if deadline.awaiting is Awaiting.STATION_CALL:
            return self._station_call_timed_out(deadline.message_id)
        return self._csms_call_timed_out(deadline.message_id)

    def _station_call_timed_out(self, message_id: str) -> list[Action]:
        """No handler answered in time (none running, or the broker lost the call): never silence,
        an InternalError the station retries. A late answer is then dropped, not written."""
        if message_id not in self._station_calls:
            return []
        self._station_calls.discard(message_id)
        if not self._replies.gave_up(message_id):
            return []
        STATION_CALL_TIMEOUTS.inc()
        logger.warning("station call not answered in time", extra={**self._log, "message_id": message_id})
        return [self._internal_error(message_id, "no answer from the CSMS in time, retry later")]

    def _csms_call_timed_out(self, message_id: str) -> list[Action]:
        in_flight = self._calls.in_flight
        if in_flight is None or in_flight.message_id != message_id:
            return []
        expired, next_call = self._calls.expire()
        CALL_TIMEOUTS.inc()
        logger.warning(
            "call to station timed out",
            extra={**self._log, "message_id": message_id, "action": in_flight.action},
        )
        # The next call first: the report is a publish, which waits for the broker.
        actions = self._write_call(next_call) if next_call is not None else []
        if expired is not None:
            actions.append(Report(expired, CommandState.TIMEOUT, "no answer from the station in time"))
        return actions

    def connection_closed(self) -> list[Action]:
        """The connection ended: every deadline is cancelled and every unanswered CSMS call reported."""
        self._closed = True
        actions: list[Action] = [
            CancelDeadline(Deadline(Awaiting.STATION_CALL, message_id)) for message_id in self._station_calls
        ]
        self._station_calls.clear()
        in_flight = self._calls.in_flight
        if in_flight is not None:
            actions.append(CancelDeadline(Deadline(Awaiting.CSMS_CALL, in_flight.message_id)))
        unanswered = self._calls.drain()
        if unanswered:
            logger.warning(
                "connection ended with unanswered calls",
                extra={**self._log, "calls": [call.message_id for call in unanswered]},
            )
        actions.extend(Report(call, CommandState.CLOSED, CLOSED_REASON) for call in unanswered)
        return actions

    # -------------------------------------------------------- helpers

    def _deadline(self, awaiting: Awaiting, message_id: str) -> SetDeadline:
        return SetDeadline(
            Deadline(awaiting, message_id), self._clock.monotonic() + self._settings.call_timeout
        )

    def _stop_awaiting(self, message_id: str) -> list[Action]:
        if message_id not in self._station_calls:
            return []
        self._station_calls.discard(message_id)
        return [CancelDeadline(Deadline(Awaiting.STATION_CALL, message_id))]

    def _internal_error(self, message_id: str, description: str) -> Write:
        code = error_code(ErrorKind.INTERNAL_ERROR, self.version)
        return Write(CallError(message_id, code, description, {}).to_json())
