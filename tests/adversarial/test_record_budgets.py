"""Records and documents against a real Redis at their budgets: the write script's caps, eviction,
expiry and the refusal of an over-budget document, one rule for the batch and the retry path."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from csms_shadow.documents.budget import DocumentBudget, RecordBudget
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest, UpdateOutcome
from csms_shadow.transactions.records import Records, TransactionRecordRequest
from tests.support import infra

pytestmark = pytest.mark.e2e
BUDGET = RecordBudget(max_records=10, max_open=3, max_events=4, max_record_bytes=4096, ttl_seconds=600)


def started(station: str, transaction: str) -> TransactionRecordRequest:
    return TransactionRecordRequest(station, transaction, {"status": "Started"}, {"seqNo": 0})


def ended(station: str, transaction: str) -> TransactionRecordRequest:
    return TransactionRecordRequest(station, transaction, {"status": "Ended"}, {"seqNo": 1})


def test_transaction_records_stay_within_their_budgets(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_service.url)
        prefix = f"test-{uuid.uuid4().hex[:8]}:"
        records = Records(redis, prefix, command_ttl_seconds=60, link_ttl_seconds=60, budget=BUDGET)
        station = "CP-B1"
        try:
            # Open transactions: the fourth new one is not recorded; ending one makes room.
            outcomes = await records.record_transactions([started(station, f"o{n}") for n in range(4)])
            assert [o.record is not None for o in outcomes] == [True, True, True, False]
            assert outcomes[3].budget_reasons == ("open_transactions",)
            await records.record_transaction(ended(station, "o0"))
            assert (await records.record_transaction(started(station, "o3"))).record is not None

            # A MeterValues-style update never creates a record.
            meter = TransactionRecordRequest(station, "never", {"lastMeterValue": {}}, update_only=True)
            outcome = await records.record_transaction(meter)
            assert outcome.record is None and outcome.budget_reasons == ("unknown_transaction",)

            # Records per station: ended ones beyond ten evict the oldest first.
            for number in range(12):
                await records.record_transactions(
                    [started(station, f"e{number}"), ended(station, f"e{number}")]
                )
            kept = {record["transactionId"] for record in await records.transactions(station)}
            print(f"records kept after 16 transactions: {len(kept)} (budget {BUDGET.max_records})")
            assert len(kept) == BUDGET.max_records
            assert "o0" not in kept and "e11" in kept

            # The event log keeps the first and the newest entries.
            events = [
                TransactionRecordRequest(station, "e11", {"status": "Updated"}, {"seqNo": seq})
                for seq in range(2, 9)
            ]
            for request in events:
                await records.record_transaction(request)
            log = next(r for r in await records.transactions(station) if r["transactionId"] == "e11")
            assert [entry["seqNo"] for entry in log["events"]] == [0, 6, 7, 8]
            assert log["eventsDropped"] == 5

            # A record beyond its byte budget is refused; every key of the station expires.
            huge = TransactionRecordRequest(station, "e11", {"note": "x" * 5000}, {"seqNo": 9})
            assert (await records.record_transaction(huge)).budget_reasons == ("record_bytes",)
            for key in ("transactions", "transaction-order", "open-transactions"):
                ttl = await redis.ttl(f"{prefix}{key}:{station}")
                assert 0 < ttl <= BUDGET.ttl_seconds, key
        finally:
            await redis.aclose()

    asyncio.run(scenario())


def test_a_document_update_over_budget_is_refused_and_the_document_kept(
    redis_service: infra.RunningService,
) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_service.url)
        prefix = f"test-{uuid.uuid4().hex[:8]}:"
        budget = DocumentBudget(max_bytes=4096, max_keys=100, map_caps={"reservations": 2})
        store = ShadowStore(redis, prefix, duplicate_window_seconds=60, budget=budget)
        try:
            await redis.set(f"{prefix}station:CP-D1", b"{}")
            small = ShadowUpdateRequest("CP-D1", {"lastSeen": "t"}, None, 1)
            big = ShadowUpdateRequest("CP-D1", {"blob": "x" * 5000}, None, 2)
            many = ShadowUpdateRequest("CP-D1", {"k": {str(n): n for n in range(101)}}, None, 3)
            results = await store.apply_updates([small, big, many])
            assert [r.outcome for r in results] == [
                UpdateOutcome.APPLIED,
                UpdateOutcome.OVER_BUDGET,
                UpdateOutcome.OVER_BUDGET,
            ]
            assert [r.budget_reasons for r in results[1:]] == [("document_bytes",), ("document_keys",)]
            for number in range(4):
                reservation = {"reservations": {str(number): {"status": "Expired"}}}
                await store.apply_update(ShadowUpdateRequest("CP-D1", reservation, None, 10 + number))
            shadow = await store.get_shadow("CP-D1")
            assert shadow is not None
            assert shadow["state"]["reported"]["lastSeen"] == "t"
            assert "blob" not in shadow["state"]["reported"]
            assert sorted(shadow["state"]["reported"]["reservations"]) == ["2", "3"]
        finally:
            await redis.aclose()

    asyncio.run(scenario())
