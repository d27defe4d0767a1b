"""OCPP 1.6 StartTransaction: golden calls and the handler's particular rules."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.frames import CallError, CallResult
from csms_handler.context import LookupRequest, Lookups, ShadowUpdate, TransactionRecord
from csms_handler.handlers.v16.start_transaction import start_transaction
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.handlers.v16.golden import (
    ACCEPTED_TAG,
    BLOCKED_TAG,
    CLEAR_ACTIVE_1,
    CLEAR_ACTIVE_2,
    EXPIRED_TAG,
    EXPIRY,
    LAST_SEEN,
    MESSAGE_ID,
    NOW_ISO,
    OTHER_TAG,
    START_FULL,
    START_FULL_SHOWN,
    START_MINIMAL,
    START_MINIMAL_SHOWN,
    T0,
    TAG,
    Case,
    GoldenTests,
    _context,
    _process,
    _token,
)

CASES = [
    Case(
        "start-full-accepted",
        "StartTransaction",
        START_FULL,
        {"transactionId": 42, "idTagInfo": {"status": "Accepted"}},
        [
            CLEAR_ACTIVE_2,
            ShadowUpdate(
                {
                    "activeTransaction": START_FULL_SHOWN,
                    "evses": {"2": {"activeTransaction": START_FULL_SHOWN}},
                }
            ),
            TransactionRecord(
                "42",
                {
                    "transactionId": "42",
                    "connectorId": 2,
                    "evseId": 2,
                    "idTag": TAG,
                    "meterStart": 100,
                    "startTime": T0,
                    "status": "Started",
                    "reservationId": 9,
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: ACCEPTED_TAG}), transaction_id=42),
    ),
    Case(
        "start-minimal-unknown-tag-is-still-recorded",
        "StartTransaction",
        START_MINIMAL,
        {"transactionId": 7, "idTagInfo": {"status": "Invalid"}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": START_MINIMAL_SHOWN,
                    "evses": {"1": {"activeTransaction": START_MINIMAL_SHOWN}},
                }
            ),
            TransactionRecord(
                "7",
                {
                    "transactionId": "7",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": OTHER_TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(OTHER_TAG,), allocate_transaction_id=True),
        Lookups(transaction_id=7),
    ),
    Case(
        "start-blocked-tag-is-still-recorded",
        "StartTransaction",
        {**START_MINIMAL, "idTag": TAG},
        {"transactionId": 7, "idTagInfo": {"status": "Blocked"}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": {**START_MINIMAL_SHOWN, "idTag": TAG},
                    "evses": {"1": {"activeTransaction": {**START_MINIMAL_SHOWN, "idTag": TAG}}},
                }
            ),
            TransactionRecord(
                "7",
                {
                    "transactionId": "7",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: BLOCKED_TAG}), transaction_id=7),
    ),
    Case(
        "start-expired-tag",
        "StartTransaction",
        {**START_MINIMAL, "idTag": TAG},
        {"transactionId": 8, "idTagInfo": {"status": "Expired", "expiryDate": EXPIRY}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": {**START_MINIMAL_SHOWN, "transactionId": 8, "idTag": TAG},
                    "evses": {
                        "1": {"activeTransaction": {**START_MINIMAL_SHOWN, "transactionId": 8, "idTag": TAG}}
                    },
                }
            ),
            TransactionRecord(
                "8",
                {
                    "transactionId": "8",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: EXPIRED_TAG}), transaction_id=8),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


def test_start_transaction_without_an_allocated_id_is_an_internal_error(processor: FrameProcessor) -> None:
    lookups = _token(TAG, ACCEPTED_TAG)
    with pytest.raises(OcppError) as raised:
        start_transaction(START_FULL, _context(lookups))
    assert raised.value.kind is ErrorKind.INTERNAL_ERROR

    outcome = _process(processor, "StartTransaction", START_FULL, lookups)
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.message_id == MESSAGE_ID
    assert outcome.reply.error_code == "InternalError"
    # Nothing is shown or recorded for a transaction without an id.
    assert outcome.effects == [LAST_SEEN]


def test_a_start_transaction_id_of_zero_is_used(processor: FrameProcessor) -> None:
    outcome = _process(processor, "StartTransaction", START_MINIMAL, Lookups(transaction_id=0))

    assert outcome.reply == CallResult(MESSAGE_ID, {"transactionId": 0, "idTagInfo": {"status": "Invalid"}})
    shown = {**START_MINIMAL_SHOWN, "transactionId": 0}
    assert outcome.effects == [
        ShadowUpdate(
            {"activeTransaction": None, "evses": {"1": {"activeTransaction": None}}, "lastSeen": NOW_ISO}
        ),
        ShadowUpdate({"activeTransaction": shown, "evses": {"1": {"activeTransaction": shown}}}),
        TransactionRecord(
            "0",
            {
                "transactionId": "0",
                "connectorId": 1,
                "evseId": 1,
                "idTag": OTHER_TAG,
                "meterStart": 0,
                "startTime": T0,
                "status": "Started",
            },
        ),
    ]
