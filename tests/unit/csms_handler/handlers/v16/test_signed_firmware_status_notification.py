"""OCPP 1.6 SignedFirmwareStatusNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "signed-firmware-status-with-request",
        "SignedFirmwareStatusNotification",
        {"status": "SignatureVerified", "requestId": 11},
        {},
        [
            ShadowUpdate(
                {"firmwareStatus": {"status": "SignatureVerified", "requestId": 11, "updatedAt": NOW_ISO}}
            )
        ],
    ),
    Case(
        "signed-firmware-status-idle",
        "SignedFirmwareStatusNotification",
        {"status": "Idle"},
        {},
        [ShadowUpdate({"firmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
