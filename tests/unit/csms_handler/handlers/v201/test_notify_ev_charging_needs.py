"""OCPP 2.x NotifyEVChargingNeeds: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "notify-ev-charging-needs",
        "NotifyEVChargingNeeds",
        {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"}},
        {"status": "Accepted"},
        {
            "evChargingNeeds": {
                "1": {
                    "requestedEnergyTransfer": "AC_three_phase",
                    "departureTime": None,
                    "evMaxCurrent": None,
                    "evMinCurrent": None,
                    "evMaxPower": None,
                    "energyAmount": None,
                    "receivedAt": NOW_ISO,
                }
            }
        },
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
