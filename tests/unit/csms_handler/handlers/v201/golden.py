"""OCPP 2.x golden cases: shared requests, the Case, and the checks every case passes.

Every case runs twice: through the FrameProcessor (request and reply validated
against the official schema of 2.0, 2.0.1 and 2.1) and by calling the routed
handler directly. A test module per action subclasses ``GoldenTests`` with its
``cases`` (conftest.py parametrizes ``case`` from them).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from csms_common.ocpp.frames import Call, CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import NO_LOOKUP, CallContext, LookupRequest, Lookups, Payload, Reply, ShadowUpdate
from csms_handler.handlers.v201 import V201_ROUTES
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame

V20, V201, V21 = OcppVersion.V20, OcppVersion.V201, OcppVersion.V21
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
T1 = "2024-01-02T03:10:00.000Z"
STATION = "CP-201"
INTERVAL = 300


# ----------------------------------------------------------------- requests

TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}
METER_1 = {"timestamp": T0, "sampledValue": [{"value": 0}]}
SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
}
OCSP_REQUEST = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a1b2",
    "issuerKeyHash": "c3d4",
    "serialNumber": "0123",
    "responderURL": "http://ocsp.example.com",
}
NOT_SUPPORTED = {"reasonCode": "NotSupported"}


@dataclass(frozen=True)
class Case:
    """One call: the request, what was looked up, and the exact reply and shadow report expected."""

    name: str
    action: str
    request: Payload
    reply: Payload
    reported: Payload | None
    """The handler's one ShadowUpdate, or None when it reports nothing."""
    lookups: Lookups = field(default_factory=Lookups)
    lookup: LookupRequest = NO_LOOKUP
    """What the route's ``needs`` asks for."""


def _frame(
    action: str, payload: Payload, version: OcppVersion = V201, message_id: str = "m1"
) -> StationFrame:
    return StationFrame(STATION, version, json.dumps([2, message_id, action, payload]).encode())


def _context(lookups: Lookups) -> CallContext:
    return CallContext(STATION, V201, "m1", NOW, INTERVAL, lookups)


class GoldenTests:
    """The checks every 2.x golden case passes."""

    cases: list[Case] = []

    @pytest.mark.parametrize("version", [V201, V20, V21])
    def test_through_the_processor(self, processor: FrameProcessor, version: OcppVersion, case: Case) -> None:
        outcome = processor.process(_frame(case.action, case.request, version), NOW, case.lookups)
        expected_effects = [
            ShadowUpdate(
                {"lastSeen": NOW_ISO} if case.reported is None else {**case.reported, "lastSeen": NOW_ISO}
            )
        ]
        assert outcome == Outcome(
            CallResult("m1", case.reply), expected_effects, action=case.action, message_id="m1", error=None
        )

    @pytest.mark.parametrize("version", [V201, V21])
    def test_plan_asks_for_what_the_route_needs(
        self, processor: FrameProcessor, version: OcppVersion, case: Case
    ) -> None:
        frame = _frame(case.action, case.request, version)
        plan = processor.plan(frame, NOW)
        assert plan == Plan(
            frame, Call("m1", case.action, case.request), V201_ROUTES[case.action], case.lookup
        )

    def test_needs(self, case: Case) -> None:
        assert V201_ROUTES[case.action].needs(case.request) == case.lookup

    def test_the_handler_directly(self, case: Case) -> None:
        request = copy.deepcopy(case.request)
        reply = V201_ROUTES[case.action].handler(request, _context(case.lookups))
        assert reply == Reply(case.reply, [] if case.reported is None else [ShadowUpdate(case.reported)])
        assert request == case.request, "a handler must not change its request"

    @pytest.mark.parametrize("version", [V201, V21])
    def test_every_reply_is_valid(self, schemas: SchemaRegistry, version: OcppVersion, case: Case) -> None:
        reply = V201_ROUTES[case.action].handler(case.request, _context(case.lookups))
        schemas.validate_response(version, case.action, reply.payload)

    def test_a_station_not_yet_accepted_is_refused(self, processor: FrameProcessor, case: Case) -> None:
        frame = StationFrame(
            STATION, V201, _frame(case.action, case.request).raw, registration_status="Pending"
        )
        outcome = processor.process(frame, NOW, case.lookups)
        description = "registration status is Pending: only BootNotification is allowed"
        assert outcome == Outcome(
            CallError("m1", "SecurityError", description, {}),
            [ShadowUpdate({"lastSeen": NOW_ISO})],
            action=case.action,
            message_id="m1",
            error=description,
        )
