"""The shadow store: station records, shadow documents, presence (key names: storage/keys.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from csms_common import fast_json
from csms_common.labels import merge_labels
from csms_shadow.documents.budget import (
    BudgetReason,
    DocumentBudget,
    count_keys,
    document_problem,
    trim_capped_maps,
)
from csms_shadow.documents.document import (
    JsonObject,
    active_transaction_removal,
    empty_shadow,
    merge_reported,
)
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.optimistic import DEFAULT_POLICY, RetryPolicy, read_watched, watched
from csms_shadow.storage.scripts import ALLOCATE_ONCE, REPLACE_SHADOW_IF_UNCHANGED, queue_script

LABELS_VERSION = "labelsVersion"
"""Record field counting its label changes (internal, never shown): what the label index compares."""
TOMBSTONE_SECONDS = 3600
"""How long a deleted station's label marker outlives it: longer than any index step in flight."""
INDEX_BUILD_CONCURRENCY = 50
"""Stations indexed at once by the build at start."""


class UpdateOutcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    NOT_REGISTERED = "rejected"
    OVER_BUDGET = "over_budget"


@dataclass(frozen=True)
class UpdateResult:
    outcome: UpdateOutcome
    shadow: JsonObject | None
    encoded: bytes | None = None
    """The merged shadow as written (its size is what the station's document costs)."""
    budget_reasons: tuple[str, ...] = ()
    """What the update ran into: a reason it was refused (OVER_BUDGET), or map entries evicted."""


@dataclass(frozen=True)
class ShadowUpdateRequest:
    """One station's reported state to merge, applied once per ``client_token``."""

    station_id: str
    reported: JsonObject
    client_token: str | None
    now: int


