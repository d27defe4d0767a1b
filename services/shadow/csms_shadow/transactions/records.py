"""Records the shadow service keeps beside shadows: CSMS→station commands and transactions.

Command states: ``sent`` (remote-api published it), then one final state —
``answered`` (CallResult), ``error`` (CallError), ``timeout`` (no answer in
time), ``rejected`` (the station's call queue was full) or ``closed`` (the
connection ended first). Events can arrive in any order; a final state is never
overwritten by ``sent``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from csms_common import fast_json
from csms_shadow.documents.budget import BudgetReason, RecordBudget, trim_events
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.optimistic import DEFAULT_POLICY, Done, Lost, RetryPolicy, until_uncontended, watched
from csms_shadow.storage.scripts import REPLACE_RECORD_IF_UNCHANGED

FINAL_STATES = frozenset({"answered", "error", "timeout", "rejected", "closed"})
ENDED = "Ended"


class ForeignCommand(ValueError):
    """A command event names a message id whose record belongs to another station."""


def merge_command(current: JsonObject | None, event: JsonObject) -> JsonObject:
    """Fold a command event into its record (pure).

    A record belongs to the station it was created for (``chargePointId``): an event published on
    another station's topic with the same message id is refused, so no station's answer can
    overwrite another station's record.
    """
    owner = None if current is None else current.get("chargePointId")
    if owner is not None and owner != event.get("chargePointId"):
        raise ForeignCommand(f"command {event.get('messageId')} belongs to another station")
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
    A 1.6 record has no event log, and its status is the only order it carries: a Started that comes
    after the Ended (the copy of a StartTransaction a station sent again, handled after its
    StopTransaction; tests/e2e/test_partitions.py) is stale the same way.
    """
    merged = dict(current or {})
    logged = merged.get("events", [])
    if event is None:
        stale = merged.get("status") == ENDED and fields.get("status") not in (None, ENDED)
    else:
        stale = any(entry.get("seqNo", -1) > event.get("seqNo", -1) for entry in logged)
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
    update_only: bool = False
    """Fold into an existing record only (a 1.6 MeterValues naming a transaction id)."""


@dataclass(frozen=True)
class TransactionOutcome:
    """What became of one transaction event: the record (None when nothing was recorded) and the
    budget reasons it ran into (refused, or older records and events evicted to make room)."""

    record: JsonObject | None
    budget_reasons: tuple[str, ...] = ()
    stored_bytes: int = 0


