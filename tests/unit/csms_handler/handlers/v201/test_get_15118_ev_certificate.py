"""OCPP 2.x Get15118EVCertificate: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from csms_handler.context import LookupRequest, Lookups
from tests.unit.csms_handler.handlers.v201.golden import NOT_SUPPORTED, Case, GoldenTests

EV_REQUEST = {
    "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
    "action": "Install",
    "exiRequest": "AAEC",
}


CASES = [
    Case(
        "get-15118-ev-certificate-without-a-service",
        "Get15118EVCertificate",
        EV_REQUEST,
        {"status": "Failed", "exiResponse": "", "statusInfo": NOT_SUPPORTED},
        None,
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
    Case(
        "get-15118-ev-certificate-forwarded",
        "Get15118EVCertificate",
        EV_REQUEST,
        {"status": "Accepted", "exiResponse": "gAAB"},
        None,
        lookups=Lookups(ev_certificate={"status": "Accepted", "exiResponse": "gAAB"}),
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
    Case(
        "get-15118-ev-certificate-service-down",
        "Get15118EVCertificate",
        EV_REQUEST,
        {
            "status": "Failed",
            "exiResponse": "",
            "statusInfo": {"reasonCode": "Unavailable", "additionalInfo": "x"},
        },
        None,
        lookups=Lookups(
            ev_certificate={"status": "Failed", "reasonCode": "Unavailable", "additionalInfo": "x"}
        ),
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
