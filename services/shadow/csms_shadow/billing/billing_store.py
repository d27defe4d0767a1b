"""Redis side of billing: tariffs and their assignments, per-session meter samples, sessions.

Keys (under the service's prefix): ``tariff:{id}`` (JSON) and the ``tariffs`` set;
``tariff-assignments`` (hash: ``default``, ``station:{cp}``, ``site:{id}``, ``group:{group}`` -> JSON list of
tariff ids); ``session:{cp}:{tx}`` (JSON) indexed by start time in the ``sessions``,
``sessions:{cp}`` and ``sessions-token:{token}`` sorted sets; ``session-samples:{cp}:{tx}``
(list of JSON entries: the bounded sample log, appended to in O(1)) with ``session-sample-digests:{cp}:{tx}``
(set: one digest per kept entry, so a redelivered message is kept once) and
``session-samples-thinned:{cp}:{tx}`` (entries thinned out so far); ``session-running:{cp}:{tx}`` (JSON:
the running count, ``csms_common.billing.running``); ``sessions-running`` (set of running sessions with
a tariff). A sample log stored as one JSON string (before the list) is converted on first use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from csms_common import fast_json
from csms_common.billing.samples import appended
from csms_shadow.billing.billing_metrics import SAMPLES_THINNED
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.scripts import APPEND_SAMPLE

DEFAULT_TARGET = "default"


def station_target(station_id: str) -> str:
    return f"station:{station_id}"


def site_target(site_id: str) -> str:
    return f"site:{site_id}"


def group_target(group: str) -> str:
    return f"group:{group}"


class TooManyTariffs(ValueError):
    """The configured number of tariffs is reached."""


@dataclass(frozen=True)
class SampleLog:
    entries: list[Mapping[str, Any]]
    thinned: int


@dataclass(frozen=True)
class SessionQuery:
    station_id: str | None = None
    id_token: str | None = None
    start_from: float = float("-inf")
    start_to: float = float("inf")
    offset: int = 0
    limit: int = 100


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def entry_digest(entry: Mapping[str, Any]) -> bytes:
    """Equal entries (as dicts: key order aside) have equal digests."""
    try:
        canonical = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.blake2b(canonical, digest_size=16).digest()


class BillingStore:
    def __init__(self, redis: Redis, prefix: str, max_tariffs: int, sessions_per_station: int) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._max_tariffs = max_tariffs
        self._sessions_per_station = sessions_per_station
        self._append_sample = redis.register_script(APPEND_SAMPLE)

    def _session_keys(self, session_id: str) -> tuple[str, ...]:
        """Every key of one session: the session, then its sample log and what goes with it."""
        return (
            self._keys.session(session_id),
            self._keys.session_samples(session_id),
            self._keys.session_sample_digests(session_id),
            self._keys.session_samples_thinned(session_id),
            self._keys.session_running_count(session_id),
        )

    # ------------------------------------------------------------------ tariffs

    async def put_tariff(self, document: JsonObject) -> bool:
        """Create or replace a tariff; True when new. :class:`TooManyTariffs` past the limit."""
        tariff_id = str(document["id"])
        exists = await self._redis.sismember(self._keys.tariff_index, tariff_id)
        if not exists and await self._redis.scard(self._keys.tariff_index) >= self._max_tariffs:
            raise TooManyTariffs(f"at most {self._max_tariffs} tariffs (BILLING_MAX_TARIFFS)")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.tariff(tariff_id), fast_json.dumps(document))
            pipe.sadd(self._keys.tariff_index, tariff_id)
            _, added = await pipe.execute()
        return bool(added)

    async def get_tariff(self, tariff_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.tariff(tariff_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def get_tariffs(self, tariff_ids: list[str]) -> list[JsonObject]:
        if not tariff_ids:
            return []
        raws = await self._redis.mget([self._keys.tariff(tariff_id) for tariff_id in tariff_ids])
        return [dict(fast_json.loads(raw)) for raw in raws if raw is not None]

    async def list_tariffs(self) -> list[JsonObject]:
        ids = sorted(_text(member) for member in await self._redis.smembers(self._keys.tariff_index))
        return await self.get_tariffs(ids)

    async def delete_tariff(self, tariff_id: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.tariff(tariff_id))
            pipe.srem(self._keys.tariff_index, tariff_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def assign(self, target: str, tariff_ids: list[str]) -> None:
        if tariff_ids:
            await self._redis.hset(self._keys.tariff_assignments, target, fast_json.dumps(tariff_ids))
        else:
            await self._redis.hdel(self._keys.tariff_assignments, target)

    async def assignments(self) -> dict[str, list[str]]:
        raw = await self._redis.hgetall(self._keys.tariff_assignments)
        return {_text(target): list(fast_json.loads(ids)) for target, ids in raw.items()}

    async def assigned(self, targets: list[str]) -> list[str]:
        """The tariff ids of the first of ``targets`` that has an assignment."""
        raws = await self._redis.hmget(self._keys.tariff_assignments, targets)
        for raw in raws:
            if raw is not None:
                return [str(tariff_id) for tariff_id in fast_json.loads(raw)]
        return []

    # ------------------------------------------------------------------ samples

    async def add_samples(self, session_id: str, entry: JsonObject, cap: int) -> None:
        """Append one message's meter values (one round trip); a redelivered identical message is
        kept once; past ``cap`` the log is thinned (:func:`appended`) and rewritten."""
        keys = [self._keys.session_samples(session_id), self._keys.session_sample_digests(session_id)]
        args = [entry_digest(entry), fast_json.dumps(entry)]
        length = int(await self._append_sample(keys=keys, args=args))
        if length < 0:
            await self._convert_log(session_id)
            length = int(await self._append_sample(keys=keys, args=args))
        if length > cap:
            await self._thin(session_id, cap)

    async def _thin(self, session_id: str, cap: int) -> None:
        log = await self.samples(session_id)
        entries, dropped = appended(log.entries[:-1], log.entries[-1], cap)
        SAMPLES_THINNED.inc(dropped)
        await self._rewrite_log(session_id, entries, log.thinned + dropped)

    async def _rewrite_log(self, session_id: str, entries: list[Mapping[str, Any]], thinned: int) -> None:
        """Replace the log (and its digests); the running count, built on the old one, goes."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*self._session_keys(session_id)[1:])
            if entries:
                pipe.rpush(self._keys.session_samples(session_id), *map(fast_json.dumps, entries))
                pipe.sadd(self._keys.session_sample_digests(session_id), *map(entry_digest, entries))
            pipe.set(self._keys.session_samples_thinned(session_id), thinned)
            await pipe.execute()

    async def _convert_log(self, session_id: str) -> None:
        """A log stored as one JSON string (``{"entries": [...], "thinned": n}``) becomes the list."""
        raw = await self._redis.get(self._keys.session_samples(session_id))
        stored = fast_json.loads(raw) if raw is not None else {}
        await self._rewrite_log(session_id, list(stored.get("entries") or []), int(stored.get("thinned", 0)))

    async def samples(self, session_id: str, first: int = 0) -> SampleLog:
        """The log's entries from index ``first`` on (all by default), and how many were thinned out."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.lrange(self._keys.session_samples(session_id), first, -1)
                pipe.get(self._keys.session_samples_thinned(session_id))
                raws, thinned = await pipe.execute()
        except ResponseError as error:
            if not str(error).startswith("WRONGTYPE"):
                raise
            await self._convert_log(session_id)
            return await self.samples(session_id, first)
        return SampleLog([fast_json.loads(raw) for raw in raws], int(thinned or 0))

    async def running_count(self, session_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.session_running_count(session_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def save_running_count(self, session_id: str, stored: JsonObject) -> None:
        await self._redis.set(self._keys.session_running_count(session_id), fast_json.dumps(stored))

    async def drop_running_count(self, session_id: str) -> None:
        await self._redis.delete(self._keys.session_running_count(session_id))

    # ----------------------------------------------------------------- sessions

    async def save_session(self, session: JsonObject, started_at: float) -> None:
        session_id = str(session["id"])
        station_id = str(session["chargePointId"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.session(session_id), fast_json.dumps(session))
            pipe.zadd(self._keys.session_index, {session_id: started_at})
            pipe.zadd(self._keys.station_sessions(station_id), {session_id: started_at})
            if session.get("idToken"):
                pipe.zadd(self._keys.token_sessions(str(session["idToken"])), {session_id: started_at})
            if session.get("status") == "active" and session.get("tariffIds"):
                pipe.sadd(self._keys.sessions_running, session_id)
            else:
                pipe.srem(self._keys.sessions_running, session_id)
            pipe.zcard(self._keys.station_sessions(station_id))
            *_, count = await pipe.execute()
        if int(count) > self._sessions_per_station:
            await self._trim(station_id, int(count) - self._sessions_per_station)

    async def _trim(self, station_id: str, excess: int) -> None:
        oldest = [
            _text(member)
            for member in await self._redis.zrange(self._keys.station_sessions(station_id), 0, excess - 1)
        ]
        raws = await self._redis.mget([self._keys.session(session_id) for session_id in oldest])
        async with self._redis.pipeline(transaction=True) as pipe:
            for session_id, raw in zip(oldest, raws, strict=True):
                token = fast_json.loads(raw).get("idToken") if raw is not None else None
                if token:
                    pipe.zrem(self._keys.token_sessions(str(token)), session_id)
                pipe.delete(*self._session_keys(session_id))
                pipe.zrem(self._keys.session_index, session_id)
                pipe.zrem(self._keys.station_sessions(station_id), session_id)
                pipe.srem(self._keys.sessions_running, session_id)
            await pipe.execute()

    async def get_session(self, session_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.session(session_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def find_sessions(self, query: SessionQuery) -> tuple[list[JsonObject], int | None]:
        """One page of sessions, oldest start first, and the offset of the next page (None: last)."""
        if query.station_id is not None:
            index = self._keys.station_sessions(query.station_id)
        elif query.id_token is not None:
            index = self._keys.token_sessions(query.id_token)
        else:
            index = self._keys.session_index
        ids = [
            _text(member)
            for member in await self._redis.zrangebyscore(
                index,
                query.start_from,
                query.start_to,
                start=query.offset,
                num=query.limit + 1,
            )
        ]
        more = len(ids) > query.limit
        ids = ids[: query.limit]
        raws = await self._redis.mget([self._keys.session(i) for i in ids]) if ids else []
        sessions = [dict(fast_json.loads(raw)) for raw in raws if raw is not None]
        if query.station_id is not None and query.id_token is not None:
            sessions = [s for s in sessions if s.get("idToken") == query.id_token]
        return sessions, (query.offset + query.limit if more else None)

    async def transaction_record(self, key: str, transaction_id: str) -> Any:
        """A transaction record as ``records.py`` stores it (hash ``key``, field ``transaction_id``)."""
        return await self._redis.hget(key, transaction_id)

    async def running_sessions(self) -> list[str]:
        return sorted(_text(member) for member in await self._redis.smembers(self._keys.sessions_running))

    async def delete_station(self, station_id: str) -> None:
        count = await self._redis.zcard(self._keys.station_sessions(station_id))
        if count:
            await self._trim(station_id, int(count))
