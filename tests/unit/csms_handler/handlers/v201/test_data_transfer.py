"""OCPP 2.x DataTransfer: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, Case, GoldenTests

CASES = [
    Case(
        "data-transfer",
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Ping", "data": {"n": 1}},
        {"status": "UnknownVendorId"},
        {"lastDataTransfer": {"vendorId": "com.acme", "messageId": "Ping", "receivedAt": NOW_ISO}},
    ),
    Case(
        "data-transfer-no-message-id",
        "DataTransfer",
        {"vendorId": "org.example"},
        {"status": "UnknownVendorId"},
        {"lastDataTransfer": {"vendorId": "org.example", "messageId": None, "receivedAt": NOW_ISO}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
