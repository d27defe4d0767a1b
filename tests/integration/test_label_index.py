"""The label index against a real Redis: concurrent label patches from two replicas all survive,
the index follows patches and deletes, selectors read it, and what it saves over 10,000 stations."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from csms_common.labels import parse_selector
from csms_shadow.documents.store import ShadowStore
from csms_shadow.fleet.label_index import indexed_groups, matching_stations
from tests.support import infra

pytestmark = pytest.mark.integration
NOW = 1_700_000_000
WRITERS = 16
FLEET = 10_000
SITES = 100


def _members(raw: set[bytes]) -> set[str]:
    return {member.decode() for member in raw}


@contextlib.asynccontextmanager
async def _store(redis_service: infra.RunningService) -> AsyncIterator[tuple[Redis, ShadowStore, str]]:
    """A store under a fresh prefix; every key under it is deleted afterwards."""
    prefix = f"labels-{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(redis_service.url)
    try:
        yield redis, ShadowStore(redis, prefix, duplicate_window_seconds=60), prefix
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await redis.delete(*keys[start : start + 1000])
        await redis.aclose()


def test_concurrent_label_patches_from_two_replicas_all_survive(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        prefix = f"labels-{uuid.uuid4().hex[:8]}:"
        clients = [Redis.from_url(redis_service.url) for _ in range(2)]
        stores = [ShadowStore(client, prefix, duplicate_window_seconds=60) for client in clients]
        try:
            station = "CP-LABELS"
            assert await stores[0].create_station({"chargePointId": station}, NOW)
            await asyncio.gather(
                *(
                    stores[index % 2].update_station(station, {}, labels={f"k{index}": f"v{index}"})
                    for index in range(WRITERS)
                )
            )
            record = await stores[0].station_record(station)
            assert record is not None
            assert record["labels"] == {f"k{index}": f"v{index}" for index in range(WRITERS)}
            for index in range(WRITERS):
                assert _members(await clients[0].smembers(f"{prefix}label:k{index}=v{index}")) == {station}
        finally:
            for client in clients:
                await client.aclose()

    asyncio.run(scenario())


def test_the_index_follows_patches_and_deletes(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        async with _store(redis_service) as (redis, store, prefix):
            for number, station in enumerate(("A", "B", "C")):
                assert await store.create_station({"chargePointId": station}, NOW + number)
            await store.update_station("A", {}, labels={"site": "s1", "model": "X"})
            await store.update_station("B", {}, labels={"site": "s1", "model": "Y"})
            await store.update_station("C", {}, labels={"site": "s2", "model": "X"})

            async def matched(selector: str) -> list[str]:
                stations = await matching_stations(store, parse_selector(selector))
                return [str(station["chargePointId"]) for station in stations]

            assert await matched("site=s1") == ["A", "B"]
            assert await matched("site in (s1,s2),model=X") == ["A", "C"]
            assert await matched("site=s1,model!=X") == ["B"]
            assert await matched("model notin (Y)") == ["A", "C"]  # no index: every station read
            # A changed value moves the station between sets; null removes it.
            await store.update_station("A", {}, labels={"site": "s2", "model": None})
            assert _members(await redis.smembers(f"{prefix}label:site=s1")) == {"B"}
            assert _members(await redis.smembers(f"{prefix}label:site=s2")) == {"A", "C"}
            assert _members(await redis.smembers(f"{prefix}label:model=X")) == {"C"}
            assert await matched("site=s2") == ["A", "C"]
            assert await store.delete_station("C")
            assert await matched("site=s2") == ["A"]
            assert not await redis.exists(f"{prefix}label:model=X")

    asyncio.run(scenario())


def test_index_built_once_for_stations_labelled_before_it(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        async with _store(redis_service) as (_, store, _):
            assert await store.create_station({"chargePointId": "OLD", "labels": {"site": "s9"}}, NOW)
            assert await store.ensure_label_index() == 1
            assert await store.ensure_label_index() == 0
            stations = await matching_stations(store, parse_selector("site=s9"))
            assert [station["chargePointId"] for station in stations] == ["OLD"]

    asyncio.run(scenario())


@pytest.mark.timeout(300)
def test_selector_time_over_10000_stations(redis_service: infra.RunningService) -> None:
    """Before the index every selector read all 10,000 records and presences; now ``site=...`` reads
    its 100 stations (the index built by ensure_label_index, as at start). Printed: the median of 5
    runs each way."""

    async def scenario() -> None:
        async with _store(redis_service) as (_, store, _):
            for start in range(0, FLEET, 50):
                await asyncio.gather(
                    *(
                        store.create_station(
                            {
                                "chargePointId": f"CP{n:05}",
                                "labels": {"site": f"s{n % SITES}", "model": "XY"[n % 2]},
                            },
                            NOW + n,
                        )
                        for n in range(start, start + 50)
                    )
                )
            assert await store.ensure_label_index() == FLEET
            selector = parse_selector("site=s7,model=Y")
            assert indexed_groups(selector) is not None

            async def scanned() -> list[object]:  # the selector path before the index
                return [s for s in await store.list_stations() if selector.matches(s.get("labels"))]

            timings: dict[str, list[float]] = {"scan": [], "index": []}
            results: dict[str, list[object]] = {}
            for _ in range(5):
                for name, run in (("scan", scanned), ("index", lambda: matching_stations(store, selector))):
                    started = time.perf_counter()
                    results[name] = [station["chargePointId"] for station in await run()]
                    timings[name].append(time.perf_counter() - started)
            assert results["index"] == results["scan"] and len(results["index"]) == FLEET // SITES
            scan, index = (sorted(timings[name])[2] * 1000 for name in ("scan", "index"))
            print(f"selector over {FLEET} stations (100 match): scan {scan:.1f} ms, index {index:.1f} ms")
            assert index < scan

    asyncio.run(scenario())
