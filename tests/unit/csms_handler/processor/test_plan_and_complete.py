"""FrameProcessor, plan and complete: what is looked up before the handler runs, and the run with the answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from csms_common.ocpp.frames import Call, CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    NO_LOOKUP,
    CallContext,
    LookupRequest,
    Lookups,
    Payload,
    Reply,
    Route,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from csms_handler.handlers.v201.authorize import authorize_needs
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.processor.frames import (
    BOOT,
    ID_TOKEN,
    LAST_SEEN,
    METER_1,
    METER_2,
    NO_AUTHORIZATION,
    NOW,
    STATION,
    T0,
    TOKEN_ACCEPTED,
    TX_STARTED,
    TX_STARTED_TRANSACTION,
    TX_UPDATED,
    V21,
    V201,
    _call_error,
    _event,
    _raw,
)
from tests.unit.csms_handler.routes import processor_with


@pytest.mark.parametrize(
    ("action", "payload", "lookup"),
    [
        ("BootNotification", BOOT, LookupRequest(registration=True)),
        ("Heartbeat", {}, NO_LOOKUP),
        (
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
            NO_LOOKUP,
        ),
        ("TransactionEvent", TX_STARTED, LookupRequest(tokens=("04A2B3C4",), price_for="04A2B3C4")),
        ("TransactionEvent", TX_UPDATED, NO_LOOKUP),
        ("TransactionEvent", {**TX_UPDATED, "idToken": NO_AUTHORIZATION}, NO_LOOKUP),
        ("Authorize", {"idToken": ID_TOKEN}, LookupRequest(tokens=("04A2B3C4",))),
        ("Authorize", {"idToken": NO_AUTHORIZATION}, NO_LOOKUP),
        ("MeterValues", {"evseId": 1, "meterValue": [METER_1]}, NO_LOOKUP),
    ],
)
@pytest.mark.parametrize("version", [V201, V21])
def test_plan_says_what_to_look_up(
    processor: FrameProcessor, version: OcppVersion, action: str, payload: Payload, lookup: LookupRequest
) -> None:
    frame = StationFrame(STATION, version, _raw([2, "p1", action, payload]))
    plan = processor.plan(frame, NOW)
    assert plan == Plan(frame, Call("p1", action, payload), shipped_routing().call(version, action), lookup)
    assert isinstance(plan, Plan)
    assert plan.lookup.is_empty is (lookup == NO_LOOKUP)


def test_plan_does_not_run_the_handler(schemas: SchemaRegistry) -> None:
    asked: list[Payload] = []

    def needs(request: Payload) -> LookupRequest:
        asked.append(request)
        return LookupRequest(tokens=("X",), allocate_transaction_id=True)

    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("plan ran the handler")

    route = Route(never_called, needs)
    processor = processor_with(schemas, "Heartbeat", route)
    frame = StationFrame(STATION, V201, _raw([2, "p1", "Heartbeat", {}]))
    assert processor.plan(frame, NOW) == Plan(
        frame, Call("p1", "Heartbeat", {}), route, LookupRequest(tokens=("X",), allocate_transaction_id=True)
    )
    assert asked == [{}]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Bogus", {}])),
            _call_error("m1", "NotImplemented", "Bogus is not an OCPP 2.0.1 action", "Bogus"),
        ),
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Heartbeat", {"extra": True}])),
            _call_error(
                "m1",
                "FormatViolation",
                "Heartbeat: (payload): Additional properties are not allowed ('extra' was unexpected)",
                "Heartbeat",
            ),
        ),
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Heartbeat", {}]), registration_status="Pending"),
            _call_error(
                "m1",
                "SecurityError",
                "registration status is Pending: only BootNotification is allowed",
                "Heartbeat",
            ),
        ),
        (
            StationFrame(STATION, V201, b'[2,"m1","Heartbeat",[]]'),
            Outcome(
                CallError("m1", "FormatViolation", "payload must be a JSON object", {}),
                [],
                action="-",
                message_id="m1",
                error="payload must be a JSON object",
            ),
        ),
        (
            StationFrame(STATION, V201, b'[3,"m1"]'),
            Outcome(None, [], message_id="m1", error="a CallResult has 3 elements, the last an object"),
        ),
        (
            StationFrame(STATION, V201, _raw([3, "c1", {"status": "Accepted"}]), "RequestStopTransaction"),
            Outcome(
                None,
                [LAST_SEEN],
                action="RequestStopTransaction",
                message_id="c1",
                answer=CallResult("c1", {"status": "Accepted"}),
            ),
        ),
    ],
    ids=["unknown-action", "invalid-request", "pending", "malformed", "malformed-answer", "answer"],
)
def test_plan_answers_at_once_when_nothing_is_to_be_run(
    processor: FrameProcessor, frame: StationFrame, expected: Outcome
) -> None:
    assert processor.plan(frame, NOW) == expected
    assert processor.process(frame, NOW) == expected


@pytest.mark.parametrize(
    ("lookups", "token_info"),
    [
        (TOKEN_ACCEPTED, {"status": "Accepted"}),
        (
            Lookups(tokens={"04A2B3C4": TokenStatus("Blocked", "2024-06-01T00:00:00.000Z")}),
            {"status": "Blocked", "cacheExpiryDateTime": "2024-06-01T00:00:00.000Z"},
        ),
        (Lookups(), {"status": "Invalid"}),
    ],
)
def test_complete_runs_the_planned_call_with_its_lookups(
    processor: FrameProcessor, lookups: Lookups, token_info: Payload
) -> None:
    frame = StationFrame(STATION, V201, _raw([2, "p1", "TransactionEvent", TX_STARTED]))
    plan = processor.plan(frame, NOW)
    assert isinstance(plan, Plan)
    later = NOW + timedelta(seconds=2)
    outcome = processor.complete(plan, lookups, later)
    assert outcome == Outcome(
        CallResult("p1", {"idTokenInfo": token_info}),
        [
            ShadowUpdate(
                {
                    "activeTransaction": None,
                    "evses": {"1": {"activeTransaction": None}},
                    "lastSeen": "2024-01-02T03:04:07.678Z",
                }
            ),
            ShadowUpdate(
                {
                    "activeTransaction": TX_STARTED_TRANSACTION,
                    "evses": {"1": {"activeTransaction": TX_STARTED_TRANSACTION}},
                }
            ),
            TransactionRecord(
                "tx-1",
                {**TX_STARTED_TRANSACTION, "status": "Started"},
                event=_event(TX_STARTED),
                meter_values=(METER_1, METER_2),
            ),
        ],
        action="TransactionEvent",
        message_id="p1",
    )
    assert processor.process(frame, later, lookups) == outcome


def test_complete_turns_an_invalid_reply_into_an_internal_error(schemas: SchemaRegistry) -> None:
    def broken(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"idTokenInfo": {"status": context.lookups.token("04A2B3C4").status}})

    processor = processor_with(schemas, "Authorize", Route(broken, authorize_needs))
    plan = processor.plan(
        StationFrame(STATION, V201, _raw([2, "p1", "Authorize", {"idToken": ID_TOKEN}])), NOW
    )
    assert isinstance(plan, Plan)
    assert plan.lookup == LookupRequest(tokens=("04A2B3C4",))
    good = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Blocked")}), NOW)
    assert good.reply == CallResult("p1", {"idTokenInfo": {"status": "Blocked"}})
    bad = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Stolen")}), NOW)
    assert bad == _call_error("p1", "InternalError", "the CSMS could not build a valid reply", "Authorize")
