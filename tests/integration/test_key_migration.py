"""Keys written in the layout before hash tags are renamed at start, against a real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from csms_shadow.documents.store import ShadowStore
from csms_shadow.storage.key_migration import migrate_key_layout
from csms_shadow.storage.keys import Keys
from tests.support import infra

pytestmark = pytest.mark.integration


async def _old_layout_then_migrate(url: str) -> None:
    prefix = f"migrate-{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(url)
    keys = Keys(prefix)
    try:
        # What the shadow service wrote before the hash-tagged names (old spellings by hand).
        shadow = b'{"state": {"reported": {"lastSeen": 1}}, "version": 3}'
        await redis.set(f"{prefix}station:CP1", b'{"chargePointId": "CP1"}')
        await redis.set(f"{prefix}shadow:CP1", shadow)
        await redis.zadd(f"{prefix}stations", {"CP1": 1.0})
        await redis.set(f"{prefix}token:TAG-1", b'{"status": "Accepted"}')
        await redis.set(f"{prefix}sessions:CP1", b"[]")
        await redis.set(f"{prefix}applied:CP1:t-1", b"1", ex=60)
        # A key already in today's layout, and an old key whose new name exists.
        await redis.set(keys.presence("CP2"), b"new")
        await redis.set(f"{prefix}presence:CP3", b"old")
        await redis.set(keys.presence("CP3"), b"newer")

        report = await migrate_key_layout(redis, prefix, scan_count=2)
        assert (report.renamed, report.kept_new, report.skipped) == (5, 1, False)

        store = ShadowStore(redis, prefix, duplicate_window_seconds=60)
        assert await store.get_shadow("CP1") == {"state": {"reported": {"lastSeen": 1}}, "version": 3}
        assert await redis.get(keys.station("CP1")) == b'{"chargePointId": "CP1"}'
        assert await redis.zscore(keys.station_index, "CP1") == 1.0
        assert await redis.get(keys.id_token("TAG-1")) == b'{"status": "Accepted"}'
        assert await redis.get(keys.station_sessions("CP1")) == b"[]"
        assert await redis.exists(f"{prefix}station:CP1", f"{prefix}stations") == 0
        assert await redis.get(f"{prefix}applied:CP1:t-1") == b"1"  # left to expire
        assert await redis.get(keys.presence("CP2")) == b"new"
        assert await redis.get(keys.presence("CP3")) == b"newer"
        assert await redis.get(f"{prefix}presence:CP3") == b"old"

        again = await migrate_key_layout(redis, prefix)
        assert again.skipped and again.renamed == 0
    finally:
        found = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        if found:
            await redis.delete(*found)
        await redis.aclose()


def test_old_layout_is_renamed_once(redis_service: infra.RunningService) -> None:
    asyncio.run(_old_layout_then_migrate(redis_service.url))
