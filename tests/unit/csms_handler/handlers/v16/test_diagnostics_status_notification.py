"""OCPP 1.6 DiagnosticsStatusNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    # ---------------------------------------------------------------- diagnostics and firmware
    Case(
        "diagnostics-status",
        "DiagnosticsStatusNotification",
        {"status": "Uploaded"},
        {},
        [ShadowUpdate({"diagnosticsStatus": {"status": "Uploaded", "updatedAt": NOW_ISO}})],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
