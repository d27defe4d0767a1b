"""The shadow store's optimistic writes against a real Redis: concurrent writers all land, and a
write that keeps losing gives up after a bounded number of attempts with a clear error."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from csms_shadow.documents.document import empty_shadow
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest, UpdateOutcome
from csms_shadow.storage.optimistic import ContentionExhausted, RetryPolicy, watched
from csms_shadow.transactions.records import Records, TransactionRecordRequest
from tests.support import infra

pytestmark = pytest.mark.integration
NOW = 1_700_000_000
WRITERS = 12


def counted(name: str, operation: str) -> float:
    return REGISTRY.get_sample_value(name, {"operation": operation}) or 0.0


def test_concurrent_replicas_updating_one_shadow_lose_no_update(redis_service: infra.RunningService) -> None:
    """Two replicas (own connections), each with WRITERS/2 updates at once, one update at a time
    and in batches: every key lands, and the version counts every write."""

    async def scenario() -> None:
        prefix = f"contention-{uuid.uuid4().hex[:8]}:"
        clients = [Redis.from_url(redis_service.url) for _ in range(2)]
        stores = [ShadowStore(client, prefix, duplicate_window_seconds=60) for client in clients]
        retries_before = counted("csms_shadow_cas_retries_total", "apply_update")
        try:
            station = "CP-CONTENDED"
            assert await stores[0].create_station({"chargePointId": station}, NOW)
            singles = [
                stores[index % 2].apply_update(
                    ShadowUpdateRequest(station, {f"single{index}": index}, f"s{index}", NOW)
                )
                for index in range(WRITERS)
            ]
            batches = [
                stores[index % 2].apply_updates(
                    [ShadowUpdateRequest(station, {f"batched{index}": index}, f"b{index}", NOW)]
                )
                for index in range(WRITERS)
            ]
            single_results = await asyncio.gather(*singles)
            batch_results = [result for batch in await asyncio.gather(*batches) for result in batch]
            outcomes = {result.outcome for result in [*single_results, *batch_results]}
            assert outcomes == {UpdateOutcome.APPLIED}
            shadow = await stores[0].get_shadow(station)
            assert shadow is not None
            expected = {f"single{i}": i for i in range(WRITERS)} | {f"batched{i}": i for i in range(WRITERS)}
            assert shadow["state"]["reported"] == expected
            assert shadow["version"] == empty_shadow(NOW)["version"] + 2 * WRITERS
            retried = counted("csms_shadow_cas_retries_total", "apply_update") - retries_before
            print(f"\n{2 * WRITERS} concurrent updates of one shadow: {retried:.0f} redone after losing")
        finally:
            for client in clients:
                await client.aclose()

    asyncio.run(scenario())


def test_concurrent_events_of_one_transaction_are_all_logged(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        prefix = f"contention-{uuid.uuid4().hex[:8]}:"
        clients = [Redis.from_url(redis_service.url) for _ in range(2)]
        records = [Records(client, prefix, 3600, 3600) for client in clients]
        try:
            requests = [
                TransactionRecordRequest(
                    "CP-TX", "tx-1", {"status": "Updated"}, {"seqNo": seq, "eventType": "Updated"}
                )
                for seq in range(WRITERS)
            ]
            await asyncio.gather(
                *(records[seq % 2].record_transaction(request) for seq, request in enumerate(requests))
            )
            [stored] = await records[0].transactions("CP-TX")
            assert [event["seqNo"] for event in stored["events"]] == list(range(WRITERS))
        finally:
            for client in clients:
                await client.aclose()

    asyncio.run(scenario())


def test_a_write_that_always_loses_gives_up_after_its_attempts(redis_service: infra.RunningService) -> None:
    """Another client rewrites the watched key between every read and write: no infinite loop, a
    ContentionExhausted (a RedisError, so callers treat it as Redis failing) and the metric."""

    async def scenario() -> None:
        key = f"contention-{uuid.uuid4().hex[:8]}:always-changed"
        redis, rival = Redis.from_url(redis_service.url), Redis.from_url(redis_service.url)
        policy = RetryPolicy(attempts=5, first_pause=0.001, max_pause=0.004)
        attempts = 0
        exhausted_before = counted("csms_shadow_cas_exhausted_total", "test_always_loses")

        async def body(pipe: Pipeline) -> None:
            nonlocal attempts
            attempts += 1
            current = int(await pipe.get(key) or 0)
            await rival.incr(key)  # the rival wins every race
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, current + 100)
            await pipe.execute()

        try:
            started = time.monotonic()
            with pytest.raises(ContentionExhausted, match="5 attempts"):
                await watched(redis, "test_always_loses", [key], body, policy, station_id="CP-TEST")
            elapsed = time.monotonic() - started
            assert attempts == policy.attempts
            assert int(await redis.get(key) or 0) == policy.attempts  # only the rival's writes landed
            assert counted("csms_shadow_cas_exhausted_total", "test_always_loses") == exhausted_before + 1
            assert elapsed < 2.0
        finally:
            await redis.aclose()
            await rival.aclose()

    asyncio.run(scenario())