class ShadowStore:
    """Async operations over Redis; every multi-key change is atomic (MULTI or WATCH/MULTI)."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        duplicate_window_seconds: int,
        budget: DocumentBudget | None = None,
        retry: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self._redis = redis
        self._retry = retry
        self._keys = Keys(prefix)
        self._duplicate_window = duplicate_window_seconds
        self._budget = budget or DocumentBudget()
        self._allocate = redis.register_script(ALLOCATE_ONCE)
        self._replace_shadow = redis.register_script(REPLACE_SHADOW_IF_UNCHANGED)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    # ------------------------------------------------------------------ registry

    async def create_station(self, record: JsonObject, now: int) -> bool:
        """Register a station; False if it already exists."""
        station_id = record["chargePointId"]
        # A station deleted and registered again starts its labels version above its tombstone's, so
        # the index takes its labels (docs on index_labels).
        tombstone = await self._redis.get(self._keys.label_version(station_id))
        if tombstone is not None:
            record = {**record, LABELS_VERSION: int(fast_json.loads(tombstone)["version"]) + 1}
        created = await self._redis.set(self._keys.station(station_id), fast_json.dumps(record), nx=True)
        if not created:
            return False
        # The shadow (the station's slot) first, then the index (a cross-station key, another slot
        # in a Redis Cluster, so not in one MULTI with it): a listed station always has its shadow.
        await self._redis.set(self._keys.shadow(station_id), fast_json.dumps(empty_shadow(now)))
        await self._redis.zadd(self._keys.station_index, {station_id: now})
        return True

    async def get_station(self, station_id: str) -> JsonObject | None:
        """The registry record with its presence, or None if not registered."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self._keys.station(station_id))
            pipe.get(self._keys.presence(station_id))
            record_raw, presence_raw = await pipe.execute()
        if record_raw is None:
            return None
        return _with_presence(fast_json.loads(record_raw), presence_raw)

    async def station_record(self, station_id: str) -> JsonObject | None:
        """The stored record as is, password hash included: for authentication only, never shown."""
        raw = await self._redis.get(self._keys.station(station_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def list_stations(self) -> list[JsonObject]:
        """Every registered station, oldest first, with presence."""
        return await self.stations(await self._station_ids())

    async def _station_ids(self) -> list[str]:
        """Every registered station's id, oldest first."""
        return [
            member.decode() if isinstance(member, bytes) else str(member)
            for member in await self._redis.zrange(self._keys.station_index, 0, -1)
        ]

    async def labelled(self, groups: list[list[tuple[str, str]]]) -> list[str]:
        """The stations carrying, for every group, one of its ``(key, value)`` labels (label index),
        oldest first."""
        # One SUNION per group, not a pipeline: a cluster client refuses SUNION in a pipeline, even
        # over keys of one slot (the label sets share the shared tag).
        members = [
            await self._redis.sunion([self._keys.label(key, value) for key, value in group])
            for group in groups
        ]
        found: set[str] = set.intersection(*({_text(member) for member in group} for group in members))
        if not found:
            return []
        ordered = sorted(found)
        scores = await self._redis.zmscore(self._keys.station_index, ordered)
        registered = [
            (score, station) for station, score in zip(ordered, scores, strict=True) if score is not None
        ]
        return [station for _, station in sorted(registered)]

    async def stations(self, station_ids: list[str]) -> list[JsonObject]:
        """These stations' records with presence, in this order (unregistered ones left out)."""
        if not station_ids:
            return []
        # One pipeline of GETs, not MGET: the stations' keys lie in many cluster slots.
        async with self._redis.pipeline(transaction=False) as reads:
            for station in station_ids:
                reads.get(self._keys.station(station))
                reads.get(self._keys.presence(station))
            values = await reads.execute()
        records, presences = values[0::2], values[1::2]
        return [
            _with_presence(fast_json.loads(record), presence)
            for record, presence in zip(records, presences, strict=True)
            if record is not None
        ]

    async def update_station(
        self, station_id: str, changes: JsonObject, labels: JsonObject | None = None
    ) -> JsonObject | None:
        """Merge ``changes`` into a station's record, and the ``labels`` patch into its labels (two
        patches at once both survive), then bring the label index to the record (``index_labels``);
        None if it is not registered. A bad labels patch raises InvalidLabels."""
        key = self._keys.station(station_id)

        async def merge(pipe: Pipeline) -> tuple[JsonObject, bool] | None:
            raw = await pipe.get(key)
            if raw is None:
                return None
            record: JsonObject = {**fast_json.loads(raw), **changes}
            before: JsonObject = record.get("labels") or {}
            if labels is not None:
                record["labels"] = merge_labels(before, labels)
            relabelled = (record.get("labels") or {}) != before
            if relabelled:
                record[LABELS_VERSION] = _labels_version(record) + 1
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, fast_json.dumps(record))
            await pipe.execute()
            return record, relabelled

        merged = await watched(
            self._redis, "update_station", [key], merge, self._retry, station_id=station_id
        )
        if merged is None:
            return None
        record, relabelled = merged
        if relabelled:
            await self.index_labels(station_id)
        return record

    async def index_labels(self, station_id: str, tombstone: int | None = None) -> bool:
        """Bring the label index to the station's CURRENT record; True if it wrote (False: the index
        already held this labels version or a newer one).

        The record (the station's cluster slot) and the label sets (the shared slot) cannot change in
        one transaction, so every record write is followed by this step. It re-reads the record and,
        in one WATCH/MULTI over the station's marker ``label-version:{cp}`` (shared slot: the labels
        and record version last indexed), writes only a version newer than the marker's. A step that
        read an older record, or that loses to another step meanwhile (the WATCH), never overwrites a
        newer one: the index ends at the record's last labels, whatever order the steps run in.
        After a delete (``tombstone``: the deleted record's labels version) the station leaves every
        set and the marker stays ``TOMBSTONE_SECONDS`` with a version above any step still in flight.
        """
        marker = self._keys.label_version(station_id)

        async def apply(pipe: Pipeline) -> bool:
            indexed_raw = await pipe.get(marker)
            indexed: JsonObject = fast_json.loads(indexed_raw) if indexed_raw else {}
            raw = None if tombstone is not None else await self._redis.get(self._keys.station(station_id))
            record: JsonObject = fast_json.loads(raw) if raw else {}
            if tombstone is not None:
                version = tombstone + 1
            elif raw is None:  # deleted: its delete writes the tombstone
                return False
            else:
                version = _labels_version(record)
            before: JsonObject = indexed.get("labels") or {}
            after: JsonObject = record.get("labels") or {}
            if version <= int(indexed.get("version", -1)) or (version == 0 and not after):
                # Indexed already, or never labelled (no marker needed: any label change bumps the
                # version, so no older step can be in flight).
                return False
            pipe.multi()  # type: ignore[no-untyped-call]
            for name, value in before.items():
                if after.get(name) != value:
                    pipe.srem(self._keys.label(name, value), station_id)
            for name, value in after.items():
                if before.get(name) != value:
                    pipe.sadd(self._keys.label(name, value), station_id)
            state = fast_json.dumps({"version": version, "labels": after})
            pipe.set(marker, state, ex=TOMBSTONE_SECONDS if tombstone is not None else None)
            await pipe.execute()
            return True

        return await watched(self._redis, "index_labels", [marker], apply, self._retry, station_id=station_id)

    async def ensure_label_index(self) -> int:
        """Build the label index once from the records (stations labelled before it existed), with
        the same step as a label PATCH (a PATCH meanwhile is never undone); how many stations were
        indexed (0 when it was built before)."""
        if await self._redis.exists(self._keys.label_index_built):
            return 0
        station_ids = await self._station_ids()
        indexed = 0
        for start in range(0, len(station_ids), INDEX_BUILD_CONCURRENCY):
            chunk = station_ids[start : start + INDEX_BUILD_CONCURRENCY]
            indexed += sum(await asyncio.gather(*(self.index_labels(station) for station in chunk)))
        await self._redis.set(self._keys.label_index_built, b"1")
        return indexed

    async def registration_status(self, station_id: str) -> str | None:
        """The station's registration status, None if it is not registered."""
        raw = await self._redis.get(self._keys.station(station_id))
        if raw is None:
            return None
        return str(fast_json.loads(raw).get("registrationStatus", "Accepted"))

    async def allocate_transaction_id(self, station_id: str, key: str, ttl_seconds: int) -> int:
        """A new integer transaction id, or the one already allocated for ``key``."""
        # Two steps, because the counter is shared by all stations (another cluster slot than the
        # station's allocation): a number drawn by a request that then loses the race to record
        # its allocation is skipped, never handed out twice.
        allocation = self._keys.allocation(station_id, key)
        existing = await self._redis.get(allocation)
        if existing is not None:
            return int(existing)
        drawn = int(await self._redis.incr(self._keys.transaction_counter))
        return int(await self._allocate(keys=[allocation], args=[drawn, ttl_seconds]))

    async def delete_station(self, station_id: str) -> bool:
        """Remove a station, its shadow (desired state with it), presence and label index entries;
        False if it was not registered."""
        station_key = self._keys.station(station_id)

        async def delete(pipe: Pipeline) -> int | None:
            raw = await pipe.get(station_key)
            if raw is None:
                return None
            version = _labels_version(fast_json.loads(raw))
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.delete(station_key)
            pipe.delete(self._keys.shadow(station_id), self._keys.presence(station_id))
            await pipe.execute()
            return version

        version = await watched(
            self._redis, "delete_station", [station_key], delete, self._retry, station_id=station_id
        )
        deleted = version is not None
        if version is not None:
            # The stations index and label sets are cross-station keys (the shared cluster slot, not
            # the station's): removed right after the station's own keys.
            await self._redis.zrem(self._keys.station_index, station_id)
            await self.index_labels(station_id, tombstone=version)
        # Its applied client tokens are left to expire (SHADOW_DUPLICATE_WINDOW): finding them would
        # take a SCAN of the whole keyspace (every node of a cluster) per delete, and a new session of
        # a station re-created with the same id makes new tokens, so a leftover one never matches.
        return bool(deleted)

    # -------------------------------------------------------------------- shadow

    async def get_shadow(self, station_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.shadow(station_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def apply_update(self, request: ShadowUpdateRequest) -> UpdateResult:
        """Merge one update into its station's shadow, once per client token (WATCH/MULTI)."""
        station_key = self._keys.station(request.station_id)
        shadow_key = self._keys.shadow(request.station_id)
        token_key = self._token_key(request)

        async def merge(pipe: Pipeline) -> UpdateResult:
            # One round trip for the three reads.
            reads = await read_watched(pipe, station_key, shadow_key, token_key or station_key)
            station_raw, raw, token_seen = reads
            result = _merged_update(request, station_raw, raw, token_seen, self._budget)
            if result.encoded is None:
                return result
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(shadow_key, result.encoded)
            if token_key:
                pipe.set(token_key, b"1", ex=self._duplicate_window)
            await pipe.execute()
            return result

        keys = [station_key, shadow_key] + ([token_key] if token_key else [])
        return await watched(
            self._redis, "apply_update", keys, merge, self._retry, station_id=request.station_id
        )

    async def apply_updates(self, requests: list[ShadowUpdateRequest]) -> list[UpdateResult]:
        """Apply many stations' updates in two round trips, whatever their number.

        One pipeline reads every station's record, shadow and token; the merges happen here; a
        second pipeline writes each new shadow with a script that replaces it only if it is still
        the one that was read. An update whose shadow changed meanwhile (a registry request or
        another replica wrote it) goes through :meth:`apply_update` on its own.
        """
        async with self._redis.pipeline(transaction=False) as reads:
            for request in requests:
                station_key = self._keys.station(request.station_id)
                token_key = self._token_key(request)
                reads.execute_command(
                    "MGET", station_key, self._keys.shadow(request.station_id), token_key or station_key
                )
            rows = await reads.execute()
        results: list[UpdateResult | None] = [None] * len(requests)
        writes: list[tuple[int, UpdateResult]] = []
        async with self._redis.pipeline(transaction=False) as replaces:
            for index, (request, (station_raw, raw, token_seen)) in enumerate(
                zip(requests, rows, strict=True)
            ):
                result = _merged_update(request, station_raw, raw, token_seen, self._budget)
                if result.encoded is None:
                    results[index] = result
                    continue
                token_key = self._token_key(request)
                station_key = self._keys.station(request.station_id)
                await queue_script(
                    replaces,
                    self._replace_shadow,
                    [self._keys.shadow(request.station_id), station_key, token_key or station_key],
                    [
                        _version_read(raw, result),
                        result.encoded,
                        1 if token_key else 0,
                        self._duplicate_window,
                    ],
                )
                writes.append((index, result))
            outcomes = await replaces.execute() if writes else []
        for (index, written), outcome in zip(writes, outcomes, strict=True):
            if outcome == 1:
                results[index] = written
            elif outcome == -1:
                results[index] = UpdateResult(UpdateOutcome.NOT_REGISTERED, None)
            else:
                results[index] = await self.apply_update(requests[index])
        applied = [result for result in results if result is not None]
        assert len(applied) == len(requests), "every update gets a result"
        return applied

    def _token_key(self, request: ShadowUpdateRequest) -> str | None:
        if not request.client_token:
            return None
        return self._keys.client_token(request.station_id, request.client_token)

    async def clear_active_transaction(self, station_id: str, transaction_id: str, now: int) -> bool:
        """Remove an ended transaction from ``activeTransaction`` and ``evses.*.activeTransaction``."""
        shadow_key = self._keys.shadow(station_id)

        async def clear(pipe: Pipeline) -> bool:
            raw = await pipe.get(shadow_key)
            if raw is None:
                return False
            current = fast_json.loads(raw)
            patch = active_transaction_removal(current["state"]["reported"], transaction_id)
            if not patch:
                return False
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(shadow_key, fast_json.dumps(merge_reported(current, patch, now)))
            await pipe.execute()
            return True

        return await watched(
            self._redis, "clear_active_transaction", [shadow_key], clear, self._retry, station_id=station_id
        )

    # ------------------------------------------------------------------ presence

    async def set_connected(self, station_id: str, presence: JsonObject) -> bool:
        """Record a connection unless a newer one is already recorded."""
        return await self._replace_presence(station_id, presence, require_session=None)

    async def set_disconnected(self, station_id: str, presence: JsonObject) -> bool:
        """Record a disconnection only if it ends the session currently recorded."""
        return await self._replace_presence(
            station_id, presence, require_session=str(presence.get("sessionId"))
        )

    async def _replace_presence(
        self, station_id: str, presence: JsonObject, require_session: str | None
    ) -> bool:
        key = self._keys.presence(station_id)
        station_key = self._keys.station(station_id)

        async def replace(pipe: Pipeline) -> bool:
            if not await pipe.exists(station_key):
                return False
            raw = await pipe.get(key)
            current: dict[str, Any] | None = fast_json.loads(raw) if raw else None
            if current is not None:
                if require_session is not None and current.get("sessionId") != require_session:
                    return False
                if require_session is None and _connection_order(current) > _connection_order(presence):
                    return False
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, fast_json.dumps(presence))
            await pipe.execute()
            return True

        return await watched(
            self._redis, "replace_presence", [key, station_key], replace, self._retry, station_id=station_id
        )


def _merged_update(
    request: ShadowUpdateRequest,
    station_raw: Any,
    raw: bytes | str | None,
    token_seen: Any,
    budget: DocumentBudget,
) -> UpdateResult:
    """What an update makes of the documents just read: refused (station not registered, or the
    document would break its budget), a duplicate (its client token was applied), or applied, with
    the merged shadow encoded and still to write."""
    if station_raw is None:
        return UpdateResult(UpdateOutcome.NOT_REGISTERED, None)
    if request.client_token and token_seen is not None:
        return UpdateResult(UpdateOutcome.DUPLICATE, None)
    current = fast_json.loads(raw) if raw is not None else empty_shadow(request.now)
    # The document was just decoded and is ours: merged in place, without copies.
    merged = merge_reported(current, request.reported, request.now, in_place=True)
    evicted = trim_capped_maps(merged, budget)
    encoded = fast_json.dumps(merged)
    keys = count_keys(merged["state"]["reported"])
    problem = document_problem(len(encoded), keys, len(raw or b""), budget)
    if problem is not None:
        return UpdateResult(UpdateOutcome.OVER_BUDGET, None, budget_reasons=(problem,))
    reasons = (BudgetReason.MAP_ENTRIES,) * evicted
    return UpdateResult(UpdateOutcome.APPLIED, merged, encoded, reasons)


def _text(member: bytes | str) -> str:
    return member.decode() if isinstance(member, bytes) else str(member)


def _version_read(raw: bytes | str | None, merged: UpdateResult) -> str:
    """The version of the shadow an update was merged into ('' for none): one less than the merge's."""
    if raw is None or merged.shadow is None:
        return ""
    return str(int(merged.shadow["version"]) - 1)


def _connection_order(presence: JsonObject) -> tuple[int, str]:
    """Which of two connections is newer: time first, then session id, the order the gateways use to
    decide a takeover, so the shadow always names the connection that survived."""
    # A disconnected record's own timestamp is when it ended; connectedAt is when it began.
    began = presence.get("connectedAt") or presence.get("timestamp") or 0
    return int(began), str(presence.get("sessionId", ""))


def _with_presence(record: JsonObject, presence_raw: bytes | str | None) -> JsonObject:
    presence = fast_json.loads(presence_raw) if presence_raw else None
    connected = bool(presence and presence.get("eventType") == "connected")
    record = dict(record)
    record["hasPassword"] = record.pop("passwordHash", None) is not None
    record.pop(LABELS_VERSION, None)
    record.setdefault("securityProfile", 0)
    record["connected"] = connected
    record["connection"] = (
        {
            "protocol": presence.get("protocol"),
            "gatewayInstance": presence.get("gatewayInstance"),
            "sessionId": presence.get("sessionId"),
            "since": presence.get("time"),
        }
        if presence and connected
        else None
    )
    if presence and not connected:
        record["lastDisconnectedAt"] = presence.get("time")
    return record


def _labels_version(record: JsonObject) -> int:
    """The record's labels version: 0 for a record written before the field existed."""
    return int(record.get(LABELS_VERSION, 0))
