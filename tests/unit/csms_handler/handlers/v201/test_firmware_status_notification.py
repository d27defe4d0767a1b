"""OCPP 2.x FirmwareStatusNotification: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "firmware-status",
        "FirmwareStatusNotification",
        {"status": "Installed", "requestId": 5},
        {},
        {"firmwareStatus": {"status": "Installed", "requestId": 5, "updatedAt": NOW_ISO}},
    ),
    Case(
        "firmware-status-idle",
        "FirmwareStatusNotification",
        {"status": "Idle"},
        {},
        {"firmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
