"""One station's WebSocket connection: frames in to MQTT, frames out to the socket, one call at a time."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from csms_common import properties, topics
from csms_common.clock import utc_now_iso
from csms_common.commands import CommandState, command_event
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.ocpp.errors import ErrorKind, error_code
from csms_common.ocpp.frames import CALL, CALL_ERROR, CALL_RESULT, CallError
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.budgets import Rate, StationBudget
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
    THROTTLED,
    UNSOLICITED_ANSWERS,
)
from csms_gateway.outstanding import CallQueueFull, OutstandingCalls, PendingCall
from csms_gateway.retransmissions import RecentReplies
from csms_gateway.station_protocol import SessionSettings

logger = logging.getLogger(__name__)

_TYPE_NAMES = {CALL: "call", CALL_RESULT: "result", CALL_ERROR: "error"}

RECENT_REPLIES = 32
"""Answers remembered per connection, to answer a retransmitted call without processing it again."""


class UnsupportedFrame(Exception):
    """The station sent a binary frame; OCPP-J is text only. Closed with 1003."""


class IdleTimeout(Exception):
    """The station sent nothing for longer than the idle timeout."""


class StationSession:
    """Forwards frames both ways for one connection and enforces one outstanding CSMS call."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        websocket: ServerConnection,
        client: AsyncMqttClient,
        settings: SessionSettings,
        registration_status: str = "Accepted",
        budget: StationBudget | None = None,
    ) -> None:
        self.station_id = station_id
        self.registration_status = registration_status
        """The registry's status as last learned (handshake, then BootNotification replies)."""
        self.version = version
        self.session_id = uuid.uuid4().hex
        self.connected_at_ms = int(time.time() * 1000)
        self._websocket = websocket
        self._client = client
        self._settings = settings
        self._calls = OutstandingCalls(settings.max_queued_calls)
        self._replies = RecentReplies(RECENT_REPLIES)
        # The station id's budget, shared by its connections on this gateway (reconnecting refills nothing).
        self._budget = budget or StationBudget(
            Rate(settings.station_rate, settings.station_burst), Rate(0, 1), time.monotonic()
        )
        self._call_timer: asyncio.TimerHandle | None = None
        self._station_call_timers: dict[str, asyncio.TimerHandle] = {}
        """Station calls forwarded and not yet answered, each with its deadline (GATEWAY_CALL_TIMEOUT)."""
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_topic = topics.station_in(station_id)
        self._log = {"station_id": station_id, "session_id": self.session_id}

    @property
    def remote_address(self) -> str:
        address = self._websocket.remote_address
        return str(address[0]) if address else "-"

    async def run(self) -> None:
        """Read the station's frames until the connection closes."""
        try:
            while True:
                try:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps recv() in one more
                    # task per waiting station, and every idle station is always waiting here.
                    async with asyncio.timeout(self._settings.idle_timeout):
                        message = await self._websocket.recv()
                except TimeoutError as error:
                    raise IdleTimeout(f"nothing received for {self._settings.idle_timeout:g} s") from error
                if isinstance(message, bytes):
                    raise UnsupportedFrame("binary frames are not OCPP-J")
                await self._throttle(_utf8_length(message))
                await self._forward_from_station(message)
        except ConnectionClosed:
            pass
        finally:
            self._cancel_timer()
            for timer in self._station_call_timers.values():
                timer.cancel()
            self._station_call_timers.clear()
            self._idle.set()
            unanswered = self._calls.drain()
            if unanswered:
                logger.warning(
                    "connection ended with unanswered calls",
                    extra={**self._log, "calls": [c.message_id for c in unanswered]},
                )
                for call in unanswered:
                    await self._report(call, CommandState.CLOSED, "the connection ended before an answer")

    async def _throttle(self, size: int) -> None:
        """Over its frames or bytes budget, a station is slowed down: its frames wait (and TCP
        backpressure stops it), on this connection only."""
        wait, budget = self._budget.take(size, time.monotonic())
        if budget is not None:
            THROTTLED.inc()
            BUDGET_EXCEEDED.labels(budget).inc()
        # Until the budget is really taken: a timer may fire a little early (uvloop's have millisecond
        # resolution), and a frame let through without its tokens would double the station's rate.
        while wait > 0:
            await asyncio.sleep(wait)
            wait, _ = self._budget.take(size, time.monotonic())

    async def close(self, code: int, reason: str) -> None:
        await self._websocket.close(code, reason)

    @property
    def is_idle(self) -> bool:
        """No station call awaits its answer and no CSMS call awaits the station's."""
        return not self._station_call_timers and self._calls.in_flight is None

    async def wait_idle(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until the session is idle; False if it still is not."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.is_idle:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), remaining)
            except TimeoutError:
                return self.is_idle
        return True

    def _maybe_idle(self) -> None:
        if self.is_idle:
            self._idle.set()

    # -------------------------------------------------------- station → MQTT

    async def _forward_from_station(self, text: str) -> None:
        judged = verdict(text, self.version)
        if not isinstance(judged, Forward):
            # Judged once, here, with the handler's own reader: refused frames never reach a handler.
            await self._refuse(judged)
            return
        header = judged.header
        if header.message_type == CALL:
            cached = self._replies.retransmission(header.message_id, text)
            if cached is not None:
                # The station sent the same call again (it missed our answer): same answer, no new effects.
                RETRANSMISSIONS.inc()
                logger.info(
                    "retransmitted call answered again", extra={**self._log, "message_id": header.message_id}
                )
                await self._send(cached)
                return
            self._replies.forwarded(header.message_id, text)
            self._await_station_call_answer(header.message_id)
        metadata = {
            properties.PROTOCOL: self.version.subprotocol,
            properties.GATEWAY: self._settings.gateway_instance,
            properties.SESSION: self.session_id,
            properties.RECEIVED_AT: utc_now_iso(),
            properties.REGISTRATION_STATUS: self.registration_status,
        }
        answered: PendingCall | None = None
        if header.message_type != CALL:
            answered = self._on_station_answer(header.message_id)
            if answered is None:
                # It answers no call the CSMS made on this connection (unknown, late or another
                # station's id): there is nothing to record, and it is never forwarded, so its
                # size costs the broker and the handlers nothing. OCPP-J never answers an answer.
                UNSOLICITED_ANSWERS.inc()
                FRAMES.labels("in", self.version.value, _type_name(header)).inc()
                return
            metadata[properties.ACTION] = answered.action
        FRAMES.labels("in", self.version.value, _type_name(header)).inc()
        try:
            await self._client.publish(
                self._in_topic,
                text,
                qos=1,
                properties=metadata,
                # The handler answers whoever waits for this call's result (remote-api's ?wait=).
                response_topic=answered.response_topic if answered else None,
                correlation_data=answered.correlation_data if answered else None,
            )
        except PublishError as error:
            logger.error("could not forward a station frame", extra={**self._log, "error": str(error)})
            if header.message_type == CALL and self._give_up(header.message_id):
                # The station retries a call that got an InternalError; nothing was processed.
                description = "CSMS temporarily unavailable, retry later"
                await self._send_internal_error(header.message_id, description)

    async def _refuse(self, judged: Answer | MalformedAnswer) -> None:
        """Answer a refused call exactly once (its id, or "-1"); a malformed answer is never answered,
        but ends the CSMS call it answers, whose caller learns it was an error."""
        FRAMES.labels("in", self.version.value, "malformed").inc()
        if isinstance(judged, Answer):
            reply = judged.reply
            logger.warning(
                "station frame refused",
                extra={**self._log, "message_id": reply.message_id, "error": reply.description},
            )
            await self._send(reply.to_json())
            return
        logger.warning(
            "malformed answer from the station",
            extra={**self._log, "message_id": judged.message_id, "error": judged.description},
        )
        answered = self._on_station_answer(judged.message_id)
        if answered is not None:
            await self._report(answered, CommandState.ERROR, f"malformed answer: {judged.description}")

    def _await_station_call_answer(self, message_id: str) -> None:
        """Start (or restart, for a retransmission) the deadline of a forwarded station call."""
        previous = self._station_call_timers.pop(message_id, None)
        if previous is not None:
            previous.cancel()
        self._station_call_timers[message_id] = asyncio.get_running_loop().call_later(
            self._settings.call_timeout, self._on_station_call_timeout, message_id
        )
        self._idle.clear()

    def _give_up(self, message_id: str) -> bool:
        """Stop waiting for a station call's answer; True if it was awaited (the station gets an error)."""
        timer = self._station_call_timers.pop(message_id, None)
        if timer is not None:
            timer.cancel()
        given_up = self._replies.gave_up(message_id)
        self._maybe_idle()
        return given_up

    def _on_station_call_timeout(self, message_id: str) -> None:
        """No handler answered in time (none running, or the broker lost the call): never silence,
        an InternalError the station retries. A late answer is then dropped, not written."""
        self._station_call_timers.pop(message_id, None)
        if not self._give_up(message_id):
            return
        STATION_CALL_TIMEOUTS.inc()
        logger.warning("station call not answered in time", extra={**self._log, "message_id": message_id})
        self._spawn(self._send_internal_error(message_id, "no answer from the CSMS in time, retry later"))

    async def _send_internal_error(self, message_id: str, description: str) -> None:
        code = error_code(ErrorKind.INTERNAL_ERROR, self.version)
        await self._send(CallError(message_id, code, description, {}).to_json())

    def _on_station_answer(self, message_id: str) -> PendingCall | None:
        answered, next_call = self._calls.answer(message_id)
        if answered is None:
            logger.warning("answer to no outstanding call", extra={**self._log, "message_id": message_id})
            return None
        self._cancel_timer()
        if next_call is not None:
            self._write_call_soon(next_call)
        self._maybe_idle()
        return answered

    # -------------------------------------------------------- MQTT → station

    async def deliver(
        self, text: str, message: InboundMessage | None = None, *, calls: bool | None = None
    ) -> None:
        """Write a frame for the station: replies at once, calls one at a time.

        ``calls`` says which topic it came from: True ``{cp}/call`` (Calls only), False ``{cp}/out``
        (CallResult and CallError only); a frame of the other kind is refused, so a login that may
        answer stations cannot command them and the other way round (docs/broker-trust.md).
        """
        header = read_header(text)
        if header is None:
            logger.error("malformed frame refused", extra={**self._log, "frame": text[:200]})
            return
        if calls is not None and (header.message_type == CALL) != calls:
            MISROUTED_FRAMES.labels("call" if calls else "out").inc()
            logger.error(
                "refusing a frame published on the wrong topic",
                extra={**self._log, "message_id": header.message_id, "topic": "call" if calls else "out"},
            )
            return
        if header.message_type != CALL:
            timer = self._station_call_timers.pop(header.message_id, None)
            if timer is not None:
                timer.cancel()
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
                self._maybe_idle()
                return
            if message is not None and properties.REGISTRATION_STATUS in message.user_properties:
                self.registration_status = message.user_properties[properties.REGISTRATION_STATUS]
            await self._send(text)
            self._maybe_idle()
            FRAMES.labels("out", self.version.value, _type_name(header)).inc()
            return
        call = PendingCall(
            header.message_id,
            header.action or "",
            text,
            response_topic=message.response_topic if message else None,
            correlation_data=message.correlation_data if message else None,
        )
        try:
            ready = self._calls.offer(call)
        except CallQueueFull as error:
            CALLS_REJECTED.inc()
            await self._report(call, CommandState.REJECTED, "too many calls queued for this station")
            logger.warning(
                "call to station refused: queue full",
                extra={
                    **self._log,
                    "message_id": call.message_id,
                    "action": call.action,
                    "error": str(error),
                },
            )
            return
        if ready is not None:
            await self._write_call(ready)
        else:
            logger.info(
                "call to station queued",
                extra={**self._log, "message_id": call.message_id, "queued": self._calls.queued},
            )

    async def _write_call(self, call: PendingCall) -> None:
        self._cancel_timer()
        self._call_timer = asyncio.get_running_loop().call_later(
            self._settings.call_timeout, self._on_call_timeout, call.message_id
        )
        await self._send(call.frame)
        FRAMES.labels("out", self.version.value, "call").inc()
        logger.info(
            "call sent to station",
            extra={**self._log, "message_id": call.message_id, "action": call.action},
        )

    def _write_call_soon(self, call: PendingCall) -> None:
        self._spawn(self._write_call(call))

    def _on_call_timeout(self, message_id: str) -> None:
        in_flight = self._calls.in_flight
        if in_flight is None or in_flight.message_id != message_id:
            return
        expired, next_call = self._calls.expire()
        CALL_TIMEOUTS.inc()
        logger.warning(
            "call to station timed out",
            extra={**self._log, "message_id": message_id, "action": expired.action if expired else None},
        )
        if expired is not None:
            self._spawn(self._report(expired, CommandState.TIMEOUT, "no answer from the station in time"))
        if next_call is not None:
            self._write_call_soon(next_call)
        self._maybe_idle()

    async def _report(self, call: PendingCall, state: CommandState, reason: str) -> None:
        """Tell the command record (and a waiting caller) that a call ended without an answer."""
        event = json.dumps(command_event(call.message_id, state, action=call.action, reason=reason))
        try:
            await self._client.publish(
                topics.station_event(topics.StationEvent.COMMANDS, self.station_id), event, qos=1
            )
            if call.response_topic is not None:
                await self._client.publish(
                    call.response_topic, event, qos=1, correlation_data=call.correlation_data
                )
        except PublishError as error:
            logger.error("could not report a call's end", extra={**self._log, "error": str(error)})

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(_log_task_failure)

    def _cancel_timer(self) -> None:
        if self._call_timer is not None:
            self._call_timer.cancel()
            self._call_timer = None

    async def _send(self, text: str) -> None:
        try:
            await self._websocket.send(text)
        except ConnectionClosed:
            logger.info("frame not written: connection closed", extra=self._log)


def _utf8_length(text: str) -> int:
    # isascii() is O(1) in CPython: almost every OCPP frame is ASCII and is not encoded to be measured.
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _type_name(header: FrameHeader | None) -> str:
    return "malformed" if header is None else _TYPE_NAMES[header.message_type]


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("gateway task failed", exc_info=task.exception())
