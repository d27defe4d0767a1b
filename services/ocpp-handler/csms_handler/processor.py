"""From one inbound frame to a reply and effects: parse, route, validate both ways. No I/O."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from csms_common.clock import iso_z
from csms_common.ocpp.errors import ErrorKind, OcppError, error_code
from csms_common.ocpp.frames import (
    CALL,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    parse_frame,
)
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion

from csms_handler.context import CallContext, Effect, ShadowUpdate
from csms_handler.routing import handler_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What to do about one inbound frame: effects first, then the reply (if any)."""

    reply: CallResult | CallError | None
    effects: list[Effect] = field(default_factory=list)
    action: str = "-"
    message_id: str = "-"
    error: str | None = None


@dataclass(frozen=True)
class StationFrame:
    """One frame as received from the gateway, with the metadata that travelled beside it."""

    station_id: str
    version: OcppVersion
    raw: bytes
    answered_action: str | None = None


class FrameProcessor:
    """Turns station frames into outcomes using the routing table and the official schemas."""

    def __init__(self, schemas: SchemaRegistry, heartbeat_interval: int) -> None:
        self._schemas = schemas
        self._heartbeat_interval = heartbeat_interval

    def process(self, frame: StationFrame, now: datetime) -> Outcome:
        try:
            parsed: Frame = parse_frame(frame.raw)
        except FrameError as error:
            if error.message_type not in (None, CALL):
                # Never answer a CallResult or CallError, even a malformed one (OCPP-J).
                return Outcome(None, error=error.description, message_id=error.message_id)
            reply = CallError(error.message_id, error_code(error.kind, frame.version), error.description, {})
            return Outcome(reply, message_id=error.message_id, error=error.description)
        if isinstance(parsed, Call):
            return self._process_call(parsed, frame, now)
        return self._process_answer(parsed, frame, now)

    def _process_call(self, call: Call, frame: StationFrame, now: datetime) -> Outcome:
        try:
            if not self._schemas.knows(frame.version, call.action):
                raise OcppError(
                    ErrorKind.NOT_IMPLEMENTED,
                    f"{call.action} is not an OCPP {frame.version} action",
                )
            handler = handler_for(frame.version, call.action)
            if handler is None:
                raise OcppError(
                    ErrorKind.NOT_SUPPORTED,
                    f"{call.action} is not supported by this CSMS for OCPP {frame.version}",
                )
            self._schemas.validate_request(frame.version, call.action, call.payload)
            context = CallContext(
                station_id=frame.station_id,
                version=frame.version,
                message_id=call.message_id,
                now=now,
                heartbeat_interval=self._heartbeat_interval,
            )
            reply = handler(call.payload, context)
            try:
                self._schemas.validate_response(frame.version, call.action, reply.payload)
            except OcppError as error:
                # Our own reply breaks the schema: a bug here, never the station's fault.
                logger.error(
                    "handler produced an invalid reply",
                    extra={"station_id": frame.station_id, "action": call.action, "error": str(error)},
                )
                raise OcppError(ErrorKind.INTERNAL_ERROR, "the CSMS could not build a valid reply") from error
        except OcppError as error:
            reply_error = CallError(
                call.message_id, error_code(error.kind, frame.version), error.description, error.details
            )
            return Outcome(
                reply_error,
                [_last_seen(now)],
                action=call.action,
                message_id=call.message_id,
                error=error.description,
            )
        effects = _with_last_seen(reply.effects, now)
        return Outcome(
            CallResult(call.message_id, reply.payload),
            effects,
            action=call.action,
            message_id=call.message_id,
        )

    def _process_answer(self, answer: CallResult | CallError, frame: StationFrame, now: datetime) -> Outcome:
        """A station's answer to a CSMS call: the gateway attached the call's action."""
        action = frame.answered_action or "-"
        error: str | None = None
        if isinstance(answer, CallResult) and self._schemas.knows(frame.version, action):
            try:
                self._schemas.validate_response(frame.version, action, answer.payload)
            except OcppError as invalid:
                error = f"station answer violates the schema: {invalid.description}"
        elif isinstance(answer, CallError):
            error = f"{answer.error_code}: {answer.description}"
        return Outcome(None, [_last_seen(now)], action=action, message_id=answer.message_id, error=error)


def _last_seen(now: datetime) -> ShadowUpdate:
    return ShadowUpdate({"lastSeen": iso_z(now)})


def _with_last_seen(effects: list[Effect], now: datetime) -> list[Effect]:
    """Fold ``lastSeen`` into the first shadow update, so one call costs one shadow publish."""
    for index, effect in enumerate(effects):
        if isinstance(effect, ShadowUpdate):
            merged = ShadowUpdate({**effect.reported, "lastSeen": iso_z(now)})
            return [*effects[:index], merged, *effects[index + 1 :]]
    return [*effects, _last_seen(now)]
