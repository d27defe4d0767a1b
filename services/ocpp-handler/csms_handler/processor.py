"""From one inbound frame to a reply and effects: parse, route, validate both ways. No I/O.

Processing a call has two steps so that the shell can do the one piece of I/O a
handler may need in between: :meth:`FrameProcessor.plan` parses, checks and
routes the frame and says what must be looked up; :meth:`FrameProcessor.complete`
runs the handler with the answers and validates its reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from csms_common.clock import iso_z
from csms_common.ocpp.errors import ErrorKind, OcppError, error_code
from csms_common.ocpp.frames import CALL, Call, CallError, CallResult, Frame, FrameError, parse_frame
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.answering import AnswerContext
from csms_handler.budgets import BudgetExceeded, BudgetReason, StationLimits
from csms_handler.context import (
    ACCEPTED,
    AnyRoute,
    CallContext,
    Effect,
    LookupRequest,
    Lookups,
    ShadowUpdate,
)
from csms_handler.routing import Routing

logger = logging.getLogger(__name__)

BOOT_NOTIFICATION = "BootNotification"


@dataclass(frozen=True)
class Outcome:
    """What to do about one inbound frame: effects first, then the reply (if any)."""

    reply: CallResult | CallError | None
    effects: list[Effect] = field(default_factory=list)
    action: str = "-"
    message_id: str = "-"
    error: str | None = None
    answer: CallResult | CallError | None = None
    """For a station's answer to a CSMS call: the answer itself, for the caller waiting on it."""
    answer_violation: OcppError | None = None
    """For a CallResult that breaks its action's response schema: why (it is reported as an error)."""
    over_budget: tuple[str, ...] = ()
    """Budget reasons (csms_handler.budgets.BudgetReason) for what was refused or left out."""


@dataclass(frozen=True)
class StationFrame:
    """One frame as received from the gateway, with the metadata that travelled beside it."""

    station_id: str
    version: OcppVersion
    raw: bytes
    answered_action: str | None = None
    registration_status: str = ACCEPTED
    """The registry's status for the station as the gateway knows it; not Accepted → SecurityError."""


@dataclass(frozen=True)
class Plan:
    """A valid, routed call waiting for its lookups."""

    frame: StationFrame
    call: Call
    route: AnyRoute
    lookup: LookupRequest


