"""What each station's local authorization list holds, as far as its accepted SendLocalLists say
(``local-list:{cp}``): the base of the next Differential update (local_list_plan.py)."""

from __future__ import annotations

from redis.asyncio import Redis

from csms_common import fast_json
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys


class LocalListStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._stations = self._keys.local_list_stations
        """Stations with a desired list: asked their version again on every connect."""

    def _key(self, station_id: str) -> str:
        return self._keys.local_list(station_id)

    async def get(self, station_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._key(station_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def put(self, station_id: str, kept: JsonObject) -> None:
        await self._redis.set(self._key(station_id), fast_json.dumps(kept))

    async def remember(self, station_id: str) -> None:
        await self._redis.sadd(self._stations, station_id)

    async def forget(self, station_id: str) -> None:
        await self._redis.srem(self._stations, station_id)

    async def has_list(self, station_id: str) -> bool:
        return bool(await self._redis.sismember(self._stations, station_id))

    async def delete_station(self, station_id: str) -> None:
        """A deleted station: what its list held and its place among the stations with one."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(station_id))
            pipe.srem(self._stations, station_id)
            await pipe.execute()
