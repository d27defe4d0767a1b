"""OCPP 2.x SecurityEventNotification: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import T0, T1, Case, GoldenTests

CASES = [
    Case(
        "security-event",
        "SecurityEventNotification",
        {"type": "TamperDetectionActivated", "timestamp": T0, "techInfo": "door open"},
        {},
        {"lastSecurityEvent": {"type": "TamperDetectionActivated", "timestamp": T0, "techInfo": "door open"}},
    ),
    Case(
        # techInfo null: the previous event's techInfo is removed from the shadow.
        "security-event-no-tech-info",
        "SecurityEventNotification",
        {"type": "StartupOfTheDevice", "timestamp": T1},
        {},
        {"lastSecurityEvent": {"type": "StartupOfTheDevice", "timestamp": T1, "techInfo": None}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
