"""OCPP 2.x SignCertificate: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from csms_handler.context import LookupRequest, Lookups
from tests.unit.csms_handler.handlers.v201.golden import Case, GoldenTests

CASES = [
    Case(
        "sign-certificate-without-a-ca",
        "SignCertificate",
        {"csr": "-----BEGIN CERTIFICATE REQUEST-----", "certificateType": "ChargingStationCertificate"},
        {
            "status": "Rejected",
            "statusInfo": {
                "reasonCode": "NotSupported",
                "additionalInfo": "no certificate authority configured",
            },
        },
        None,
        lookup=LookupRequest(
            sign_certificate={
                "csr": "-----BEGIN CERTIFICATE REQUEST-----",
                "certificateType": "ChargingStationCertificate",
            }
        ),
    ),
    Case(
        "sign-certificate-refused-by-the-ca",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": "weak key"}},
        None,
        lookups=Lookups(
            sign_certificate={"status": "Rejected", "reasonCode": "InvalidCSR", "additionalInfo": "weak key"}
        ),
        lookup=LookupRequest(sign_certificate={"csr": "PEM", "certificateType": None}),
    ),
    Case(
        "sign-certificate-accepted-by-the-ca",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Accepted"},
        None,
        lookups=Lookups(sign_certificate={"status": "Accepted"}),
        lookup=LookupRequest(sign_certificate={"csr": "PEM", "certificateType": None}),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
