"""ShadowStore.apply_updates against the private Redis: many stations in two round trips, same rules
as one update at a time (registered stations only, a client token applied once, nothing overwritten)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from csms_shadow.documents.document import empty_shadow, merge_reported
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest, UpdateOutcome
from csms_shadow.transactions.records import Records, TransactionRecordRequest
from tests.support import infra

pytestmark = pytest.mark.e2e
NOW = 1_700_000_000


async def _store(redis_url: str) -> tuple[Redis, ShadowStore]:
    redis = Redis.from_url(redis_url)
    return redis, ShadowStore(redis, f"test-{uuid.uuid4().hex[:8]}:", duplicate_window_seconds=60)


def test_a_batch_applies_each_update_once(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        redis, store = await _store(redis_service.url)
        try:
            stations = [f"CP-BATCH-{index}" for index in range(3)]
            for station in stations[:2]:
                assert await store.create_station({"chargePointId": station}, NOW)
            requests = [
                ShadowUpdateRequest(stations[0], {"status": "Available"}, "token-a", NOW),
                ShadowUpdateRequest(stations[1], {"status": "Charging", "evses": {"1": {"w": 5}}}, None, NOW),
                ShadowUpdateRequest(stations[2], {"status": "Available"}, "token-c", NOW),  # not registered
            ]
            results = await store.apply_updates(requests)
            assert [result.outcome for result in results] == [
                UpdateOutcome.APPLIED,
                UpdateOutcome.APPLIED,
                UpdateOutcome.NOT_REGISTERED,
            ]
            again = await store.apply_updates(requests[:1])  # the same client token: applied once
            assert [result.outcome for result in again] == [UpdateOutcome.DUPLICATE]
            first = await store.get_shadow(stations[0])
            second = await store.get_shadow(stations[1])
            assert first is not None and second is not None
            assert first["state"]["reported"] == {"status": "Available"}
            assert first["version"] == empty_shadow(NOW)["version"] + 1
            assert second["state"]["reported"] == {"status": "Charging", "evses": {"1": {"w": 5}}}
            assert await store.get_shadow(stations[2]) is None
        finally:
            await redis.aclose()

    asyncio.run(scenario())


def test_a_shadow_changed_between_read_and_write_is_merged_not_overwritten(
    redis_service: infra.RunningService,
) -> None:
    """The batch's conditional write notices another writer and redoes that update on its own."""

    async def scenario() -> None:
        redis, store = await _store(redis_service.url)
        try:
            station = "CP-BATCH-RACE"
            assert await store.create_station({"chargePointId": station}, NOW)
            shadow_key = store._keys.shadow(station)
            conditional_write = store._replace_shadow

            async def another_writer_first(**kwargs: Any) -> Any:
                # Between the batch's read and its write, someone else changes the shadow (as every
                # writer does: merged, so its version goes up).
                changed = merge_reported(
                    json.loads(await redis.get(shadow_key) or b"{}"), {"firmware": "2.0"}, NOW
                )
                await redis.set(shadow_key, json.dumps(changed))
                return await conditional_write(**kwargs)

            store._replace_shadow = another_writer_first  # type: ignore[assignment]
            results = await store.apply_updates(
                [ShadowUpdateRequest(station, {"connector": "Occupied"}, None, NOW)]
            )
            assert [result.outcome for result in results] == [UpdateOutcome.APPLIED]
            shadow = await store.get_shadow(station)
            assert shadow is not None
            assert shadow["state"]["reported"] == {"firmware": "2.0", "connector": "Occupied"}
        finally:
            await redis.aclose()

    asyncio.run(scenario())


def test_a_batch_of_transaction_records_applies_each_event_once(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_service.url)
        prefix = f"test-{uuid.uuid4().hex[:8]}:"
        records = Records(redis, prefix, command_ttl_seconds=60, link_ttl_seconds=60)
        try:
            await redis.set(f"{prefix}remote-start:CP-R1:id:17", "command-17")
            started = TransactionRecordRequest(
                "CP-R1",
                "tx-1",
                {"status": "Started", "remoteStartId": 17},
                {"seqNo": 0, "eventType": "Started"},
            )
            other = TransactionRecordRequest("CP-R2", "tx-2", {"status": "Started"}, {"seqNo": 0})
            first = [outcome.record for outcome in await records.record_transactions([started, other])]
            assert first[0] is not None and first[0]["remoteStartMessageId"] == "command-17"
            assert first[1] == {"status": "Started", "events": [{"seqNo": 0}], "transactionId": "tx-2"}
            updated = TransactionRecordRequest("CP-R1", "tx-1", {"status": "Updated"}, {"seqNo": 1})
            second = await records.record_transactions([updated, started])  # started again: a redelivery
            assert second[0].record is not None and second[0].record["status"] == "Updated"
            stored = await records.transactions("CP-R1")
            assert [record["status"] for record in stored] == ["Updated"]
            assert [event["seqNo"] for event in stored[0]["events"]] == [0, 1]
        finally:
            await redis.aclose()

    asyncio.run(scenario())
