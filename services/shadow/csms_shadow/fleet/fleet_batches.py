"""Fleet command batches (``POST /fleet/commands/{Action}``): kept so that ``GET /fleet/commands/{id}``
can show each station's call as it is now (its command record). Bounded: at most
:data:`MAX_BATCHES` kept (the oldest go first), each for :data:`BATCH_TTL_SECONDS`, each naming at
most :data:`MAX_BATCH_STATIONS` stations."""

from __future__ import annotations

import time
from collections import Counter

from redis.asyncio import Redis

from csms_common import fast_json
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys

MAX_BATCHES = 1000
MAX_BATCH_STATIONS = 1000
BATCH_TTL_SECONDS = 7 * 24 * 3600
MAX_BATCH_ID_CHARS = 64


class FleetBatches:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._index = self._keys.fleet_batch_index

    def _key(self, batch_id: str) -> str:
        return self._keys.fleet_batch(batch_id)

    async def put(self, body: JsonObject) -> tuple[int, JsonObject]:
        batch = body.get("batch")
        if not isinstance(batch, dict) or not isinstance(batch.get("results"), list):
            raise ValueError("batch must be an object with results")
        batch_id = str(batch.get("batchId") or "")
        if not 0 < len(batch_id) <= MAX_BATCH_ID_CHARS:
            raise ValueError("invalid batchId")
        if len(batch["results"]) > MAX_BATCH_STATIONS:
            raise ValueError(f"a batch names at most {MAX_BATCH_STATIONS} stations")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(batch_id), fast_json.dumps(batch), ex=BATCH_TTL_SECONDS)
            pipe.zadd(self._index, {batch_id: time.time()})
            pipe.zrange(self._index, 0, -(MAX_BATCHES + 1))
            _, _, evicted = await pipe.execute()
        if evicted:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zrem(self._index, *evicted)
                pipe.delete(
                    *(
                        self._key(member.decode() if isinstance(member, bytes) else str(member))
                        for member in evicted
                    )
                )
                await pipe.execute()
        return 201, {"batchId": batch_id}

    async def get(self, body: JsonObject) -> tuple[int, JsonObject]:
        batch_id = str(body.get("batchId") or "")
        raw = await self._redis.get(self._key(batch_id)) if 0 < len(batch_id) <= MAX_BATCH_ID_CHARS else None
        if raw is None:
            return 404, {"error": f"Batch not found: {batch_id[:MAX_BATCH_ID_CHARS]}"}
        batch = dict(fast_json.loads(raw))
        results: list[JsonObject] = batch["results"]
        sent = [result for result in results if result.get("messageId")]
        records = (
            await self._redis.mget([self._keys.command(str(result["messageId"])) for result in sent])
            if sent
            else []
        )
        for result, record_raw in zip(sent, records, strict=True):
            record = fast_json.loads(record_raw) if record_raw else {}
            result["state"] = record.get("state", result.get("state"))
            for field in ("payload", "errorCode", "errorDescription", "reason"):
                if field in record:
                    result[field] = record[field]
        batch["counts"] = dict(Counter(str(result.get("state")) for result in results))
        return 200, batch
