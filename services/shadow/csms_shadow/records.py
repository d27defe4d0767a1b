"""Records the shadow service keeps beside shadows: CSMS→station commands and transactions.

Command states: ``sent`` (remote-api published it), then one final state —
``answered`` (CallResult), ``error`` (CallError), ``timeout`` (no answer in
time), ``rejected`` (the station's call queue was full) or ``closed`` (the
connection ended first). Events can arrive in any order; a final state is never
overwritten by ``sent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from csms_common import fast_json
from csms_shadow.document import JsonObject
from csms_shadow.store import Keys

FINAL_STATES = frozenset({"answered", "error", "timeout", "rejected", "closed"})
COMMAND_STATES = FINAL_STATES | {"sent"}
REMOTE_START_ACTIONS = frozenset({"RequestStartTransaction", "RemoteStartTransaction"})


def merge_command(current: JsonObject | None, event: JsonObject) -> JsonObject:
    """Fold a command event into its record (pure)."""
    if current is None:
        return dict(event)
    if current.get("state") in FINAL_STATES and event.get("state") == "sent":
        return {**event, **current}
    return {**current, **event}


def remote_start_link(command: JsonObject) -> str | None:
    """How a transaction will name the remote start that created it: remoteStartId (2.x) or idTag (1.6)."""
    request = command.get("request") or {}
    if command.get("action") == "RequestStartTransaction" and "remoteStartId" in request:
        return f"id:{request['remoteStartId']}"
    if command.get("action") == "RemoteStartTransaction" and "idTag" in request:
        return f"tag:{request['idTag']}"
    return None


def transaction_link(fields: JsonObject) -> str | None:
    if "remoteStartId" in fields:
        return f"id:{fields['remoteStartId']}"
    if fields.get("status") == "Started" and "idTag" in fields:
        return f"tag:{fields['idTag']}"
    return None


def merge_record(
    current: JsonObject | None, fields: JsonObject, event: JsonObject | None = None
) -> JsonObject:
    """Fold fields (and an event for the ``events`` log, kept in seqNo order) into a record (pure).

    An event older than one already logged arrived out of order (a redelivery after a
    reconnect, a broker that reorders a backlog): it is logged, but it only fills in
    fields the record lacks, so a late Started or Updated never reopens an Ended record.
    """
    merged = dict(current or {})
    logged = merged.get("events", [])
    stale = event is not None and any(entry.get("seqNo", -1) > event.get("seqNo", -1) for entry in logged)
    for key, value in fields.items():
        if stale:
            if value is not None and key not in merged:
                merged[key] = value
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if event is not None:
        merged["events"] = sorted([*logged, event], key=lambda entry: int(entry.get("seqNo", -1)))
    return merged


def already_applied(current: JsonObject | None, event: JsonObject | None) -> bool:
    """Whether the record's event log holds this event's seqNo: it was applied before."""
    if current is None or event is None or "seqNo" not in event:
        return False
    return any(entry.get("seqNo") == event["seqNo"] for entry in current.get("events", []))


@dataclass(frozen=True)
class TransactionRecordRequest:
    """Fields (and the 2.x event for the ``events`` log) to fold into one transaction's record."""

    station_id: str
    transaction_id: str
    fields: JsonObject
    event: JsonObject | None = None


# Writes a transaction record (field ARGV[1] of hash KEYS[1]) only if it still holds what the merge
# started from (ARGV[2], '' for none). Returns 1 when written, 0 when the record changed meanwhile.
REPLACE_RECORD_IF_UNCHANGED = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


