"""OCPP 1.6 MeterValues: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate, TransactionRecord
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v16.golden import METER_1, METER_2, NOW_ISO, Case, GoldenTests, _process

CASES = [
    Case(
        "meter-values-connector-in-transaction",
        "MeterValues",
        {"connectorId": 2, "transactionId": 42, "meterValue": [METER_1, METER_2]},
        {},
        [
            ShadowUpdate({"evses": {"2": {"lastMeterValue": METER_2}}}),
            TransactionRecord(
                "42", {"lastMeterValue": METER_2}, update_only=True, meter_values=(METER_1, METER_2)
            ),
        ],
    ),
    Case(
        "meter-values-connector-no-transaction",
        "MeterValues",
        {"connectorId": 1, "meterValue": [METER_1]},
        {},
        [ShadowUpdate({"evses": {"1": {"lastMeterValue": METER_1}}})],
    ),
    Case(
        "meter-values-charge-point",
        "MeterValues",
        {"connectorId": 0, "meterValue": [METER_2, METER_1]},
        {},
        [ShadowUpdate({"lastMeterValue": METER_1})],
    ),
    Case(
        "meter-values-charge-point-in-transaction",
        "MeterValues",
        {"connectorId": 0, "transactionId": 3, "meterValue": [METER_2]},
        {},
        [
            ShadowUpdate({"lastMeterValue": METER_2}),
            TransactionRecord("3", {"lastMeterValue": METER_2}, update_only=True, meter_values=(METER_2,)),
        ],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


def test_last_seen_is_folded_into_the_shadow_update_before_the_record(processor: FrameProcessor) -> None:
    outcome = _process(
        processor, "MeterValues", {"connectorId": 1, "transactionId": 5, "meterValue": [METER_1]}
    )

    assert outcome.effects == [
        ShadowUpdate({"evses": {"1": {"lastMeterValue": METER_1}}, "lastSeen": NOW_ISO}),
        TransactionRecord(
            "5", {"lastMeterValue": METER_1}, ended=False, update_only=True, meter_values=(METER_1,)
        ),
    ]
