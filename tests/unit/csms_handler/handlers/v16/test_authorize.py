"""OCPP 1.6 Authorize: golden calls and the handler's particular rules."""

from __future__ import annotations

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.context import LookupRequest, Lookups, Payload, ShadowUpdate, TokenStatus
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.handlers.v16.authorize import authorize
from csms_handler.handlers.v16.start_transaction import start_transaction
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v16.golden import (
    ACCEPTED_TAG,
    BLOCKED_TAG,
    EXPIRED_TAG,
    EXPIRY,
    NOW_ISO,
    OTHER_TAG,
    START_FULL,
    STOP_FULL,
    TAG,
    V16,
    Case,
    GoldenTests,
    _context,
    _process,
    _token,
    _tokens,
)

CASES = [
    Case(
        "authorize-accepted",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Accepted"}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, ACCEPTED_TAG),
    ),
    Case(
        "authorize-blocked",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Blocked"}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, BLOCKED_TAG),
    ),
    Case(
        "authorize-expired-with-expiry-date",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Expired", "expiryDate": EXPIRY}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, EXPIRED_TAG),
    ),
    Case(
        "authorize-unknown-is-invalid",
        "Authorize",
        {"idTag": OTHER_TAG},
        {"idTagInfo": {"status": "Invalid"}},
        [],
        LookupRequest(tokens=(OTHER_TAG,)),
        # Only another tag is known: the asked one is missing from the answer.
        _token(TAG, ACCEPTED_TAG),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


# ------------------------------------------------------------------ particular rules


def test_last_seen_is_appended_when_the_handler_updates_no_shadow(processor: FrameProcessor) -> None:
    outcome = _process(processor, "Authorize", {"idTag": TAG}, _token(TAG, ACCEPTED_TAG))

    assert outcome.effects == [ShadowUpdate({"lastSeen": NOW_ISO})]


@pytest.mark.parametrize(
    ("status", "info"),
    [
        (ACCEPTED_TAG, {"status": "Accepted"}),
        (BLOCKED_TAG, {"status": "Blocked"}),
        (EXPIRED_TAG, {"status": "Expired", "expiryDate": EXPIRY}),
        (TokenStatus("Accepted", expiry_date=EXPIRY), {"status": "Accepted", "expiryDate": EXPIRY}),
        (TokenStatus("ConcurrentTx"), {"status": "ConcurrentTx"}),
        (None, {"status": "Invalid"}),
    ],
    ids=["accepted", "blocked", "expired", "accepted-until", "concurrent", "unknown"],
)
def test_token_statuses_become_id_tag_info(
    schemas: SchemaRegistry, status: TokenStatus | None, info: Payload
) -> None:
    lookups = _token(TAG, status) if status is not None else Lookups()

    authorized = authorize({"idTag": TAG}, _context(lookups))
    started = start_transaction(START_FULL, _context(Lookups(tokens=lookups.tokens, transaction_id=1)))
    stopped = V16_ROUTES["StopTransaction"].handler(STOP_FULL, _context(lookups))

    assert authorized.payload == {"idTagInfo": info}
    assert started.payload == {"transactionId": 1, "idTagInfo": info}
    assert stopped.payload == {"idTagInfo": info}
    schemas.validate_response(V16, "Authorize", authorized.payload)
    schemas.validate_response(V16, "StartTransaction", started.payload)
    schemas.validate_response(V16, "StopTransaction", stopped.payload)


def test_a_token_is_looked_up_by_its_exact_value() -> None:
    lookups = _tokens({TAG: BLOCKED_TAG, OTHER_TAG: ACCEPTED_TAG})

    assert authorize({"idTag": TAG}, _context(lookups)).payload == {"idTagInfo": {"status": "Blocked"}}
    assert authorize({"idTag": OTHER_TAG}, _context(lookups)).payload == {"idTagInfo": {"status": "Accepted"}}
    assert authorize({"idTag": TAG.lower()}, _context(lookups)).payload == {
        "idTagInfo": {"status": "Invalid"}
    }
