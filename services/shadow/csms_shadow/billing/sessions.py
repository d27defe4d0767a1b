"""Keeps each transaction's billing session up to date as its record changes, and prices it on demand.

The record (``records.py``) is read as it is stored, tolerantly: the fields used are optional, and a
field this module does not know is ignored. A running session is counted incrementally: its running
count (``csms_common.billing.running``, stored per session) folds in only the sample entries stored
since the last computation. Whenever the count cannot simply append (a late, repeated or
out-of-order reading, a thinned log) and always once the transaction has ended, the session is
recomputed from the whole stored sample log, so such events can only make it more right.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from csms_common import fast_json
from csms_common.billing.price_text import price_text
from csms_common.billing.readings import Reading, parse_time
from csms_common.billing.running import RunningEnergy, advance, running_from_json, running_json, start_running
from csms_common.billing.samples import sample_entry
from csms_common.billing.session import (
    AWAITING,
    COMPLETED,
    SessionInputs,
    assemble_session,
    build_session,
    explicit_start,
    session_id,
)
from csms_common.billing.tariffs import InvalidTariff, Tariff, parse_tariff
from csms_common.clock import utc_now
from csms_shadow.billing.billing_config import BillingSettings
from csms_shadow.billing.billing_metrics import SESSION_COMPUTE_SECONDS, SESSIONS_COMPLETED
from csms_shadow.billing.billing_store import (
    DEFAULT_TARGET,
    BillingStore,
    group_target,
    site_target,
    station_target,
)
from csms_shadow.charging.site_store import SiteStore
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys
from csms_shadow.tokens.tokens import IdTokenStore
from csms_shadow.transactions.records import already_applied, merge_record

logger = logging.getLogger(__name__)

SessionHook = Callable[[JsonObject], Awaitable[None]]
RECOUNT = "recount"
"""Stored instead of a running count once a session needs full recomputation until it ends."""
EARLIER_EVENTS_WAIT = 1.5
"""Seconds a totalCost lookup waits for the records of the events before the Ended one (below the
handler's HANDLER_LOOKUP_TIMEOUT of 3 s)."""


def token_of(record: Mapping[str, Any]) -> str | None:
    token = record.get("idToken")
    if isinstance(token, Mapping) and token.get("idToken"):
        return str(token["idToken"])
    return None if record.get("idTag") is None else str(record["idTag"])


class SessionKeeper:
    def __init__(
        self,
        store: BillingStore,
        tokens: IdTokenStore,
        settings: BillingSettings,
        key_prefix: str,
        on_completed: SessionHook | None = None,
        on_awaiting: SessionHook | None = None,
        sites: SiteStore | None = None,
    ) -> None:
        self._store = store
        self._sites = sites
        self._tokens = tokens
        self._settings = settings
        self._keys = Keys(key_prefix)
        self._on_completed = on_completed
        """Where ``session.completed`` (with the CDR) goes once an event stream exists; None: logged only."""
        self._on_awaiting = on_awaiting
        """Called when an ended session turns out to miss events (E14): ask the station for them."""

    async def tariffs_for(self, station_id: str, token: str | None) -> tuple[Tariff, ...]:
        """The first assignment of: the station, its site, the token's group, the default. A site's
        time zone, when it has one, replaces the tariffs' own (time-of-day prices are the site's)."""
        targets = [station_target(station_id)]
        site = await self._sites.site_of(station_id) if self._sites is not None else None
        if site is not None:
            targets.append(site_target(str(site["id"])))
        if token is not None:
            token_record = await self._tokens.get(token) if _storable(token) else None
            group = (token_record or {}).get("groupIdToken")
            if group:
                targets.append(group_target(str(group)))
        targets.append(DEFAULT_TARGET)
        documents = await self._store.get_tariffs(await self._store.assigned(targets))
        tariffs = []
        for document in documents:
            try:
                tariff = parse_tariff(document)
                if site is not None and site.get("timeZone"):
                    tariff = replace(tariff, time_zone=ZoneInfo(str(site["timeZone"])))
                tariffs.append(tariff)
            except InvalidTariff as error:  # stored before a stricter rule: skipped, and said
                logger.error(
                    "stored tariff no longer valid", extra={"tariff": document.get("id"), "error": str(error)}
                )
        return tuple(tariffs)

    async def store_samples(self, station_id: str, transaction_id: str, body: JsonObject) -> None:
        """Keep an event's meter values; before its record is written, so that a record whose log
        holds a seqNo always has that event's samples stored (see :meth:`pending_cost`)."""
        meter_values = body.get("meterValues")
        if isinstance(meter_values, list) and meter_values:
            event = body.get("event") or {}
            entry = sample_entry(meter_values, offline=bool(body.get("offline")), seq_no=event.get("seqNo"))
            identity = session_id(station_id, transaction_id)
            await self._store.add_samples(identity, entry, self._settings.samples_per_session)

    async def on_transaction(self, station_id: str, transaction_id: str, record: JsonObject) -> None:
        """A record changed (or a copy of an old event came): recompute the session."""
        identity = session_id(station_id, transaction_id)
        before = await self._store.get_session(identity)
        if self._recently_computed(before) and record.get("status") != "Ended":
            return
        session = await self.compute(station_id, record)
        await self._store.save_session(session, _epoch(session.get("startTime")))
        if session["status"] == AWAITING and (before or {}).get("status") != AWAITING:
            logger.info(
                "session awaits events",
                extra={
                    "station_id": station_id,
                    "transaction_id": transaction_id,
                    "notes": session["energyNotes"],
                },
            )
            if self._on_awaiting is not None:
                await self._on_awaiting(session)
        if session["status"] == COMPLETED and (before or {}).get("status") != COMPLETED:
            cost = (session.get("cost") or {}).get("totalCost")
            logger.info(
                "session completed",
                extra={
                    "station_id": station_id,
                    "transaction_id": transaction_id,
                    "energy_wh": session["energyWh"],
                    "total_cost": cost,
                    "flagged": session["flagged"],
                },
            )
            SESSIONS_COMPLETED.labels("true" if session["flagged"] else "false").inc()
            if self._on_completed is not None:
                await self._on_completed(session)

    def _recently_computed(self, session: JsonObject | None) -> bool:
        """A running session computed less than BILLING_RECOMPUTE_INTERVAL ago."""
        if session is None or session.get("status") != "active":
            return False
        try:
            age = (utc_now() - parse_time(session.get("updatedAt"))).total_seconds()
        except ValueError:
            return False
        return 0 <= age < self._settings.recompute_seconds

    async def compute(
        self,
        station_id: str,
        record: Mapping[str, Any],
        extra: JsonObject | None = None,
        tariffs: tuple[Tariff, ...] | None = None,
    ) -> JsonObject:
        """The session of ``record``: from the running count while it runs (without ``extra``, a
        sample not stored yet), else from the whole stored sample log. ``tariffs``: those of
        :meth:`tariffs_for` when the caller has them already."""
        identity = session_id(station_id, str(record.get("transactionId")))
        if tariffs is None:
            tariffs = await self.tariffs_for(station_id, token_of(record))
        session = None
        if extra is None:
            session = await self._from_running_count(station_id, identity, record, tariffs)
        if session is None:
            log = await self._store.samples(identity)
            samples = [*log.entries, extra] if extra is not None else log.entries
            inputs = self._inputs(station_id, record, tariffs, samples, log.thinned)
            started = time.perf_counter()
            session = build_session(inputs, utc_now())
            SESSION_COMPUTE_SECONDS.observe(time.perf_counter() - started)
            if extra is None and session["status"] != "active":
                await self._store.drop_running_count(identity)
        return session

    def _inputs(
        self,
        station_id: str,
        record: Mapping[str, Any],
        tariffs: tuple[Tariff, ...],
        samples: list[Mapping[str, Any]],
        thinned: int,
    ) -> SessionInputs:
        return SessionInputs(
            station_id=station_id,
            record=record,
            samples=samples,
            tariffs=tariffs,
            max_power_w=self._settings.max_evse_power_w,
            party=self._settings.party,
            samples_thinned=thinned,
        )

    async def _from_running_count(
        self, station_id: str, identity: str, record: Mapping[str, Any], tariffs: tuple[Tariff, ...]
    ) -> JsonObject | None:
        """A running session from its stored running count and the entries stored since; None when
        it has ended, has no start time, or its readings need the full recount."""
        if str(record.get("status")) == "Ended" or not isinstance(record.get("startTime"), str):
            return None
        try:
            parse_time(record["startTime"])
        except ValueError:
            return None
        stored = await self._store.running_count(identity)
        if stored is not None and stored.get(RECOUNT):
            return None
        state = self._stored_count(stored, record)
        log = await self._store.samples(identity, state.entries)
        if state.entries and log.thinned != (stored or {}).get("thinned"):  # counted on a log since thinned
            state = start_running(explicit_start(record), self._settings.max_evse_power_w)
            log = await self._store.samples(identity)
        started = time.perf_counter()
        counted: RunningEnergy | None = state
        for entry in log.entries:
            counted = advance(counted, entry) if counted is not None else None
        if counted is None:
            await self._store.save_running_count(identity, {RECOUNT: True})
            return None
        inputs = self._inputs(station_id, record, tariffs, [], log.thinned)
        session = assemble_session(inputs, counted.fold(), utc_now(), counted.counted(bool(tariffs)))
        SESSION_COMPUTE_SECONDS.observe(time.perf_counter() - started)
        if log.entries or stored is None:
            kept = {"thinned": log.thinned, "count": running_json(counted)}
            await self._store.save_running_count(identity, kept)
        return session

    def _stored_count(self, stored: JsonObject | None, record: Mapping[str, Any]) -> RunningEnergy:
        """The stored running count if it was started from this record's start, else a new one."""
        start = explicit_start(record)
        fresh = start_running(start, self._settings.max_evse_power_w)
        if stored is None:
            return fresh
        try:
            state = running_from_json(stored["count"])
        except (LookupError, TypeError, ValueError, ArithmeticError):
            return fresh
        if not _same_reading(state.start, start) or state.max_power_w != fresh.max_power_w:
            return fresh
        return state

    async def pending_cost(self, station_id: str, pending: JsonObject) -> JsonObject | None:
        """The cost the session will have once ``pending`` (a TransactionRecord not yet stored: the
        Ended event being answered) is applied; None without a tariff. Nothing is written."""
        transaction_id = str(pending.get("transactionId"))
        event = pending.get("event")
        current = await self._record_with_earlier_events(station_id, transaction_id, event)
        record = dict(current or {})
        if not already_applied(current, event):
            record = merge_record(current, pending.get("fields") or {}, event)
        record["transactionId"] = transaction_id
        tariffs = await self.tariffs_for(station_id, token_of(record))
        if not tariffs:
            return None  # what the computed session's cost would be: nothing to price with
        extra = None
        if pending.get("meterValues"):
            extra = sample_entry(pending["meterValues"], offline=bool(pending.get("offline")))
        session = await self.compute(station_id, record, extra, tariffs)
        cost: JsonObject | None = session.get("cost")
        return cost

    async def _record_with_earlier_events(
        self, station_id: str, transaction_id: str, event: Any
    ) -> JsonObject | None:
        """The stored record, once it holds every seqNo before ``event``'s, or as it is after
        :data:`EARLIER_EVENTS_WAIT` seconds. The station sent those events (and had them answered)
        before this one, but their records travel on the ordered station-event path, which may lag
        behind this request; a seqNo still missing after the wait is a real gap (E14), and the
        session says so."""
        deadline = time.monotonic() + EARLIER_EVENTS_WAIT
        key = self._keys.transactions(station_id)
        seq_no = event.get("seqNo") if isinstance(event, dict) else None
        while True:
            raw = await self._store.transaction_record(key, transaction_id)
            current: JsonObject | None = fast_json.loads(raw) if raw else None
            if not isinstance(seq_no, int) or time.monotonic() >= deadline:
                return current
            logged = {e.get("seqNo") for e in (current or {}).get("events", [])}
            first = min([s for s in logged if isinstance(s, int)] + [seq_no])
            if current is not None and all(s in logged for s in range(first, seq_no)):
                return current
            if current is None and seq_no == 0:
                return None
            await asyncio.sleep(0.05)

    async def refreshed(self, identity: str) -> JsonObject | None:
        """A running session recomputed now from its stored record and samples (and saved), for the
        CostUpdated timer; None when it is gone."""
        stored = await self._store.get_session(identity)
        if stored is None:
            return None
        station_id, transaction_id = str(stored["chargePointId"]), str(stored["transactionId"])
        raw = await self._store.transaction_record(self._keys.transactions(station_id), transaction_id)
        if raw is None:
            return stored
        record = dict(fast_json.loads(raw))
        record["transactionId"] = transaction_id
        session = await self.compute(station_id, record)
        await self._store.save_session(session, _epoch(session.get("startTime")))
        return session

    async def price_text(self, station_id: str, token: str | None) -> str | None:
        """The prices of the tariff that applies now to this station and token, as one line."""
        now = utc_now()
        tariff = next((t for t in await self.tariffs_for(station_id, token) if t.is_active(now)), None)
        return (price_text(tariff, now) or None) if tariff is not None else None

    async def running(self) -> list[str]:
        return await self._store.running_sessions()

    async def session(self, identity: str) -> JsonObject | None:
        return await self._store.get_session(identity)


def _same_reading(one: Reading | None, other: Reading | None) -> bool:
    """Equal in every field (a Reading compares only its time and arrival)."""
    if one is None or other is None:
        return one is other
    return (one.at, one.arrival, one.wh, one.context) == (other.at, other.arrival, other.wh, other.context)


def _storable(token: str) -> bool:
    return 0 < len(token) <= 36 and not any(c.isspace() or not c.isprintable() for c in token)


def _epoch(value: Any) -> float:
    try:
        return parse_time(value).timestamp()
    except ValueError:
        return 0.0
