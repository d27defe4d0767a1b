"""Redis side of desired state: writing ``state.desired`` and the reconciler's per-station markers.

A new module beside store.py (which owns reported state): the desired write takes the same
WATCH/MULTI path over the same shadow key, so a reported update and a desired one never lose
each other's change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis
from redis.exceptions import WatchError

from csms_common import fast_json
from csms_shadow.documents.budget import DocumentBudget, count_keys, document_problem
from csms_shadow.documents.desired import check_desired_document
from csms_shadow.documents.document import JsonObject, delta_of, merge_desired
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.scripts import REPLACE_SHADOW_IF_UNCHANGED, UNMARK_IF_MESSAGE

MARKER_TTL_SECONDS = 24 * 3600


class DesiredOutcome(Enum):
    APPLIED = "applied"
    NOT_REGISTERED = "not_registered"
    OVER_BUDGET = "over_budget"


@dataclass(frozen=True)
class DesiredResult:
    outcome: DesiredOutcome
    shadow: JsonObject | None = None
    delta: JsonObject | None = None
    problem: str | None = None
    encoded_bytes: int = 0


class DesiredStore:
    """Desired state, the set of stations with a delta to work on, and in-flight call markers."""

    def __init__(self, redis: Redis, prefix: str, budget: DocumentBudget) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._budget = budget
        self._unmark = redis.register_script(UNMARK_IF_MESSAGE)
        self._replace_shadow = redis.register_script(REPLACE_SHADOW_IF_UNCHANGED)
        self.pending_key = self._keys.reconcile_pending
        """Set of station ids whose desired state may not be reported yet (the timer's work list)."""

    def marker_key(self, station_id: str) -> str:
        """The reconciler's call in flight for a station (at most one)."""
        return self._keys.reconcile(station_id)

    async def apply_desired(
        self, station_id: str, desired: JsonObject, now: int, *, clear: bool = False
    ) -> DesiredResult:
        """Merge ``desired`` into the station's ``state.desired`` (raises InvalidDesired past its bounds)."""
        station_key = self._keys.station(station_id)
        shadow_key = self._keys.shadow(station_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(station_key, shadow_key)
                    station_raw, raw = await pipe.mget(station_key, shadow_key)
                    if station_raw is None or raw is None:
                        return DesiredResult(DesiredOutcome.NOT_REGISTERED)
                    result, encoded = self._merged(raw, desired, now, clear)
                    if encoded is None:
                        return result
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(shadow_key, encoded)
                    if result.delta:
                        pipe.sadd(self.pending_key, station_id)
                    await pipe.execute()
                    return result
                except WatchError:
                    continue

    async def apply_desired_many(
        self, station_ids: list[str], desired: JsonObject, now: int, *, clear: bool = False
    ) -> list[DesiredResult]:
        """:meth:`apply_desired` for many stations in two round trips, whatever their number: one
        pipeline reads, the merges happen here, a second pipeline writes each shadow only if it is
        still the one read (a station whose shadow changed meanwhile is redone on its own)."""
        async with self._redis.pipeline(transaction=False) as reads:
            for station_id in station_ids:
                reads.mget(self._keys.station(station_id), self._keys.shadow(station_id))
            rows = await reads.execute()
        results: list[DesiredResult | None] = [None] * len(station_ids)
        writes: list[tuple[int, DesiredResult]] = []
        async with self._redis.pipeline(transaction=False) as replaces:
            for index, (station_id, (station_raw, raw)) in enumerate(zip(station_ids, rows, strict=True)):
                if station_raw is None or raw is None:
                    results[index] = DesiredResult(DesiredOutcome.NOT_REGISTERED)
                    continue
                result, encoded = self._merged(raw, desired, now, clear)
                if encoded is None:
                    results[index] = result
                    continue
                station_key = self._keys.station(station_id)
                await self._replace_shadow(
                    keys=[self._keys.shadow(station_id), station_key, station_key],
                    args=[raw, encoded, 0, 0],
                    client=replaces,
                )
                writes.append((index, result))
            outcomes = await replaces.execute() if writes else []
        pending = [station_ids[index] for index, result in writes if result.delta]
        if pending:
            await self._redis.sadd(self.pending_key, *pending)
        for (index, written), outcome in zip(writes, outcomes, strict=True):
            if outcome == 1:
                results[index] = written
            elif outcome == -1:
                results[index] = DesiredResult(DesiredOutcome.NOT_REGISTERED)
            else:
                results[index] = await self.apply_desired(station_ids[index], desired, now, clear=clear)
        done = [result for result in results if result is not None]
        assert len(done) == len(station_ids), "every station gets a result"
        return done

    def _merged(
        self, raw: bytes | str, desired: JsonObject, now: int, clear: bool
    ) -> tuple[DesiredResult, bytes | None]:
        """The result of merging ``desired`` into the shadow ``raw``, and what to write (None: nothing)."""
        merged = merge_desired(fast_json.loads(raw), desired, now, clear=clear)
        check_desired_document(merged["state"].get("desired"))
        encoded = fast_json.dumps(merged)
        keys = count_keys(merged["state"].get("desired") or {}) + count_keys(merged["state"]["reported"])
        problem = document_problem(len(encoded), keys, len(raw), self._budget)
        if problem is not None:
            return DesiredResult(DesiredOutcome.OVER_BUDGET, problem=problem), None
        delta = delta_of(merged["state"].get("desired"), merged["state"]["reported"])
        return DesiredResult(DesiredOutcome.APPLIED, merged, delta, encoded_bytes=len(encoded)), encoded

    async def shadows(self, station_ids: list[str]) -> list[JsonObject | None]:
        """The shadows of many stations in one round trip (None where there is none)."""
        if not station_ids:
            return []
        raws = await self._redis.mget([self._keys.shadow(station_id) for station_id in station_ids])
        return [None if raw is None else dict(fast_json.loads(raw)) for raw in raws]

    async def pending(self) -> AsyncIterator[str]:
        """Every station id with work possibly left, in no particular order."""
        async for member in self._redis.sscan_iter(self.pending_key, count=500):
            yield member.decode() if isinstance(member, bytes) else str(member)

    async def is_pending(self, station_id: str) -> bool:
        """Whether the station may have desired state not reported yet."""
        return bool(await self._redis.sismember(self.pending_key, station_id))

    async def delete_station(self, station_id: str) -> None:
        """A deleted station: no call marker, no pending work (its desired state went with its shadow)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.marker_key(station_id))
            pipe.srem(self.pending_key, station_id)
            await pipe.execute()

    async def mark_pending(self, station_id: str) -> None:
        await self._redis.sadd(self.pending_key, station_id)

    async def settled(self, station_id: str) -> bool:
        """The station has nothing left to do (a later desired change adds it again); True when it
        was pending until now (it has just come in sync)."""
        return bool(await self._redis.srem(self.pending_key, station_id))

    async def mark(self, station_id: str, marker: JsonObject) -> bool:
        """Record the call about to be sent; False when another call is already in flight."""
        # Expires on its own (a station deleted mid-call leaves nothing behind for good); a day is far
        # beyond RECONCILE_STALE_SECONDS, after which a pass resolves it anyway.
        return bool(
            await self._redis.set(
                self.marker_key(station_id), fast_json.dumps(marker), nx=True, ex=MARKER_TTL_SECONDS
            )
        )

    async def marker(self, station_id: str) -> JsonObject | None:
        raw = await self._redis.get(self.marker_key(station_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def unmark(self, station_id: str, message_id: str) -> bool:
        """Remove the marker if it is still the one for ``message_id``."""
        removed = await self._unmark(keys=[self.marker_key(station_id)], args=[message_id])
        return bool(removed)
