"""OCPP 2.x Authorize: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

import pytest

from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import NO_LOOKUP, LookupRequest, Lookups, ShadowUpdate, TokenStatus
from csms_handler.processor import FrameProcessor, Outcome, Plan
from tests.unit.csms_handler.handlers.v201.golden import (
    NOW,
    NOW_ISO,
    TOKEN,
    V21,
    V201,
    Case,
    GoldenTests,
    _frame,
)

NO_AUTHORIZATION_TOKEN = {"idToken": "", "type": "NoAuthorization"}


def _token(status: TokenStatus) -> Lookups:
    """The lookups when the store knows TOKEN with ``status``."""
    return Lookups(tokens={"04A2B3C4": status})


NEEDS_TOKEN = LookupRequest(tokens=("04A2B3C4",))

CHAIN_ENTRY = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "ab" * 32,
    "issuerKeyHash": "cd" * 32,
    "serialNumber": "1f",
    "responderURL": "http://127.0.0.1:1/ocsp",
}


CASES = [
    Case(
        "authorize-accepted",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Accepted"}},
        None,
        _token(TokenStatus("Accepted")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-accepted-until",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2025-01-01T00:00:00.000Z"}},
        None,
        _token(TokenStatus("Accepted", "2025-01-01T00:00:00.000Z")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-blocked",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Blocked"}},
        None,
        _token(TokenStatus("Blocked")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-expired",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Expired"}},
        None,
        _token(TokenStatus("Expired")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-unknown",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Invalid"}},
        None,
        Lookups(),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-other-token-known",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Invalid"}},
        None,
        Lookups(tokens={"04A2B3C5": TokenStatus("Accepted")}),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-same-value-other-type",
        "Authorize",
        {"idToken": {"idToken": "04A2B3C4", "type": "Central"}},
        {"idTokenInfo": {"status": "Blocked"}},
        None,
        _token(TokenStatus("Blocked")),
        NEEDS_TOKEN,
    ),
    Case(
        # Never looked up: even a store that calls the empty token Blocked is not asked.
        "authorize-no-authorization",
        "Authorize",
        {"idToken": NO_AUTHORIZATION_TOKEN},
        {"idTokenInfo": {"status": "Accepted"}},
        None,
        Lookups(tokens={"": TokenStatus("Blocked")}),
        NO_LOOKUP,
    ),
    Case(
        "authorize-contract-chain-good",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Accepted"}, "certificateStatus": "Accepted"},
        None,
        Lookups(tokens={"04A2B3C4": TokenStatus("Accepted")}, contract_certificate_status="Accepted"),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
    Case(
        "authorize-contract-chain-revoked-makes-the-token-invalid",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertificateRevoked"},
        None,
        Lookups(
            tokens={"04A2B3C4": TokenStatus("Accepted")}, contract_certificate_status="CertificateRevoked"
        ),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
    Case(
        "authorize-contract-chain-unchecked-is-a-chain-error",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertChainError"},
        None,
        _token(TokenStatus("Accepted")),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


# ------------------------------------------------------------------ particular rules


@pytest.mark.parametrize("status", ["Accepted", "Blocked", "ConcurrentTx", "Expired", "Invalid", "NoCredit"])
@pytest.mark.parametrize("version", [V201, V21])
def test_authorize_passes_any_stored_status_on(
    processor: FrameProcessor, version: OcppVersion, status: str
) -> None:
    outcome = processor.process(
        _frame("Authorize", {"idToken": TOKEN}, version), NOW, _token(TokenStatus(status))
    )
    assert outcome.reply == CallResult("m1", {"idTokenInfo": {"status": status}})


def test_authorize_without_lookups_is_invalid(processor: FrameProcessor) -> None:
    outcome = processor.process(_frame("Authorize", {"idToken": TOKEN}), NOW)
    assert outcome.reply == CallResult("m1", {"idTokenInfo": {"status": "Invalid"}})


def test_complete_runs_the_plan_with_its_lookups(processor: FrameProcessor) -> None:
    plan = processor.plan(_frame("Authorize", {"idToken": TOKEN}, message_id="a-1"), NOW)
    assert isinstance(plan, Plan)
    outcome = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Blocked")}), NOW)
    assert outcome == Outcome(
        CallResult("a-1", {"idTokenInfo": {"status": "Blocked"}}),
        [ShadowUpdate({"lastSeen": NOW_ISO})],
        action="Authorize",
        message_id="a-1",
    )
