"""OCPP 2.x ReportChargingProfiles: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import SCHEDULE, Case, GoldenTests

CHARGING_PROFILE = {
    "id": 9,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [SCHEDULE],
}


CASES = [
    Case(
        "report-charging-profiles",
        "ReportChargingProfiles",
        {"requestId": 1, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": [CHARGING_PROFILE]},
        {},
        None,
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
