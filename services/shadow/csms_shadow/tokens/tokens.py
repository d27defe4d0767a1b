"""The id-token store: which tokens may charge (Accepted, Blocked, Expired, Invalid), in Redis.

Records are checked by ``token_records.token_record`` before they get here.
"""

from __future__ import annotations

import json
from datetime import datetime

from redis.asyncio import Redis

from csms_shadow.documents.document import JsonObject
from csms_shadow.metrics import BUDGET_REJECTIONS
from csms_shadow.storage.keys import Keys
from csms_shadow.tokens.token_records import TOKEN_STATUSES

__all__ = ["TOKEN_STATUSES", "IdTokenStore", "TokenStoreFull", "effective_status"]
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


class TokenStoreFull(Exception):
    """A write would take the store past its maximum number of tokens."""


class IdTokenStore:
    """One JSON record per token plus an index set for listing, at most ``max_tokens`` of them.

    The maximum is checked before writing, not in the same transaction: writers racing at the edge
    may pass it by as many tokens as they add together.
    """

    def __init__(self, redis: Redis, prefix: str, max_tokens: int = 1_000_000) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._max_tokens = max_tokens

    async def _check_room(self, values: list[str]) -> None:
        known = await self._redis.smismember(self._keys.id_token_index, values)
        new = sum(1 for member in known if not member)
        if new and await self._redis.scard(self._keys.id_token_index) + new > self._max_tokens:
            BUDGET_REJECTIONS.labels("id_tokens").inc()
            raise TokenStoreFull(
                f"the id-token store holds at most {self._max_tokens} tokens (SHADOW_MAX_ID_TOKENS); "
                f"this adds {new}"
            )

    async def put(self, record: JsonObject) -> bool:
        """Create or replace a token record; True if it is new. TokenStoreFull if there is no room."""
        value = record["idToken"]
        await self._check_room([value])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.id_token(value), json.dumps(record))
            pipe.sadd(self._keys.id_token_index, value)
            _, added = await pipe.execute()
        return bool(added)

    async def put_many(self, records: list[JsonObject]) -> int:
        """Create or replace many records in one transaction; how many of them are new."""
        await self._check_room([record["idToken"] for record in records])
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
