"""OCPP 2.x NotifyDisplayMessages: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import Case, GoldenTests

CASES = [
    Case("notify-display-messages", "NotifyDisplayMessages", {"requestId": 5, "tbc": False}, {}, None),
]


class TestGolden(GoldenTests):
    cases = CASES
