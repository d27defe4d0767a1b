"""OCPP 1.6 LogStatusNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "log-status-with-request",
        "LogStatusNotification",
        {"status": "Uploading", "requestId": 5},
        {},
        [ShadowUpdate({"logStatus": {"status": "Uploading", "requestId": 5, "updatedAt": NOW_ISO}})],
    ),
    Case(
        "log-status-idle",
        "LogStatusNotification",
        {"status": "Idle"},
        {},
        [ShadowUpdate({"logStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
