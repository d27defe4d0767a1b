"""OCPP 2.x NotifyMonitoringReport: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import T0, Case, GoldenTests

CASES = [
    Case(
        "notify-monitoring-report",
        "NotifyMonitoringReport",
        {"requestId": 4, "seqNo": 0, "generatedAt": T0},
        {},
        None,
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
