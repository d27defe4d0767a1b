"""OCPP 2.x NotifyEVChargingSchedule: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, SCHEDULE, T0, Case, GoldenTests

CASES = [
    Case(
        "notify-ev-charging-schedule",
        "NotifyEVChargingSchedule",
        {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
        {"status": "Accepted"},
        {
            "evChargingSchedule": {
                "1": {"timeBase": T0, "periods": [{"start": 0, "limitAmps": 15.9}], "receivedAt": NOW_ISO}
            }
        },
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
