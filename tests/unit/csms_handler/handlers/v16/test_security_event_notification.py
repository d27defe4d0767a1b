"""OCPP 1.6 SecurityEventNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import T0, T1, Case, GoldenTests

CASES = [
    # ---------------------------------------------------------------- security extension
    Case(
        "security-event-full",
        "SecurityEventNotification",
        {"type": "FirmwareUpdated", "timestamp": T1, "techInfo": "v1.2.3"},
        {},
        [
            ShadowUpdate(
                {"lastSecurityEvent": {"type": "FirmwareUpdated", "timestamp": T1, "techInfo": "v1.2.3"}}
            )
        ],
    ),
    Case(
        "security-event-minimal",
        "SecurityEventNotification",
        {"type": "StartupOfTheDevice", "timestamp": T0},
        {},
        [
            ShadowUpdate(
                {"lastSecurityEvent": {"type": "StartupOfTheDevice", "timestamp": T0, "techInfo": None}}
            )
        ],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
