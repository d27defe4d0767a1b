"""OCPP 1.6 SignCertificate: golden calls and the handler's particular rules."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v16.golden import Case, GoldenTests

CASES = [
    Case(
        "sign-certificate-is-rejected",
        "SignCertificate",
        {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"},
        {"status": "Rejected"},
        [],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
