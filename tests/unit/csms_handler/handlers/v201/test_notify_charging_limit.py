"""OCPP 2.x NotifyChargingLimit: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v201.golden import (
    NOW,
    NOW_ISO,
    SCHEDULE,
    V21,
    Case,
    GoldenTests,
    _frame,
)

CASES = [
    Case(
        "notify-charging-limit",
        "NotifyChargingLimit",
        {
            "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True},
            "evseId": 1,
            "chargingSchedule": [SCHEDULE],
        },
        {},
        {
            "chargingLimit": {
                "chargingLimitSource": "EMS",
                "isGridCritical": True,
                "isLocalGeneration": None,
                "evseId": 1,
                "limitAmps": 15.9,
            }
        },
    ),
    Case(
        "notify-charging-limit-station",
        "NotifyChargingLimit",
        {"chargingLimit": {"chargingLimitSource": "SO"}},
        {},
        {
            "chargingLimit": {
                "chargingLimitSource": "SO",
                "isGridCritical": None,
                "isLocalGeneration": None,
                "evseId": None,
                "limitAmps": None,
            }
        },
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


def test_a_2_1_charging_limit_keeps_is_local_generation(processor: FrameProcessor) -> None:
    request = {"chargingLimit": {"chargingLimitSource": "Other", "isLocalGeneration": True}}
    outcome = processor.process(_frame("NotifyChargingLimit", request, V21), NOW)
    assert outcome.effects == [
        ShadowUpdate(
            {
                "chargingLimit": {
                    "chargingLimitSource": "Other",
                    "isGridCritical": None,
                    "isLocalGeneration": True,
                    "evseId": None,
                    "limitAmps": None,
                },
                "lastSeen": NOW_ISO,
            }
        )
    ]
