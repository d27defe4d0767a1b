"""The charging profiles set through the API and accepted by their station, kept per station.

Redis: ``charging-profiles:{cp}`` (hash: profile id -> the profile as the API took it). At most
``MAX_PROFILES_PER_STATION``; the allocator's own profiles are not kept here (they follow the allocation).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from csms_common import fast_json
from csms_common.smart_charging.profiles import Profile, parse_profile
from csms_common.station_id import validate_station_id
from csms_common.topics import RegistryMethod
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
MAX_PROFILES_PER_STATION = 16
PROFILE_METHODS = frozenset(
    {RegistryMethod.PROFILE_PUT, RegistryMethod.PROFILE_LIST, RegistryMethod.PROFILE_DELETE}
)


def _profile_id(body: JsonObject) -> int:
    value = body.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ValueError("id must be a charging profile id (1 to 2^31-1)")
    return value


class ProfileRequests:
    def __init__(self, redis: Redis, prefix: str, on_change: Callable[[], None] = lambda: None) -> None:
        self.on_change = on_change
        """Called after a put or delete: a ChargingStationMaxProfile moves the smart-charging allocation."""
        self._redis = redis
        self._keys = Keys(prefix)
        self._methods: dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]] = {
            RegistryMethod.PROFILE_PUT: self.put,
            RegistryMethod.PROFILE_LIST: self.list_profiles,
            RegistryMethod.PROFILE_DELETE: self.delete,
        }

    def _key(self, station_id: str) -> str:
        return self._keys.charging_profiles(station_id)

    async def handle(self, method: RegistryMethod, body: JsonObject) -> Answer:
        answer = await self._methods[method](body)
        if method is not RegistryMethod.PROFILE_LIST and answer[0] < 300:
            self.on_change()
        return answer

    async def kept(self, station_id: str) -> list[Profile]:
        """The station's kept profiles (the allocator reads its ChargingStationMaxProfiles)."""
        raw = await self._redis.hgetall(self._key(station_id))
        return [parse_profile(fast_json.loads(value)) for value in raw.values()]

    async def put(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        profile = parse_profile(body.get("profile"))
        key = self._key(station_id)
        if (
            not await self._redis.hexists(key, str(profile.id))
            and await self._redis.hlen(key) >= MAX_PROFILES_PER_STATION
        ):
            return 409, {"error": f"at most {MAX_PROFILES_PER_STATION} charging profiles per station"}
        await self._redis.hset(key, str(profile.id), fast_json.dumps(profile.as_json()))
        logger.info("charging profile kept", extra={"station_id": station_id, "profile_id": profile.id})
        return 200, profile.as_json()

    async def list_profiles(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        raw = await self._redis.hgetall(self._key(station_id))
        profiles = sorted(
            (dict(fast_json.loads(value)) for value in raw.values()), key=lambda p: int(p["id"])
        )
        return 200, {"chargePointId": station_id, "chargingProfiles": profiles}

    async def delete(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        profile_id = _profile_id(body)
        removed = await self._redis.hdel(self._key(station_id), str(profile_id))
        return 200, {"chargePointId": station_id, "id": profile_id, "deleted": bool(removed)}