class FrameProcessor:
    """Turns station frames into outcomes using its routing tables and the official schemas."""

    def __init__(
        self,
        schemas: SchemaRegistry,
        routing: Routing,
        heartbeat_interval: int,
        limits: StationLimits | None = None,
    ) -> None:
        self._schemas = schemas
        self._routing = routing
        self._heartbeat_interval = heartbeat_interval
        self._limits = limits or StationLimits()

    @property
    def limits(self) -> StationLimits:
        return self._limits

    def known_action(self, version: OcppVersion, action: str) -> bool:
        """Whether ``action`` is one of ``version``'s actions (metric labels take no other)."""
        return self._schemas.knows(version, action)

    def process(self, frame: StationFrame, now: datetime, lookups: Lookups | None = None) -> Outcome:
        """Both steps at once, with lookups already at hand (tests, and calls that need none)."""
        planned = self.plan(frame, now)
        if isinstance(planned, Outcome):
            return planned
        return self.complete(planned, lookups or Lookups(), now)

    def plan(self, frame: StationFrame, now: datetime) -> Plan | Outcome:
        """Parse and check a frame; an Outcome when the answer is already known (errors, answers)."""
        try:
            parsed: Frame = parse_frame(frame.raw)
        except FrameError as error:
            if error.message_type not in (None, CALL):
                # Never answer a CallResult or CallError, even a malformed one (OCPP-J).
                return Outcome(None, error=error.description, message_id=error.message_id)
            reply = CallError(error.message_id, error_code(error.kind, frame.version), error.description, {})
            return Outcome(reply, message_id=error.message_id, error=error.description)
        if not isinstance(parsed, Call):
            return self._process_answer(parsed, frame, now)
        try:
            route = self._route(parsed, frame)
            self._schemas.validate_request(frame.version, parsed.action, parsed.payload)
        except OcppError as error:
            return self._error_outcome(parsed, frame, error, now)
        return Plan(frame, parsed, route, route.needs(parsed.payload))

    def complete(self, plan: Plan, lookups: Lookups, now: datetime) -> Outcome:
        """Run the handler with its lookups and check its reply against the schema."""
        call, frame = plan.call, plan.frame
        context = CallContext(
            station_id=frame.station_id,
            version=frame.version,
            message_id=call.message_id,
            now=now,
            heartbeat_interval=self._heartbeat_interval,
            lookups=lookups,
            limits=self._limits,
        )
        try:
            reply = plan.route.handler(call.payload, context)
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
            return self._error_outcome(call, frame, error, now)
        return Outcome(
            CallResult(call.message_id, reply.payload),
            _with_last_seen(reply.effects, now),
            action=call.action,
            message_id=call.message_id,
            over_budget=reply.over_budget,
        )

    def _route(self, call: Call, frame: StationFrame) -> AnyRoute:
        if not self._schemas.knows(frame.version, call.action):
            raise OcppError(ErrorKind.NOT_IMPLEMENTED, f"{call.action} is not an OCPP {frame.version} action")
        route = self._routing.call(frame.version, call.action)
        if route is None:
            raise OcppError(
                ErrorKind.NOT_SUPPORTED,
                f"{call.action} is not supported by this CSMS for OCPP {frame.version}",
            )
        if call.action != BOOT_NOTIFICATION and frame.registration_status != ACCEPTED:
            # Until its BootNotification is Accepted, a station may only boot (B02/B03, 1.6 §4.2).
            raise OcppError(
                ErrorKind.SECURITY_ERROR,
                f"registration status is {frame.registration_status}: only BootNotification is allowed",
            )
        return route

    @staticmethod
    def _error_outcome(call: Call, frame: StationFrame, error: OcppError, now: datetime) -> Outcome:
        reply = CallError(
            call.message_id, error_code(error.kind, frame.version), error.description, error.details
        )
        return Outcome(
            reply,
            [_last_seen(now)],
            action=call.action,
            message_id=call.message_id,
            error=error.description,
            over_budget=(error.reason,) if isinstance(error, BudgetExceeded) else (),
        )

    def _process_answer(self, answer: CallResult | CallError, frame: StationFrame, now: datetime) -> Outcome:
        """A station's answer to a CSMS call: the gateway attached the call's action.

        Without that action the answer matches no call the CSMS has outstanding on this connection
        (the gateway checks the message id): it is not reported, so a station can neither create a
        command record nor overwrite one, whatever message id it picks. A CallResult that breaks
        its action's response schema is reported as an error with the violation; a valid one goes
        to its action's answer route, when it has one, whose effects are performed before the
        answer is recorded.
        """
        action = frame.answered_action
        if action is None:
            return Outcome(
                None,
                [_last_seen(now)],
                message_id=answer.message_id,
                error="answer to no outstanding CSMS call",
                over_budget=(BudgetReason.UNSOLICITED_ANSWER,),
            )
        error: str | None = None
        violation: OcppError | None = None
        over_budget: tuple[str, ...] = ()
        effects: list[Effect] = []
        if isinstance(answer, CallResult):
            try:
                if not self._schemas.knows(frame.version, action):
                    raise OcppError(
                        ErrorKind.NOT_IMPLEMENTED, f"{action} is not an OCPP {frame.version} action"
                    )
                self._schemas.validate_response(frame.version, action, answer.payload)
            except OcppError as invalid:
                violation = invalid
                error = f"station answer violates the schema: {invalid.description}"
                over_budget = (BudgetReason.INVALID_ANSWER,)
            else:
                route = self._routing.answer(frame.version, action)
                if route is not None:
                    context = AnswerContext(
                        frame.station_id, frame.version, answer.message_id, now, self._limits
                    )
                    acted = route.handler(answer.payload, context)
                    effects, over_budget = acted.effects, acted.over_budget
        else:
            error = f"{answer.error_code}: {answer.description}"
        return Outcome(
            None,
            _with_last_seen(effects, now),
            action=action,
            message_id=answer.message_id,
            error=error,
            answer=answer,
            answer_violation=violation,
            over_budget=over_budget,
        )


def _last_seen(now: datetime) -> ShadowUpdate:
    return ShadowUpdate({"lastSeen": iso_z(now)})


def _with_last_seen(effects: list[Effect], now: datetime) -> list[Effect]:
    """Fold ``lastSeen`` into the first shadow update, so one call costs one shadow publish."""
    for index, effect in enumerate(effects):
        if isinstance(effect, ShadowUpdate):
            merged = ShadowUpdate({**effect.reported, "lastSeen": iso_z(now)})
            return [*effects[:index], merged, *effects[index + 1 :]]
    return [*effects, _last_seen(now)]
