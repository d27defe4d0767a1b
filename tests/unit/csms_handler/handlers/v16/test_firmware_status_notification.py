"""OCPP 1.6 FirmwareStatusNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "firmware-status",
        "FirmwareStatusNotification",
        {"status": "Installing"},
        {},
        # A plain 1.6 status belongs to no SignedUpdateFirmware: no requestId, and none left behind.
        [ShadowUpdate({"firmwareStatus": {"status": "Installing", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
