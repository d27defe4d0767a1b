"""The label index against a real Redis: concurrent label patches from two replicas all survive,
an older index step delayed past a newer one (a PATCH, or the build at start) never wins, in every
Redis mode; the index follows patches and deletes, selectors read it, and what it saves over 10,000
stations."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Coroutine
from typing import Any, TypeVar, cast

import pytest
from redis.asyncio import Redis

from csms_common.labels import parse_selector
from csms_shadow.documents.store import ShadowStore
from csms_shadow.fleet.label_index import indexed_groups, matching_stations
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.redis_client import redis_client
from csms_shadow.storage.redis_config import RedisSettings
from tests.support import infra

pytestmark = pytest.mark.integration
NOW = 1_700_000_000
T = TypeVar("T")
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


class _PausedIndexWrite:
    """A Redis client (any mode) whose first pipeline that writes a label set (``sadd``/``srem``)
    stops at ``execute`` until ``release`` is set; ``reached`` tells the test it got there. It
    forces one writer's index step after another's, whatever the store's code looks like."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.armed = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def pipeline(self, *args: Any, **kwargs: Any) -> _PausingPipeline:
        return _PausingPipeline(self._client.pipeline(*args, **kwargs), self)


class _PausingPipeline:
    def __init__(self, pipe: Any, owner: _PausedIndexWrite) -> None:
        self._pipe = pipe
        self._owner = owner
        self._writes_labels = False

    def __getattr__(self, name: str) -> Any:
        if name in ("sadd", "srem"):
            self._writes_labels = True
        return getattr(self._pipe, name)

    async def __aenter__(self) -> _PausingPipeline:
        await self._pipe.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._pipe.__aexit__(*exc)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        if self._writes_labels and self._owner.armed:
            self._owner.armed = False
            self._owner.reached.set()
            await self._owner.release.wait()
        return await self._pipe.execute(*args, **kwargs)


@contextlib.asynccontextmanager
async def _racing_stores(
    settings: RedisSettings,
) -> AsyncIterator[tuple[_PausedIndexWrite, ShadowStore, ShadowStore]]:
    """Two replicas' stores on one prefix: the first one's first index write can be held back."""
    prefix = f"labels-race-{uuid.uuid4().hex[:8]}:"
    paused = _PausedIndexWrite(redis_client(settings))
    plain = redis_client(settings)
    try:
        yield (
            paused,
            ShadowStore(cast(Redis, paused), prefix, duplicate_window_seconds=60),
            ShadowStore(plain, prefix, duplicate_window_seconds=60),
        )
    finally:
        paused.release.set()
        for client in (paused, plain):
            await client.aclose()


async def _held_back(
    paused: _PausedIndexWrite, held: Coroutine[Any, Any, T], meanwhile: Awaitable[object]
) -> T:
    """Run ``held`` until its first index write, then ``meanwhile`` whole, then the rest of ``held``."""
    task = asyncio.create_task(held)
    await asyncio.wait_for(paused.reached.wait(), 10)
    await meanwhile
    paused.release.set()
    return await asyncio.wait_for(task, 10)


async def _patch_site_a_held_back(
    paused: _PausedIndexWrite,
    first: ShadowStore,
    second: ShadowStore,
    station: str,
    meanwhile: Awaitable[object],
) -> None:
    """Register ``station``; the first replica PATCHes site=a, held back before its index step while
    ``meanwhile`` (on the second replica) runs whole."""
    assert await second.create_station({"chargePointId": station}, NOW)
    await _held_back(paused, first.update_station(station, {}, labels={"site": "a"}), meanwhile)


async def _indexed(store: ShadowStore, key: str, value: str) -> list[str]:
    return await store.labelled([[(key, value)]])


def test_an_older_label_patch_whose_index_step_is_delayed_never_wins(redis_settings: RedisSettings) -> None:
    """PATCH site=a writes its record, its index step is held back; PATCH site=b runs whole; then the
    first index step goes on. Before the fix it added the station to site=a: the record said b, a
    selector site=a still returned it."""

    async def scenario() -> None:
        async with _racing_stores(redis_settings) as (paused, first, second):
            station = "CP-RACE"
            await _patch_site_a_held_back(
                paused, first, second, station, second.update_station(station, {}, labels={"site": "b"})
            )
            record = await second.station_record(station)
            assert record is not None and record["labels"] == {"site": "b"}
            assert await _indexed(second, "site", "a") == []
            assert await _indexed(second, "site", "b") == [station]
            # And the other way round: the index follows a later PATCH from the first replica.
            await first.update_station(station, {}, labels={"site": "c"})
            assert await _indexed(second, "site", "b") == []
            assert await _indexed(second, "site", "c") == [station]

    asyncio.run(scenario())


def test_a_label_patch_during_the_build_at_start_leaves_no_stale_entry(redis_settings: RedisSettings) -> None:
    """The build at start read a station labelled site=a; before it wrote the index, a PATCH moved
    the station to site=b. Before the fix the build then added it to site=a."""

    async def scenario() -> None:
        async with _racing_stores(redis_settings) as (paused, first, second):
            station = "CP-BUILD"
            assert await second.create_station({"chargePointId": station, "labels": {"site": "a"}}, NOW)
            assert await second.create_station(
                {"chargePointId": "CP-OTHER", "labels": {"site": "a"}}, NOW + 1
            )
            await _held_back(
                paused, first.ensure_label_index(), second.update_station(station, {}, labels={"site": "b"})
            )
            assert await _indexed(second, "site", "a") == ["CP-OTHER"]
            assert await _indexed(second, "site", "b") == [station]
            assert await first.ensure_label_index() == 0

    asyncio.run(scenario())


def test_a_delayed_index_step_never_revives_a_deleted_station(redis_settings: RedisSettings) -> None:
    """PATCH site=a is held before its index step; the station is deleted and registered again with
    site=b. Before the fix the held step added it to site=a, where it stayed after the re-creation;
    now the delete's tombstone refuses that step, and the new station's labels are indexed."""

    async def scenario() -> None:
        async with _racing_stores(redis_settings) as (paused, first, second):
            station = "CP-AGAIN"
            await _patch_site_a_held_back(paused, first, second, station, second.delete_station(station))
            assert await second.station_record(station) is None
            assert await second.create_station({"chargePointId": station}, NOW + 1)
            await second.update_station(station, {}, labels={"site": "b"})
            assert await _indexed(second, "site", "a") == []
            assert await _indexed(second, "site", "b") == [station]
            shown = await second.get_station(station)
            assert shown is not None and "labelsVersion" not in shown

    asyncio.run(scenario())


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
                assert _members(await clients[0].smembers(Keys(prefix).label(f"k{index}", f"v{index}"))) == {
                    station
                }
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
            assert _members(await redis.smembers(Keys(prefix).label("site", "s1"))) == {"B"}
            assert _members(await redis.smembers(Keys(prefix).label("site", "s2"))) == {"A", "C"}
            assert _members(await redis.smembers(Keys(prefix).label("model", "X"))) == {"C"}
            assert await matched("site=s2") == ["A", "C"]
            assert await store.delete_station("C")
            assert await matched("site=s2") == ["A"]
            assert not await redis.exists(Keys(prefix).label("model", "X"))

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
            started = time.perf_counter()
            assert await store.ensure_label_index() == FLEET
            print(f"\nlabel index built over {FLEET} stations in {time.perf_counter() - started:.2f} s")
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
