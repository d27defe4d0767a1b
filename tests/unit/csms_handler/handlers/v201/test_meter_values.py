"""OCPP 2.x MeterValues: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import METER_1, T1, Case, GoldenTests

METER_2 = {
    "timestamp": T1,
    "sampledValue": [{"value": 1234.5, "measurand": "Energy.Active.Import.Register"}],
}


CASES = [
    Case(
        "meter-values-evse",
        "MeterValues",
        {"evseId": 2, "meterValue": [METER_1, METER_2]},
        {},
        {"evses": {"2": {"lastMeterValue": METER_2}}},
    ),
    Case(
        "meter-values-station",
        "MeterValues",
        {"evseId": 0, "meterValue": [METER_1]},
        {},
        {"lastMeterValue": METER_1},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
