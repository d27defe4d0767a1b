"""OCPP 2.x PublishFirmwareStatusNotification: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "publish-firmware-status",
        "PublishFirmwareStatusNotification",
        {"status": "Published", "location": ["http://cs.local/fw.bin"], "requestId": 8},
        {},
        {"publishFirmwareStatus": {"status": "Published", "requestId": 8, "updatedAt": NOW_ISO}},
    ),
    Case(
        "publish-firmware-status-idle",
        "PublishFirmwareStatusNotification",
        {"status": "Idle"},
        {},
        {"publishFirmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
