"""2.x requests the schema refuses: a CallError, and the handler is never called."""

from __future__ import annotations

import pytest

from csms_common.ocpp.frames import CallError
from csms_handler.context import Payload, ShadowUpdate
from csms_handler.processor import FrameProcessor, Outcome
from tests.unit.csms_handler.handlers.v201.golden import (
    NOW,
    NOW_ISO,
    T0,
    _frame,
)


@pytest.mark.parametrize(
    ("action", "payload", "code", "description"),
    [
        (
            "Authorize",
            {"idToken": {"idToken": "04A2B3C4"}},
            "OccurenceConstraintViolation",
            "Authorize: idToken: 'type' is a required property",
        ),
        (
            "MeterValues",
            {"evseId": 1, "meterValue": []},
            "OccurenceConstraintViolation",
            "MeterValues: meterValue: [] should be non-empty",
        ),
        (
            "NotifyEvent",
            {"generatedAt": T0, "seqNo": 0, "eventData": []},
            "OccurenceConstraintViolation",
            "NotifyEvent: eventData: [] should be non-empty",
        ),
        (
            "ReservationStatusUpdate",
            {"reservationId": 1, "reservationUpdateStatus": "NoTransaction"},
            "PropertyConstraintViolation",
            "ReservationStatusUpdate: reservationUpdateStatus: 'NoTransaction' is not one of ['Expired', 'Removed']",
        ),
    ],
)
def test_invalid_requests_never_reach_the_handler(
    processor: FrameProcessor, action: str, payload: Payload, code: str, description: str
) -> None:
    outcome = processor.process(_frame(action, payload), NOW)
    assert outcome == Outcome(
        CallError("m1", code, description, {}),
        [ShadowUpdate({"lastSeen": NOW_ISO})],
        action=action,
        message_id="m1",
        error=description,
    )
