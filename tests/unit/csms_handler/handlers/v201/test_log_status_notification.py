"""OCPP 2.x LogStatusNotification: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "log-status",
        "LogStatusNotification",
        {"status": "Uploaded", "requestId": 3},
        {},
        {"logStatus": {"status": "Uploaded", "requestId": 3, "updatedAt": NOW_ISO}},
    ),
    Case(
        "log-status-idle",
        "LogStatusNotification",
        {"status": "Idle"},
        {},
        {"logStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
