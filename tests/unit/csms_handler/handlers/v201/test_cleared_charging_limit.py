"""OCPP 2.x ClearedChargingLimit: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import Case, GoldenTests

CASES = [
    Case(
        "cleared-charging-limit",
        "ClearedChargingLimit",
        {"chargingLimitSource": "EMS", "evseId": 1},
        {},
        {"chargingLimit": None},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
