"""The id-token store: which tokens may charge (Accepted, Blocked, Expired, Invalid), in Redis.

Records are checked by ``token_records.token_record`` before they get here.
"""

from __future__ import annotations

import json
from datetime import datetime

from redis.asyncio import Redis

from csms_shadow.document import JsonObject
from csms_shadow.store import Keys
from csms_shadow.token_records import TOKEN_STATUSES

__all__ = ["TOKEN_STATUSES", "IdTokenStore", "effective_status"]
UNKNOWN = {"status": "Invalid"}


def effective_status(record: JsonObject | None, now: datetime) -> JsonObject:
    """What a station is told about a token: unknown is Invalid, an Accepted token past expiry is Expired.

    The token's group and the EVSEs it is limited to go with the status: the station compares groups
    to let one token stop another's transaction, and the handler refuses the token at other EVSEs.
    """
    if record is None:
        return dict(UNKNOWN)
    answer: JsonObject = {"status": record["status"]}
    expiry = record.get("expiryDate")
    if expiry is not None:
        answer["expiryDate"] = expiry
        expires = datetime.fromisoformat(str(expiry).replace("Z", "+00:00"))
        if answer["status"] == "Accepted" and expires <= now:
            answer["status"] = "Expired"
    if record.get("groupIdToken") is not None:
        answer["groupIdToken"] = record["groupIdToken"]
    if record.get("evseIds"):
        answer["evseIds"] = record["evseIds"]
    return answer


class IdTokenStore:
    """One JSON record per token plus an index set for listing."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)

    async def put(self, record: JsonObject) -> bool:
        """Create or replace a token record; True if it is new."""
        value = record["idToken"]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.id_token(value), json.dumps(record))
            pipe.sadd(self._keys.id_token_index, value)
            _, added = await pipe.execute()
        return bool(added)

    async def put_many(self, records: list[JsonObject]) -> int:
        """Create or replace many records in one transaction; how many of them are new."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for record in records:
                pipe.set(self._keys.id_token(record["idToken"]), json.dumps(record))
                pipe.sadd(self._keys.id_token_index, record["idToken"])
            results = await pipe.execute()
        return sum(int(added) for added in results[1::2])

    async def get(self, value: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.id_token(value))
        return None if raw is None else dict(json.loads(raw))

    async def delete(self, value: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.id_token(value))
            pipe.srem(self._keys.id_token_index, value)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def all(self) -> list[JsonObject]:
        values = sorted(
            member.decode() if isinstance(member, bytes) else str(member)
            for member in await self._redis.smembers(self._keys.id_token_index)
        )
        if not values:
            return []
        raws = await self._redis.mget([self._keys.id_token(value) for value in values])
        return [json.loads(raw) for raw in raws if raw is not None]

    async def statuses(self, values: list[str], now: datetime) -> dict[str, JsonObject]:
        """The effective status of each token, in one round trip."""
        if not values:
            return {}
        raws = await self._redis.mget([self._keys.id_token(value) for value in values])
        return {
            value: effective_status(json.loads(raw) if raw is not None else None, now)
            for value, raw in zip(values, raws, strict=True)
        }
