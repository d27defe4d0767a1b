"""OCPP 1.6 Heartbeat: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "heartbeat",
        "Heartbeat",
        {},
        {"currentTime": NOW_ISO},
        [ShadowUpdate({"lastHeartbeat": NOW_ISO})],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
