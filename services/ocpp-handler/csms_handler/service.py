"""The ocpp-handler's MQTT shell: consume ``{cp}/in``, perform effects, then publish the reply."""

from __future__ import annotations

import hashlib
import json
import logging
import time

from csms_common import properties, topics
from csms_common.clock import utc_now
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage
from csms_common.ocpp.errors import ErrorKind, error_code
from csms_common.ocpp.frames import Call, CallError, FrameError, parse_frame
from csms_common.ocpp.versions import DEFAULT_VERSION, OcppVersion
from csms_common.station_id import InvalidStationId

from csms_handler.context import ShadowUpdate
from csms_handler.metrics import FRAMES, LATENCY
from csms_handler.processor import FrameProcessor, Outcome, StationFrame

logger = logging.getLogger(__name__)

# Routine traffic is logged at debug level; these actions are worth an info line each.
_NOTABLE_ACTIONS = frozenset({"BootNotification", "TransactionEvent", "StatusNotification"})


def _station_of(message: InboundMessage) -> str:
    return message.topic.split("/", 1)[0]


def client_token(station_id: str, session_id: str, raw: bytes, index: int) -> str:
    """Idempotency key of a shadow update: a retransmitted frame in the same session maps to the
    same key, so the shadow service applies its effects once."""
    digest = hashlib.sha256(f"{station_id}\x00{session_id}\x00".encode() + raw).hexdigest()[:32]
    return f"{digest}-{index}"


class HandlerService:
    """Subscribes to every station's inbound frames through the handler pool's shared subscription."""

    def __init__(self, client: AsyncMqttClient, processor: FrameProcessor) -> None:
        self._client = client
        self._processor = processor

    async def start(self) -> None:
        await self._client.subscribe(
            topics.HANDLER_INBOUND_FILTER, self.on_station_frame, order_key=_station_of
        )

    async def on_station_frame(self, message: InboundMessage) -> None:
        started = time.perf_counter()
        try:
            station_id = topics.station_from_station_topic(message.topic)
        except InvalidStationId:
            logger.error("frame on an invalid station topic", extra={"topic": message.topic})
            return
        metadata = message.user_properties
        try:
            version = OcppVersion.from_subprotocol(metadata.get(properties.PROTOCOL))
        except ValueError:
            logger.error(
                "frame with an unknown protocol property",
                extra={"station_id": station_id, "protocol": metadata.get(properties.PROTOCOL)},
            )
            version = DEFAULT_VERSION
        frame = StationFrame(
            station_id=station_id,
            version=version,
            raw=message.payload,
            answered_action=metadata.get(properties.ACTION),
        )
        try:
            outcome = self._processor.process(frame, utc_now())
        except Exception:
            logger.exception("handler failed", extra={"station_id": station_id})
            outcome = _internal_error(frame)
        session_id = metadata.get(properties.SESSION, "")
        for index, effect in enumerate(outcome.effects):
            if isinstance(effect, ShadowUpdate):
                await self._client.publish(
                    topics.shadow_update(station_id),
                    json.dumps({"state": {"reported": effect.reported}}),
                    qos=1,
                    properties={
                        properties.CLIENT_TOKEN: client_token(station_id, session_id, message.payload, index)
                    },
                )
        if outcome.reply is not None:
            await self._client.publish(topics.station_out(station_id), outcome.reply.to_json(), qos=1)
        self._observe(station_id, version, outcome, time.perf_counter() - started)

    @staticmethod
    def _observe(station_id: str, version: OcppVersion, outcome: Outcome, elapsed: float) -> None:
        if outcome.reply is None:
            kind = "answer"
        elif isinstance(outcome.reply, CallError):
            kind = "error"
        else:
            kind = "result"
        FRAMES.labels(version.value, outcome.action, kind).inc()
        if outcome.reply is not None:
            LATENCY.labels(version.value, outcome.action).observe(elapsed)
        fields = {
            "station_id": station_id,
            "action": outcome.action,
            "message_id": outcome.message_id,
            "version": version.value,
            "outcome": kind,
            "latency_ms": round(elapsed * 1000, 2),
        }
        if outcome.error is not None:
            logger.warning("station frame refused", extra={**fields, "error": outcome.error})
        elif outcome.action in _NOTABLE_ACTIONS:
            logger.info("station call handled", extra=fields)
        else:
            logger.debug("station call handled", extra=fields)


def _internal_error(frame: StationFrame) -> Outcome:
    try:
        parsed = parse_frame(frame.raw)
    except FrameError:
        return Outcome(None, error="unparseable frame after a handler failure")
    message_id = parsed.message_id
    if not isinstance(parsed, Call):
        return Outcome(None, message_id=message_id, error="handler failed on a station answer")
    reply = CallError(
        message_id,
        error_code(ErrorKind.INTERNAL_ERROR, frame.version),
        "the CSMS failed to process this call",
        {},
    )
    return Outcome(reply, message_id=message_id, error="internal error")
