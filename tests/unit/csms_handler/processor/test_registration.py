"""FrameProcessor, stations not yet accepted: only BootNotification is handled, answers are still taken."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    CallContext,
    Payload,
    Reply,
    Route,
)
from csms_handler.processor import FrameProcessor, Outcome, StationFrame
from tests.unit.csms_handler.processor.frames import (
    ID_TOKEN,
    LAST_SEEN,
    NOW,
    STATION,
    T0,
    TX_STARTED,
    V16,
    V21,
    V201,
    _call_error,
    _process,
    _raw,
)
from tests.unit.csms_handler.routes import processor_with


@pytest.mark.parametrize("registration_status", ["Pending", "Rejected"])
@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (V201, "Heartbeat", {}),
        (
            V201,
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
        ),
        (V201, "TransactionEvent", TX_STARTED),
        (V201, "Authorize", {"idToken": ID_TOKEN}),
        (V21, "Heartbeat", {}),
        # refused before the payload is validated
        (V201, "Heartbeat", {"extra": True}),
        (V16, "Heartbeat", {}),
    ],
)
def test_only_boot_is_allowed_until_accepted(
    schemas: SchemaRegistry,
    registration_status: str,
    version: OcppVersion,
    action: str,
    payload: Payload,
) -> None:
    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("a station not accepted reached the handler")

    processor = processor_with(schemas, action, Route(never_called))
    outcome = _process(
        processor, _raw([2, "m1", action, payload]), version, registration_status=registration_status
    )
    description = f"registration status is {registration_status}: only BootNotification is allowed"
    assert outcome == _call_error("m1", "SecurityError", description, action)


@pytest.mark.parametrize(
    ("action", "code", "description"),
    [
        ("Bogus", "NotImplemented", "Bogus is not an OCPP 2.0.1 action"),
        ("Reset", "NotSupported", "Reset is not supported by this CSMS for OCPP 2.0.1"),
    ],
)
def test_unknown_and_unrouted_actions_are_refused_as_such_while_pending(
    processor: FrameProcessor, action: str, code: str, description: str
) -> None:
    outcome = _process(processor, _raw([2, "m1", action, {}]), registration_status="Pending")
    assert outcome == _call_error("m1", code, description, action)


def test_a_pending_station_answer_is_still_taken(processor: FrameProcessor) -> None:
    frame = StationFrame(
        STATION, V201, _raw([3, "c1", {"status": "Accepted"}]), "RequestStartTransaction", "Pending"
    )
    assert processor.process(frame, NOW) == Outcome(
        None,
        [LAST_SEEN],
        action="RequestStartTransaction",
        message_id="c1",
        answer=CallResult("c1", {"status": "Accepted"}),
    )
