"""The id-token store against a real Redis: imports are all or none, and the store has a maximum."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from csms_shadow.tokens.token_records import token_record
from csms_shadow.tokens.tokens import IdTokenStore, TokenStoreFull
from tests.support import infra

pytestmark = pytest.mark.integration
AT = "2026-01-01T00:00:00.000Z"


def _record(value: str, status: str = "Accepted") -> dict[str, object]:
    return token_record({"idToken": value, "status": status, "groupIdToken": "G"}, AT)


def _rejections() -> float:
    return REGISTRY.get_sample_value("csms_shadow_budget_rejections_total", {"reason": "id_tokens"}) or 0.0


def test_put_many_counts_new_and_replaced_and_the_maximum_refuses_only_additions(
    redis_service: infra.RunningService,
) -> None:
    async def scenario() -> None:
        client = Redis.from_url(redis_service.url)
        store = IdTokenStore(client, f"tokens-{uuid.uuid4().hex[:8]}:", max_tokens=5)
        try:
            assert await store.put_many([_record(f"T{index}") for index in range(3)]) == 3
            assert await store.put_many([_record("T2", "Blocked"), _record("T3"), _record("T4")]) == 2
            assert (await store.get("T2") or {})["status"] == "Blocked"

            before = _rejections()
            with pytest.raises(TokenStoreFull, match="at most 5 tokens"):
                await store.put_many([_record("T0"), _record("T5")])
            with pytest.raises(TokenStoreFull):
                await store.put(_record("T6"))
            assert _rejections() == before + 2
            # Nothing of a refused import is stored; replacing a known token still works when full.
            assert await store.get("T5") is None
            assert await store.put(_record("T0", "Blocked")) is False
            assert [record["idToken"] for record in await store.all()] == ["T0", "T1", "T2", "T3", "T4"]
            statuses = await store.statuses(["T2", "T9"], datetime.now(UTC))
            assert statuses == {"T2": {"status": "Blocked", "groupIdToken": "G"}, "T9": {"status": "Invalid"}}
        finally:
            await client.aclose()

    asyncio.run(scenario())
