"""OCPP 2.x NotifyCustomerInformation: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import T0, Case, GoldenTests

CASES = [
    Case(
        "notify-customer-information",
        "NotifyCustomerInformation",
        {"data": "no data held", "seqNo": 0, "generatedAt": T0, "requestId": 6},
        {},
        None,
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
