"""OCPP 1.6 DataTransfer: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "data-transfer-full",
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Ping", "data": '{"a": 1}'},
        {"status": "UnknownVendorId"},
        [
            ShadowUpdate(
                {"lastDataTransfer": {"vendorId": "com.acme", "messageId": "Ping", "receivedAt": NOW_ISO}}
            )
        ],
    ),
    Case(
        "data-transfer-vendor-only",
        "DataTransfer",
        {"vendorId": "com.acme"},
        {"status": "UnknownVendorId"},
        [
            ShadowUpdate(
                {"lastDataTransfer": {"vendorId": "com.acme", "messageId": None, "receivedAt": NOW_ISO}}
            )
        ],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
