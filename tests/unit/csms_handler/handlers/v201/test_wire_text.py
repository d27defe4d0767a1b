"""The exact wire text of 2.x replies that a schema alone does not pin down (key order, empty objects)."""

from __future__ import annotations

import pytest

from csms_handler.context import Payload
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v201.golden import (
    METER_1,
    NOW,
    OCSP_REQUEST,
    SCHEDULE,
    T0,
    _frame,
)


@pytest.mark.parametrize(
    ("action", "payload", "text"),
    [
        ("DataTransfer", {"vendorId": "com.acme"}, '[3,"m1",{"status":"UnknownVendorId"}]'),
        (
            "SignCertificate",
            {"csr": "x"},
            '[3,"m1",{"status":"Rejected","statusInfo":{"reasonCode":"NotSupported",'
            '"additionalInfo":"no certificate authority configured"}}]',
        ),
        (
            "Get15118EVCertificate",
            {"iso15118SchemaVersion": "v", "action": "Update", "exiRequest": "x"},
            '[3,"m1",{"status":"Failed","exiResponse":"","statusInfo":{"reasonCode":"NotSupported"}}]',
        ),
        (
            "GetCertificateStatus",
            {"ocspRequestData": OCSP_REQUEST},
            '[3,"m1",{"status":"Failed","statusInfo":{"reasonCode":"NotSupported"}}]',
        ),
        (
            "NotifyEVChargingNeeds",
            {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC"}},
            '[3,"m1",{"status":"Accepted"}]',
        ),
        (
            "NotifyEVChargingSchedule",
            {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
            '[3,"m1",{"status":"Accepted"}]',
        ),
        ("MeterValues", {"evseId": 1, "meterValue": [METER_1]}, '[3,"m1",{}]'),
    ],
)
def test_reply_wire_text(processor: FrameProcessor, action: str, payload: Payload, text: str) -> None:
    outcome = processor.process(_frame(action, payload), NOW)
    assert outcome.reply is not None
    assert outcome.reply.to_json() == text
