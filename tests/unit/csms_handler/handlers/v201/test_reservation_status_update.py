"""OCPP 2.x ReservationStatusUpdate: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.frames import CallResult
from csms_handler.context import ShadowUpdate
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v201.golden import NOW, NOW_ISO, V21, Case, GoldenTests, _frame

CASES = [
    Case(
        "reservation-expired",
        "ReservationStatusUpdate",
        {"reservationId": 12, "reservationUpdateStatus": "Expired"},
        {},
        {"reservations": {"12": {"status": "Expired", "updatedAt": NOW_ISO}}},
    ),
    Case(
        "reservation-removed",
        "ReservationStatusUpdate",
        {"reservationId": 0, "reservationUpdateStatus": "Removed"},
        {},
        {"reservations": {"0": {"status": "Removed", "updatedAt": NOW_ISO}}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


def test_2_1_only_values_are_accepted_in_2_1(processor: FrameProcessor) -> None:
    request: dict[str, Any] = {"reservationId": 3, "reservationUpdateStatus": "NoTransaction"}
    outcome = processor.process(_frame("ReservationStatusUpdate", request, V21), NOW)
    assert outcome.reply == CallResult("m1", {})
    assert outcome.effects == [
        ShadowUpdate(
            {"reservations": {"3": {"status": "NoTransaction", "updatedAt": NOW_ISO}}, "lastSeen": NOW_ISO}
        )
    ]
