"""OCPP 2.x GetCertificateStatus: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from csms_handler.context import LookupRequest, Lookups
from tests.unit.csms_handler.handlers.v201.golden import NOT_SUPPORTED, OCSP_REQUEST, Case, GoldenTests

CASES = [
    Case(
        "get-certificate-status-without-an-answer",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Failed", "statusInfo": NOT_SUPPORTED},
        None,
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
    Case(
        "get-certificate-status-answered",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Accepted", "ocspResult": "MIIB"},
        None,
        lookups=Lookups(certificate_status={"status": "Accepted", "ocspResult": "MIIB"}),
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
    Case(
        "get-certificate-status-responder-down",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Failed", "statusInfo": {"reasonCode": "Unavailable", "additionalInfo": "timed out"}},
        None,
        lookups=Lookups(
            certificate_status={
                "status": "Failed",
                "reasonCode": "Unavailable",
                "additionalInfo": "timed out",
            }
        ),
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
