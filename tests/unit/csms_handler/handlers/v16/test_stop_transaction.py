"""OCPP 1.6 StopTransaction: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import LookupRequest, ShadowUpdate, TransactionRecord
from tests.unit.csms_handler.handlers.v16.golden import (
    ACCEPTED_TAG,
    BLOCKED_TAG,
    CLEAR_LAST,
    METER_1,
    METER_2,
    OTHER_TAG,
    STOP_FULL,
    STOP_MINIMAL,
    T2,
    TAG,
    Case,
    GoldenTests,
    _token,
)

CASES = [
    Case(
        "stop-full",
        "StopTransaction",
        STOP_FULL,
        {"idTagInfo": {"status": "Accepted"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {
                    "lastTransaction": {
                        "transactionId": 42,
                        "endTime": T2,
                        "meterStop": 2100,
                        "stoppedReason": "Local",
                        "idTag": TAG,
                    }
                }
            ),
            TransactionRecord(
                "42",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 2100,
                    "stoppedReason": "Local",
                    "stopIdTag": TAG,
                    "lastMeterValue": METER_2,
                },
                ended=True,
                meter_values=(METER_1, METER_2),
            ),
        ],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, ACCEPTED_TAG),
    ),
    Case(
        "stop-without-id-tag",
        "StopTransaction",
        STOP_MINIMAL,
        {},
        [
            CLEAR_LAST,
            ShadowUpdate({"lastTransaction": {"transactionId": 7, "endTime": T2, "meterStop": 50}}),
            TransactionRecord("7", {"status": "Ended", "endTime": T2, "meterStop": 50}, ended=True),
        ],
    ),
    Case(
        "stop-unknown-tag-empty-transaction-data",
        "StopTransaction",
        {**STOP_MINIMAL, "idTag": OTHER_TAG, "reason": "EVDisconnected", "transactionData": []},
        {"idTagInfo": {"status": "Invalid"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {
                    "lastTransaction": {
                        "transactionId": 7,
                        "endTime": T2,
                        "meterStop": 50,
                        "stoppedReason": "EVDisconnected",
                        "idTag": OTHER_TAG,
                    }
                }
            ),
            TransactionRecord(
                "7",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 50,
                    "stoppedReason": "EVDisconnected",
                    "stopIdTag": OTHER_TAG,
                },
                ended=True,
            ),
        ],
        LookupRequest(tokens=(OTHER_TAG,)),
    ),
    Case(
        "stop-blocked-tag-one-meter-value",
        "StopTransaction",
        {**STOP_MINIMAL, "idTag": TAG, "transactionData": [METER_1]},
        {"idTagInfo": {"status": "Blocked"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {"lastTransaction": {"transactionId": 7, "endTime": T2, "meterStop": 50, "idTag": TAG}}
            ),
            TransactionRecord(
                "7",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 50,
                    "stopIdTag": TAG,
                    "lastMeterValue": METER_1,
                },
                ended=True,
                meter_values=(METER_1,),
            ),
        ],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, BLOCKED_TAG),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