class Records:
    """Command and transaction records in Redis."""

    def __init__(self, redis: Redis, prefix: str, command_ttl_seconds: int, link_ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._command_ttl = command_ttl_seconds
        self._link_ttl = link_ttl_seconds
        self._replace_record = redis.register_script(REPLACE_RECORD_IF_UNCHANGED)

    async def record_command(self, station_id: str, event: JsonObject) -> JsonObject:
        key = self._keys.command(str(event["messageId"]))
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    merged = merge_command(
                        fast_json.loads(raw) if raw else None, dict(event, chargePointId=station_id)
                    )
                    link = remote_start_link(merged) if event.get("state") == "sent" else None
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(key, fast_json.dumps(merged), ex=self._command_ttl)
                    if link is not None:
                        pipe.set(
                            self._keys.remote_start(station_id, link), merged["messageId"], ex=self._link_ttl
                        )
                    await pipe.execute()
                    return merged
                except WatchError:
                    continue

    async def get_command(self, message_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.command(message_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def record_transaction(self, request: TransactionRecordRequest) -> JsonObject:
        """Fold one event into its record, once per event (a seqNo already logged changes nothing)."""
        key = self._keys.transactions(request.station_id)
        link = transaction_link(request.fields)
        linked = None
        if link is not None:
            linked = await self._redis.get(self._keys.remote_start(request.station_id, link))
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.hget(key, request.transaction_id)
                    record, changed = _folded_record(request, raw, linked)
                    if not changed:
                        # Leaving the pipeline's block un-watches the key; nothing is written.
                        return record
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(key, request.transaction_id, fast_json.dumps(record))
                    await pipe.execute()
                    return record
                except WatchError:
                    continue

    async def record_transactions(self, requests: list[TransactionRecordRequest]) -> list[JsonObject]:
        """:meth:`record_transaction` for many records in two round trips, whatever their number.

        One pipeline reads each record (and the remote start it may link to), the merges happen
        here, a second pipeline writes each record through a script that replaces it only if it
        is unchanged since the read; a record that changed meanwhile is redone on its own.
        """
        links = [transaction_link(request.fields) for request in requests]
        async with self._redis.pipeline(transaction=False) as reads:
            for request, link in zip(requests, links, strict=True):
                reads.hget(self._keys.transactions(request.station_id), request.transaction_id)
                if link is not None:
                    reads.get(self._keys.remote_start(request.station_id, link))
            answers = iter(await reads.execute())
        results: list[JsonObject | None] = [None] * len(requests)
        writes: list[tuple[int, JsonObject]] = []
        async with self._redis.pipeline(transaction=False) as replaces:
            for index, (request, link) in enumerate(zip(requests, links, strict=True)):
                raw = next(answers)
                linked = next(answers) if link is not None else None
                record, changed = _folded_record(request, raw, linked)
                if not changed:
                    results[index] = record
                    continue
                await self._replace_record(
                    keys=[self._keys.transactions(request.station_id)],
                    args=[request.transaction_id, raw or b"", fast_json.dumps(record)],
                    client=replaces,
                )
                writes.append((index, record))
            outcomes = await replaces.execute() if writes else []
        for (index, merged), outcome in zip(writes, outcomes, strict=True):
            if outcome == 1:
                results[index] = merged
            else:
                results[index] = await self.record_transaction(requests[index])
        recorded = [result for result in results if result is not None]
        assert len(recorded) == len(requests), "every record gets a result"
        return recorded

    async def transactions(self, station_id: str) -> list[JsonObject]:
        raws = await self._redis.hvals(self._keys.transactions(station_id))
        records = [fast_json.loads(raw) for raw in raws]
        return sorted(records, key=lambda record: (str(record.get("startTime", "")), record["transactionId"]))

    async def delete_station(self, station_id: str) -> None:
        await self._redis.delete(self._keys.transactions(station_id))


def _folded_record(
    request: TransactionRecordRequest, raw: Any, linked_command: Any
) -> tuple[JsonObject, bool]:
    """The record once this event is folded in, and whether that changed it (False: the event is
    already in its log). ``linked_command`` is the remote start the transaction names, if any."""
    current = fast_json.loads(raw) if raw else None
    if already_applied(current, request.event):
        return dict(current or {}), False
    fields = request.fields
    if linked_command is not None:
        fields = dict(fields, remoteStartMessageId=_text(linked_command))
    record = merge_record(current, fields, request.event)
    record["transactionId"] = request.transaction_id
    return record, True


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
