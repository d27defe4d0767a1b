"""OCPP 2.x NotifyEVChargingSchedule: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import SCHEDULE, T0, Case, GoldenTests

CASES = [
    Case(
        "notify-ev-charging-schedule",
        "NotifyEVChargingSchedule",
        {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
        {"status": "Accepted"},
        None,
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
