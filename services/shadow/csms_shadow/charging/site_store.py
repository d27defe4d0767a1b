"""Redis side of smart charging's sites: the site tree, external limits, and which station is where.

Keys (under the service's prefix): ``site:{id}`` (JSON: the site as ``PUT /sites/{id}`` took it, plus
``externalLimit``) and the ``sites`` set; ``site-membership`` (hash: ``{cp}`` -> JSON
``{"site": id | null, "evses": {"1": id}, "wiring": {"1": {"phaseRotation": "STR", "phases": 1}}}``);
``site-stations:{id}`` (set of the stations with the station or one of its EVSEs in the site).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from csms_common import fast_json
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def sites_of(membership: JsonObject) -> set[str]:
    """Every site a station's membership names (the station's and its EVSEs')."""
    named = {str(site) for site in (membership.get("evses") or {}).values()}
    if membership.get("site"):
        named.add(str(membership["site"]))
    return named


class SiteStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._index = self._keys.site_index
        self._membership = self._keys.site_membership

    def _site(self, site_id: str) -> str:
        return self._keys.site(site_id)

    def _stations(self, site_id: str) -> str:
        return self._keys.site_stations(site_id)

    async def put(self, document: JsonObject) -> bool:
        """Create or replace a site; True when new."""
        site_id = str(document["id"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._site(site_id), fast_json.dumps(document))
            pipe.sadd(self._index, site_id)
            _, added = await pipe.execute()
        return bool(added)

    async def get(self, site_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._site(site_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def all(self) -> dict[str, JsonObject]:
        ids = sorted(_text(member) for member in await self._redis.smembers(self._index))
        if not ids:
            return {}
        raws = await self._redis.mget([self._site(site_id) for site_id in ids])
        return {site_id: dict(fast_json.loads(raw)) for site_id, raw in zip(ids, raws, strict=True) if raw}

    async def delete(self, site_id: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._site(site_id))
            pipe.srem(self._index, site_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def stations(self, site_id: str) -> list[str]:
        return sorted(_text(member) for member in await self._redis.smembers(self._stations(site_id)))

    async def membership(self, station_id: str) -> JsonObject:
        raw = await self._redis.hget(self._membership, station_id)
        return {"site": None, "evses": {}} if raw is None else dict(fast_json.loads(raw))

    async def memberships(self) -> dict[str, JsonObject]:
        raw = await self._redis.hgetall(self._membership)
        return {_text(station): dict(fast_json.loads(value)) for station, value in raw.items()}

    async def set_membership(self, station_id: str, membership: JsonObject) -> None:
        before = sites_of(await self.membership(station_id))
        after = sites_of(membership)
        async with self._redis.pipeline(transaction=True) as pipe:
            for site_id in before - after:
                pipe.srem(self._stations(site_id), station_id)
            for site_id in after - before:
                pipe.sadd(self._stations(site_id), station_id)
            if after or membership.get("wiring"):
                pipe.hset(self._membership, station_id, fast_json.dumps(membership))
            else:
                pipe.hdel(self._membership, station_id)
            await pipe.execute()

    async def site_of(self, station_id: str) -> JsonObject | None:
        """The stored site the station (as a whole) belongs to, or None."""
        site_id = (await self.membership(station_id)).get("site")
        return None if not site_id else await self.get(str(site_id))
