"""OCPP 1.6 SignCertificate: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import LookupRequest, Lookups
from tests.unit.csms_handler.handlers.v16.golden import Case, GoldenTests

PEM = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"

CASES = [
    Case(
        "sign-certificate-is-rejected-when-the-ca-rejects",
        "SignCertificate",
        {"csr": PEM},
        {"status": "Rejected"},
        [],
        needs=LookupRequest(sign_certificate={"csr": PEM}),
        lookups=Lookups(sign_certificate={"status": "Rejected", "reasonCode": "InvalidCSR"}),
    ),
    Case(
        "sign-certificate-is-accepted-when-the-ca-accepts",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Accepted"},
        [],
        needs=LookupRequest(sign_certificate={"csr": "PEM"}),
        lookups=Lookups(sign_certificate={"status": "Accepted"}),
    ),
    Case(
        "sign-certificate-without-an-answer-is-rejected",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Rejected"},
        [],
        needs=LookupRequest(sign_certificate={"csr": "PEM"}),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