class Records:
    """Command and transaction records in Redis."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        command_ttl_seconds: int,
        link_ttl_seconds: int,
        budget: RecordBudget | None = None,
        retry: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self._redis = redis
        self._retry = retry
        self._keys = Keys(prefix)
        self._command_ttl = command_ttl_seconds
        self._link_ttl = link_ttl_seconds
        self._budget = budget or RecordBudget()
        self._replace_record = redis.register_script(REPLACE_RECORD_IF_UNCHANGED)

    async def record_command(self, station_id: str, event: JsonObject) -> JsonObject:
        """Fold an event into its command record; raises ForeignCommand when the record belongs to
        another station."""
        key = self._keys.command(str(event["messageId"]))

        async def fold(pipe: Pipeline) -> JsonObject:
            raw = await pipe.get(key)
            current = fast_json.loads(raw) if raw else None
            merged = merge_command(current, dict(event, chargePointId=station_id))
            link = remote_start_link(merged) if event.get("state") == "sent" else None
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, fast_json.dumps(merged), ex=self._command_ttl)
            if link is not None:
                pipe.set(self._keys.remote_start(station_id, link), merged["messageId"], ex=self._link_ttl)
            await pipe.execute()
            return merged

        return await watched(self._redis, "record_command", [key], fold, self._retry, station_id=station_id)

    async def get_command(self, message_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.command(message_id))
        return None if raw is None else dict(fast_json.loads(raw))

    async def record_transaction(self, request: TransactionRecordRequest) -> TransactionOutcome:
        """Fold one event into its record, once per event (a seqNo already logged changes nothing),
        within the station's budgets; redone (a bounded number of times) while the record changes
        under it."""

        async def attempt() -> Done[TransactionOutcome] | Lost:
            outcome = (await self._record_once([request]))[0]
            return Lost() if outcome is None else Done(outcome)

        return await until_uncontended(
            "record_transaction", attempt, self._retry, station_id=request.station_id
        )

    async def record_transactions(self, requests: list[TransactionRecordRequest]) -> list[TransactionOutcome]:
        """:meth:`record_transaction` for many records in two round trips, whatever their number.

        One pipeline reads each record (and the remote start it may link to), the merges happen
        here, a second pipeline writes each record through a script that replaces it only if it
        is unchanged since the read and the station's budgets allow; a record that changed
        meanwhile is redone on its own.
        """
        results = await self._record_once(requests)
        for index, result in enumerate(results):
            if result is None:
                results[index] = await self.record_transaction(requests[index])
        recorded = [result for result in results if result is not None]
        assert len(recorded) == len(requests), "every record gets a result"
        return recorded

    async def _record_once(self, requests: list[TransactionRecordRequest]) -> list[TransactionOutcome | None]:
        """One read and one write pass; None for a record that changed between them."""
        links = [transaction_link(request.fields) for request in requests]
        async with self._redis.pipeline(transaction=False) as reads:
            for request, link in zip(requests, links, strict=True):
                reads.hget(self._keys.transactions(request.station_id), request.transaction_id)
                if link is not None:
                    reads.get(self._keys.remote_start(request.station_id, link))
            answers = iter(await reads.execute())
        results: list[TransactionOutcome | None] = [None] * len(requests)
        writes: list[tuple[int, JsonObject, int, tuple[str, ...]]] = []
        budget = self._budget
        now = time.time()
        async with self._redis.pipeline(transaction=False) as replaces:
            for index, (request, link) in enumerate(zip(requests, links, strict=True)):
                raw = next(answers)
                linked = next(answers) if link is not None else None
                if raw is None and request.update_only:
                    results[index] = TransactionOutcome(None, (BudgetReason.UNKNOWN_TRANSACTION,))
                    continue
                record, changed = _folded_record(request, raw, linked)
                if not changed:
                    results[index] = TransactionOutcome(record)
                    continue
                reasons: tuple[str, ...] = (BudgetReason.TRANSACTION_EVENTS,) * min(
                    trim_events(record, budget.max_events), 1
                )
                encoded = fast_json.dumps(record)
                if len(encoded) > budget.max_record_bytes:
                    results[index] = TransactionOutcome(None, (BudgetReason.RECORD_BYTES,))
                    continue
                station = request.station_id
                await self._replace_record(
                    keys=[
                        self._keys.transactions(station),
                        self._keys.transaction_order(station),
                        self._keys.open_transactions(station),
                    ],
                    args=[
                        request.transaction_id,
                        raw or b"",
                        encoded,
                        "1" if record.get("status") == ENDED else "0",
                        now,
                        budget.max_open,
                        budget.max_records,
                        budget.ttl_seconds,
                    ],
                    client=replaces,
                )
                writes.append((index, record, len(encoded), reasons))
            outcomes = await replaces.execute() if writes else []
        for (index, record, size, reasons), (written, evicted) in zip(writes, outcomes, strict=True):
            if written == 1:
                evictions = (BudgetReason.TRANSACTION_EVICTED,) * int(evicted)
                results[index] = TransactionOutcome(record, reasons + evictions, size)
            elif written == -1:
                results[index] = TransactionOutcome(None, (BudgetReason.OPEN_TRANSACTIONS,))
        return results

    async def transactions(self, station_id: str) -> list[JsonObject]:
        raws = await self._redis.hvals(self._keys.transactions(station_id))
        records = [fast_json.loads(raw) for raw in raws]
        return sorted(records, key=lambda record: (str(record.get("startTime", "")), record["transactionId"]))

    async def delete_station(self, station_id: str) -> None:
        await self._redis.delete(
            self._keys.transactions(station_id),
            self._keys.transaction_order(station_id),
            self._keys.open_transactions(station_id),
        )


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
