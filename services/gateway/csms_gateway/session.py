"""One station's WebSocket connection: the asyncio shell around its sans-I/O StationProtocol.

The shell reads frames (idle timeout, binary refusal, throttling), feeds every event to the
protocol and performs the actions it returns, in order: writes, publishes, reports and
deadlines (one timer each). Every rule about calls and answers lives in the protocol.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from csms_common import topics
from csms_common.commands import command_event
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.budgets import Rate, StationBudget
from csms_gateway.metrics import BUDGET_EXCEEDED, THROTTLED
from csms_gateway.station_actions import (
    Action,
    CancelDeadline,
    Clock,
    Deadline,
    Publish,
    Report,
    SetDeadline,
    SystemClock,
    Write,
)
from csms_gateway.station_protocol import SessionSettings, StationProtocol

logger = logging.getLogger(__name__)


class UnsupportedFrame(Exception):
    """The station sent a binary frame; OCPP-J is text only. Closed with 1003."""


class IdleTimeout(Exception):
    """The station sent nothing for longer than the idle timeout."""


class StationSession:
    """Moves one connection's frames between its socket, MQTT and its protocol."""

    def __init__(
        self,
        station_id: str,
        version: OcppVersion,
        websocket: ServerConnection,
        client: AsyncMqttClient,
        settings: SessionSettings,
        registration_status: str = "Accepted",
        budget: StationBudget | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.station_id = station_id
        self.version = version
        self.session_id = uuid.uuid4().hex
        self.connected_at_ms = int(time.time() * 1000)
        self._clock = clock or SystemClock()
        self.protocol = StationProtocol(
            station_id, version, self.session_id, settings, self._clock, registration_status
        )
        self._websocket = websocket
        self._client = client
        self._idle_timeout = settings.idle_timeout
        # The station id's budget, shared by its connections on this gateway (reconnecting refills nothing).
        self._budget = budget or StationBudget(
            Rate(settings.station_rate, settings.station_burst), Rate(0, 1), time.monotonic()
        )
        self._deadlines: dict[Deadline, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        """Actions of fired deadlines still being performed (kept here so none is lost unawaited)."""
        self._idle: asyncio.Event | None = None
        """Set when the protocol becomes idle; made by the first wait for it (draining)."""
        self._log = {"station_id": station_id, "session_id": self.session_id}

    @property
    def registration_status(self) -> str:
        return self.protocol.registration_status

    @property
    def remote_address(self) -> str:
        address = self._websocket.remote_address
        return str(address[0]) if address else "-"

    @property
    def is_idle(self) -> bool:
        return self.protocol.is_idle

    # ------------------------------------------------------------ events in

    async def run(self) -> None:
        """Read the station's frames until the connection closes."""
        try:
            while True:
                try:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps recv() in one more
                    # task per waiting station, and every idle station is always waiting here.
                    async with asyncio.timeout(self._idle_timeout):
                        message = await self._websocket.recv()
                except TimeoutError as error:
                    raise IdleTimeout(f"nothing received for {self._idle_timeout:g} s") from error
                if isinstance(message, bytes):
                    raise UnsupportedFrame("binary frames are not OCPP-J")
                await self._throttle(_utf8_length(message))
                await self._perform(self.protocol.receive_station_frame(message))
        except ConnectionClosed:
            pass
        finally:
            await self._perform(self.protocol.connection_closed())

    async def deliver(
        self, text: str, message: InboundMessage | None = None, *, calls: bool | None = None
    ) -> None:
        """A frame from ``{cp}/call`` (``calls=True``) or ``{cp}/out`` (``calls=False``)."""
        await self._perform(self.protocol.receive_mqtt_frame(text, message, calls=calls))

    def _deadline_reached(self, deadline: Deadline) -> None:
        self._deadlines.pop(deadline, None)
        actions = self.protocol.deadline_reached(deadline)
        self._note_idle()
        if actions:
            task = asyncio.get_running_loop().create_task(self._perform(actions))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    async def close(self, code: int, reason: str) -> None:
        await self._websocket.close(code, reason)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until the session is idle; False if it still is not."""
        if self._idle is None:
            self._idle = asyncio.Event()
        try:
            async with asyncio.timeout(timeout):
                while not self.protocol.is_idle:
                    self._idle.clear()
                    await self._idle.wait()
        except TimeoutError:
            pass
        return self.protocol.is_idle

    # ------------------------------------------------------------ actions out

    async def _perform(self, actions: list[Action]) -> None:
        self._note_idle()
        # An isinstance chain, most frequent first, writes and publishes inline: a match statement
        # and one more coroutine per frame cost the hot path about 5% (microbenchmark).
        for action in actions:
            if isinstance(action, Write):
                try:
                    await self._websocket.send(action.text)
                except ConnectionClosed:
                    logger.info("frame not written: connection closed", extra=self._log)
            elif isinstance(action, Publish):
                try:
                    await self._client.publish(
                        action.topic,
                        action.text,
                        qos=1,
                        properties=action.properties,
                        response_topic=action.response_topic,
                        correlation_data=action.correlation_data,
                    )
                except PublishError as error:
                    logger.error(
                        "could not forward a station frame", extra={**self._log, "error": str(error)}
                    )
                    if action.station_call is not None:
                        await self._perform(self.protocol.forward_failed(action.station_call))
            elif isinstance(action, SetDeadline):
                deadline = action.deadline
                previous = self._deadlines.get(deadline)
                if previous is not None:
                    previous.cancel()
                delay = max(0.0, action.at - self._clock.monotonic())
                loop = asyncio.get_running_loop()
                self._deadlines[deadline] = loop.call_later(delay, self._deadline_reached, deadline)
            elif isinstance(action, CancelDeadline):
                handle = self._deadlines.pop(action.deadline, None)
                if handle is not None:
                    handle.cancel()
            else:
                await self._report(action)

    async def _report(self, report: Report) -> None:
        """Tell the command record (and a waiting caller) that a call ended without an answer."""
        call = report.call
        event = json.dumps(
            command_event(call.message_id, report.state, action=call.action, reason=report.reason)
        )
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

    def _note_idle(self) -> None:
        # The protocol's state changes only when it is fed an event: every feeding passes here.
        if self._idle is not None and self.protocol.is_idle:
            self._idle.set()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("station action failed", extra=self._log, exc_info=task.exception())


def _utf8_length(text: str) -> int:
    # isascii() is O(1) in CPython: almost every OCPP frame is ASCII and is not encoded to be measured.
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
