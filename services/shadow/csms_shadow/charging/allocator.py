"""The smart-charging allocator: shares each site's limit among its transactions and sends the shares.

Why inside the shadow service: the transactions, the presence and the sites it needs are the shadow
service's own, in its Redis. It runs on the replica of partition 0 only (a site's stations may be in
every partition), woken by every event this replica appends (transaction started/ended, station
connected/disconnected) and every site change, and every ``CHARGING_RECOMPUTE_INTERVAL`` anyway
(schedules, external limits expiring, other replicas' events).

One pass: read the sites, memberships and open transactions; count what cannot be steered (a
station offline at max(its last share, the failsafe); one that rejected or failed our profile at its
physical maximum); allocate (:mod:`csms_common.smart_charging.allocation`); send a TxProfile for each
change the hysteresis lets through, decreases first; remember what was sent in Redis
(``charging-enforced``), so a restart neither forgets nor re-sends. A station in a site gets a
TxDefaultProfile at the failsafe current once per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from csms_common import fast_json
from csms_common.billing.readings import parse_time
from csms_common.events import EventType
from csms_common.mqtt_message import PublishError
from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.enforcement import Update, plan_updates
from csms_common.smart_charging.ev_needs import EvDemand, ev_demand
from csms_common.smart_charging.limits import PhaseAmps, limit_at
from csms_common.smart_charging.phases import ev_phases, grid_phases, metered_phases, reported_rotations
from csms_common.smart_charging.profiles import Profile, failsafe_profile, tx_profile
from csms_common.smart_charging.sites import Site
from csms_common.smart_charging.spare import DrawState, SpareSettings, observe_draw
from csms_common.smart_charging.station_max import station_limit, with_station_circuits
from csms_shadow.charging.charging_config import ChargingSettings
from csms_shadow.charging.charging_metrics import (
    ALLOCATION_SECONDS,
    ALLOCATIONS,
    PROFILE_ANSWERS,
    PROFILES_SENT,
    TRANSACTIONS,
)
from csms_shadow.charging.site_requests import stored_site
from csms_shadow.charging.site_store import SiteStore, sites_of
from csms_shadow.commands.charging_calls import ChargingCalls
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest
from csms_shadow.storage.keys import Keys
from csms_shadow.tokens.tokens import IdTokenStore
from csms_shadow.transactions.records import Records

logger = logging.getLogger(__name__)

_WAKING_EVENTS = frozenset(
    {
        EventType.TRANSACTION_STARTED,
        EventType.TRANSACTION_UPDATED,
        EventType.TRANSACTION_ENDED,
        EventType.STATION_CONNECTED,
        EventType.STATION_DISCONNECTED,
        EventType.EV_CHARGING_NEEDS,
        EventType.EV_CHARGING_SCHEDULE,
        EventType.CHARGING_LIMIT_CHANGED,
    }
)
_COMMAND_EVENTS = frozenset(
    {EventType.COMMAND_ANSWERED, EventType.COMMAND_FAILED, EventType.COMMAND_TIMED_OUT}
)
TX_PROFILE_ID_BASE = 160_000
"""TxProfile ids: this plus the EVSE id, so the next share replaces the last (same id, same stack level)."""
FAILSAFE_PROFILE_ID = 159_999
SENT, ACCEPTED, REJECTED, LOST = "sent", "accepted", "rejected", "lost"


@dataclass(frozen=True)
class OpenTransaction:
    station_id: str
    transaction_id: str
    evse_id: int
    site: str
    started: float
    connected: bool
    protocol: str
    cap_amps: float | None = None
    """What the EV said it can take (ISO 15118 NotifyEVChargingNeeds), per phase."""
    needs_at: str | None = None
    """When those needs came: new needs are answered with a profile even if the share is unchanged."""
    drawn_amps: float | None = None
    """The highest phase current of the newest meter value (Current.Import), if it has one."""
    meter_at: str | None = None
    id_token: str | None = None
    priority: int = 0
    """Its id token's ``chargingPriority``: admitted and filled before lower priorities."""
    phases: tuple[int, ...] = (0, 1, 2)
    """The site phases it draws on (:mod:`csms_common.smart_charging.phases`)."""
    station_cap: float | None = None
    """Its station's ChargingStationMaxProfile in force (amps per phase), set through the API."""
    min_amps: float | None = None
    """The EV's own minimum (ISO 15118 evMinCurrent), if above the site's: below it, paused."""

    @property
    def key(self) -> str:
        return transaction_key(self.station_id, self.transaction_id)


@dataclass(frozen=True)
class Enforced:
    """A share sent to a station, and what became of it."""

    station_id: str
    transaction_id: str
    evse_id: int
    amps: float
    message_id: str | None
    state: str = SENT
    needs_at: str | None = None
    below_since: float | None = None
    """Spare capacity: since when (meter time, epoch seconds) the EV draws clearly less than its share."""
    draw_cap: float | None = None
    """Spare capacity: the share is capped here (what the EV draws plus a margin)."""
    meter_at: str | None = None
    """The meter value last observed."""
    composite_id: str | None = None
    """The GetCompositeSchedule asked after the last profile (verification), until it is answered."""
    verified_amps: float | None = None
    """The share the last composite schedule was asked for."""
    sent_at: float = 0.0
    """When the share was sent (epoch seconds): it is verified once it has held CHARGING_VERIFY_AFTER."""


def transaction_key(station_id: str, transaction_id: str) -> str:
    # JSON: station and transaction ids may both hold any separator.
    return fast_json.dumps([station_id, transaction_id]).decode()


def demands_for(
    transactions: list[OpenTransaction], enforced: Mapping[str, Enforced], settings: ChargingSettings
) -> list[Demand]:
    """The allocator's demands (pure): steerable transactions move, the others are counted as fixed."""
    demands = []
    for tx in transactions:
        sent = enforced.get(tx.key)
        fixed: float | None = None
        if sent is not None and sent.state == REJECTED:
            fixed = settings.station_max_amps
        elif not tx.connected:
            fixed = max(sent.amps if sent is not None else 0.0, settings.failsafe_amps)
        # A station's max profile caps each transaction too: exact for one EVSE, and the station circuit
        # (csms_common.smart_charging.station_max) shares it when it has several.
        caps = [
            cap
            for cap in (tx.cap_amps, sent.draw_cap if sent is not None else None, tx.station_cap)
            if cap is not None
        ]
        demands.append(
            Demand(
                key=tx.key,
                site=tx.site,
                max_amps=settings.station_max_amps,
                phases=tx.phases,
                min_amps=min(max(settings.min_amps, tx.min_amps or 0.0), settings.station_max_amps),
                priority=tx.priority,
                arrival=tx.started,
                cap_amps=min(caps) if caps else None,
                fixed_amps=fixed,
            )
        )
    return demands


async def _no_profiles() -> list[Profile]:
    return []


def _evse_of(record: JsonObject) -> int | None:
    value = record.get("evseId", record.get("connectorId"))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def needs_cap(needs: Any, started: float, voltage: float = 230.0) -> tuple[float | None, str | None]:
    """The per-phase cap and the time of an EVSE's charging needs, if they came during the transaction."""
    if not isinstance(needs, dict):
        return None, None
    try:
        received = parse_time(needs.get("receivedAt"))
    except ValueError:
        return None, None
    if received.timestamp() < started:
        return None, None  # an earlier EV's needs
    current, power = needs.get("evMaxCurrent"), needs.get("evMaxPower")
    if isinstance(current, int | float) and not isinstance(current, bool) and current > 0:
        return float(current), str(needs["receivedAt"])
    if isinstance(power, int | float) and not isinstance(power, bool) and power > 0:
        return float(power) / (voltage * 3), str(needs["receivedAt"])
    return None, str(needs["receivedAt"])


def ev_schedule_cap(schedule: Any, started: float, now: datetime) -> float | None:
    """The per-phase limit the EV's own schedule (ISO 15118 NotifyEVChargingSchedule) has at ``now``, if
    it came during this transaction and has begun; its last period holds after it."""
    if not isinstance(schedule, dict):
        return None
    try:
        if parse_time(schedule.get("receivedAt")).timestamp() < started:
            return None  # an earlier EV's
        elapsed = (now - parse_time(schedule.get("timeBase"))).total_seconds()
    except ValueError:
        return None
    cap = None
    for period in schedule.get("periods") or ():
        if not isinstance(period, dict) or not isinstance(period.get("start"), int):
            continue
        amps = period.get("limitAmps")
        if period["start"] <= elapsed and isinstance(amps, int | float) and not isinstance(amps, bool):
            cap = max(float(amps), 0.0)
    return cap


def transaction_phase_count(wiring: Any, needs: Any, started: float, meter_value: Any) -> int:
    """How many phases a transaction's EV draws on: its EVSE's ``phases``, the energy transfer its EV
    asked for (ISO 15118, if during this transaction), its newest meter value."""
    wiring = wiring if isinstance(wiring, dict) else {}
    transfer = None
    if isinstance(needs, dict) and needs_cap(needs, started)[1] is not None:
        transfer = needs.get("requestedEnergyTransfer")
    evse_phases = wiring.get("phases")
    count = evse_phases if isinstance(evse_phases, int) else None
    return ev_phases(count, transfer, metered_phases(meter_value))


def transaction_phases(wiring: Any, needs: Any, started: float, meter_value: Any) -> tuple[int, ...]:
    """The site phases a transaction draws on: as many as :func:`transaction_phase_count`, placed by its
    EVSE's wiring (``phaseRotation``)."""
    rotation = wiring.get("phaseRotation") if isinstance(wiring, dict) else None
    count = transaction_phase_count(wiring, needs, started, meter_value)
    return grid_phases(rotation if isinstance(rotation, str) else None, count)


def evse_wiring(wiring: Any, reported_rotation: str | None) -> dict[str, Any]:
    """An EVSE's wiring as the operator set it (``PATCH /charge-points/{id}``), with the rotation the
    station reports for it (1.6 ConnectorPhaseRotation, 2.x PhaseRotation) when the operator set none."""
    own = dict(wiring) if isinstance(wiring, dict) else {}
    if not isinstance(own.get("phaseRotation"), str) and reported_rotation is not None:
        own["phaseRotation"] = reported_rotation
    return own


def needs_demand(
    needs: Any, started: float, now: datetime, phase_count: int, floor_amps: float
) -> tuple[EvDemand, str | None]:
    """The EV's ceiling and minimum from its charging needs (if they came during this transaction):
    evMaxCurrent, evMinCurrent, energyAmount by departureTime (:mod:`csms_common.smart_charging.ev_needs`)."""
    cap, needs_at = needs_cap(needs, started)
    if needs_at is None:
        return EvDemand(None, floor_amps), None
    departure = None
    with contextlib.suppress(ValueError):  # absent or not a zoned ISO time: no energy cap
        departure = parse_time(needs.get("departureTime"))
    demand = ev_demand(
        cap, needs.get("evMinCurrent"), needs.get("energyAmount"), departure, now, phase_count, floor_amps
    )
    return demand, needs_at


def external_cap(charging_limit: Any, evse_id: int) -> float | None:
    """A limit the station reported (NotifyChargingLimit from its EMS or grid operator) for this EVSE, or
    for the whole station, as a per-phase cap; ClearedChargingLimit removes it."""
    if not isinstance(charging_limit, dict):
        return None
    amps, where = charging_limit.get("limitAmps"), charging_limit.get("evseId")
    if isinstance(amps, bool) or not isinstance(amps, int | float) or amps < 0:
        return None
    return float(amps) if where in (None, 0, evse_id) else None


def drawn_amps(meter_value: Any) -> tuple[float | None, str | None]:
    """The highest ``Current.Import`` of a kept meter value (1.6 strings or 2.x numbers) and its time."""
    if not isinstance(meter_value, dict):
        return None, None
    currents = []
    for sample in meter_value.get("sampledValue") or ():
        if isinstance(sample, dict) and sample.get("measurand") == "Current.Import":
            with contextlib.suppress(TypeError, ValueError):
                currents.append(float(sample["value"]))
    timestamp = meter_value.get("timestamp")
    return (max(currents) if currents else None), (str(timestamp) if timestamp else None)


def observed(entry: Enforced, tx: OpenTransaction, spare: SpareSettings) -> Enforced:
    """The entry after the transaction's newest meter value, if it is new (spare capacity, pure)."""
    if tx.drawn_amps is None or tx.meter_at is None or tx.meter_at == entry.meter_at:
        return entry
    try:
        at = parse_time(tx.meter_at).timestamp()
    except ValueError:
        return entry
    state = observe_draw(DrawState(entry.below_since, entry.draw_cap), at, tx.drawn_amps, entry.amps, spare)
    return replace(entry, below_since=state.below_since, draw_cap=state.cap_amps, meter_at=tx.meter_at)


def token_of(record: JsonObject) -> str | None:
    """The id token of a transaction record: 2.x ``idToken.idToken`` or 1.6 ``idTag``."""
    token = record.get("idToken")
    if isinstance(token, dict) and isinstance(token.get("idToken"), str):
        return str(token["idToken"])
    return record["idTag"] if isinstance(record.get("idTag"), str) else None


def _started(record: JsonObject) -> float:
    try:
        return parse_time(record.get("startTime")).timestamp()
    except ValueError:
        return float("inf")


@dataclass(frozen=True)
class PassReport:
    transactions: int
    sent: int
    seconds: float


class Allocator:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        sites: SiteStore,
        store: ShadowStore,
        records: Records,
        calls: ChargingCalls,
        settings: ChargingSettings,
        tokens: IdTokenStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        profiles: Callable[[str], Awaitable[list[Profile]]] | None = None,
    ) -> None:
        self._profiles = profiles
        """A station's profiles kept through the API: its ChargingStationMaxProfile caps it in the tree."""
        self._tokens = tokens
        self._redis = redis
        self._enforced_key = Keys(prefix).charging_enforced
        self._sites = sites
        self._store = store
        self._records = records
        self._calls = calls
        self._settings = settings
        self._clock = clock
        self._spare = SpareSettings(settling_seconds=settings.spare_settling_seconds)
        self._wake = asyncio.Event()
        self._site_changes = 0
        self._members_seen = -1
        """The site changes the known members include (-1: none read yet)."""
        self._members: frozenset[str] = frozenset()
        """The stations in a site at the last pass (the events worth a pass come from them)."""
        self._pending: frozenset[str] = frozenset()
        """Message ids of our calls not answered at the last pass."""
        self._failsafe_sent: dict[str, str] = {}
        """Station -> the connection (session id) that got the failsafe profile."""

    def wake(self) -> None:
        """Re-allocate soon (something that may change a share happened)."""
        self._wake.set()

    def sites_changed(self) -> None:
        """A site, limit or membership changed: re-allocate, and until a pass has read the change, take
        every station's events (a station that just joined is not among the known members yet)."""
        self._site_changes += 1
        self.wake()

    def on_events(self, station_id: str | None, drafts: list[tuple[EventType, JsonObject]]) -> None:
        """Wake for what can move a share: a member station's transactions, presence and EV needs, and the
        answers to our own calls. Events of the other stations, and other commands, cost no pass."""
        members_known = self._members_seen == self._site_changes
        if station_id is None or (station_id not in self._members and members_known):
            return
        for event_type, payload in drafts:
            if event_type in _COMMAND_EVENTS:
                if payload.get("messageId") in self._pending:
                    self.wake()
                    return
            elif event_type in _WAKING_EVENTS:
                self.wake()
                return

    async def run(self, stopping: asyncio.Event) -> None:
        stopped = asyncio.ensure_future(stopping.wait())
        try:
            while not stopping.is_set():
                woken = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait(
                    {woken, stopped},
                    timeout=self._settings.recompute_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                woken.cancel()
                if stopping.is_set():
                    return
                await asyncio.sleep(self._settings.debounce_seconds)
                self._wake.clear()
                try:
                    await self.allocate_once()
                except (OSError, RedisError, PublishError) as error:
                    # Redis or the broker away: the next pass starts over from what is stored.
                    ALLOCATIONS.labels("failed").inc()
                    logger.warning("allocation pass failed", extra={"error": str(error)})
                except Exception:
                    ALLOCATIONS.labels("error").inc()
                    logger.exception("allocation pass crashed")
        finally:
            stopped.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopped

    async def _open_transactions(self, now: datetime) -> tuple[list[OpenTransaction], dict[str, JsonObject]]:
        memberships = {
            station_id: membership
            for station_id, membership in (await self._sites.memberships()).items()
            if sites_of(membership)  # wiring alone, without a site, is nothing to allocate
        }
        # Every station's reads at once: a pass over a 100-station site is bound by round trips.
        reads = await asyncio.gather(*(self._station_reads(station_id) for station_id in memberships))
        transactions: list[OpenTransaction] = []
        stations: dict[str, JsonObject] = {}
        for (station_id, membership), (station, shadow, records, profiles) in zip(
            memberships.items(), reads, strict=True
        ):
            station_cap = station_limit(profiles, now)
            stations[station_id] = station
            connection = station.get("connection") or {}
            evse_sites = membership.get("evses") or {}
            wiring = membership.get("wiring") or {}
            reported = (shadow.get("state") or {}).get("reported") or {}
            all_needs = reported.get("evChargingNeeds") or {}
            rotations = reported_rotations(reported.get("configuration"))
            for record in records:
                evse = _evse_of(record)
                if record.get("status") == "Ended" or evse is None:
                    continue
                site = evse_sites.get(str(evse)) or membership.get("site")
                if not site:
                    continue
                started = _started(record)
                needs = all_needs.get(str(evse))
                meter = record.get("lastMeterValue")
                evse_wires = evse_wiring(wiring.get(str(evse)), rotations.get(str(evse)))
                count = transaction_phase_count(evse_wires, needs, started, meter)
                ev, needs_at = needs_demand(needs, started, now, count, self._settings.min_amps)
                cap = ev.cap_amps
                for other in (
                    external_cap(reported.get("chargingLimit"), evse),
                    ev_schedule_cap((reported.get("evChargingSchedule") or {}).get(str(evse)), started, now),
                ):
                    if other is not None:
                        cap = other if cap is None else min(cap, other)
                drawn, meter_at = drawn_amps(record.get("lastMeterValue"))
                phases = transaction_phases(evse_wires, needs, started, meter)
                transactions.append(
                    OpenTransaction(
                        station_id=station_id,
                        transaction_id=str(record["transactionId"]),
                        evse_id=evse,
                        site=str(site),
                        started=started,
                        connected=bool(station.get("connected")),
                        protocol=str(connection.get("protocol") or ""),
                        cap_amps=cap,
                        needs_at=needs_at,
                        drawn_amps=drawn,
                        meter_at=meter_at,
                        id_token=token_of(record),
                        phases=phases,
                        station_cap=station_cap,
                        min_amps=ev.min_amps,
                    )
                )
        return await self._with_priorities(transactions), stations

    async def _with_priorities(self, transactions: list[OpenTransaction]) -> list[OpenTransaction]:
        tokens = sorted({tx.id_token for tx in transactions if tx.id_token is not None})
        records = await asyncio.gather(*(self._tokens.get(token) for token in tokens))
        priorities = {
            token: int((record or {}).get("chargingPriority") or 0)
            for token, record in zip(tokens, records, strict=True)
        }
        return [
            replace(tx, priority=priorities.get(tx.id_token, 0)) if tx.id_token is not None else tx
            for tx in transactions
        ]

    async def _station_reads(
        self, station_id: str
    ) -> tuple[JsonObject, JsonObject, list[JsonObject], list[Profile]]:
        station, shadow, records, profiles = await asyncio.gather(
            self._store.get_station(station_id),
            self._store.get_shadow(station_id),
            self._records.transactions(station_id),
            self._profiles(station_id) if self._profiles is not None else _no_profiles(),
        )
        return station or {}, shadow or {}, records, profiles

    async def _load_enforced(self) -> dict[str, Enforced]:
        raw = await self._redis.hgetall(self._enforced_key)
        loaded = {}
        known = {field.name for field in fields(Enforced)}
        for key, value in raw.items():
            # Only the fields this version knows: an entry written by another version still loads.
            entry = Enforced(**{k: v for k, v in fast_json.loads(value).items() if k in known})
            loaded[key.decode() if isinstance(key, bytes) else str(key)] = entry
        return loaded

    async def _verify(self, enforced: dict[str, Enforced], steerable: Mapping[str, OpenTransaction]) -> None:
        """Ask accepted, not yet verified shares for the station's composite schedule: in a pass that sent
        nothing, and once the share has held a while, so verification never delays the next share."""
        settled = time.time() - self._settings.verify_after_seconds
        keys = [
            key
            for key, tx in steerable.items()
            if key in enforced
            and enforced[key].state == ACCEPTED
            and enforced[key].composite_id is None
            and enforced[key].verified_amps != enforced[key].amps
            and enforced[key].sent_at <= settled
        ]
        asked = await asyncio.gather(
            *(
                self._calls.get_composite_schedule(
                    steerable[key].station_id, steerable[key].protocol, steerable[key].evse_id
                )
                for key in keys
            )
        )
        for key, message_id in zip(keys, asked, strict=True):
            enforced[key] = replace(enforced[key], composite_id=message_id, verified_amps=enforced[key].amps)

    async def _verifications(self, enforced: dict[str, Enforced]) -> None:
        """Composite schedules answered: into the station's shadow as ``chargingSchedule.{evseId}``."""
        asked = [key for key, entry in enforced.items() if entry.composite_id is not None]
        records = await asyncio.gather(
            *(self._records.get_command(str(enforced[key].composite_id)) for key in asked)
        )
        for key, found in zip(asked, records, strict=True):
            entry, record = enforced[key], found or {}
            state = record.get("state")
            if state == "sent" or state is None:
                continue
            enforced[key] = replace(entry, composite_id=None)
            payload = record.get("payload") or {}
            report = {
                "transactionId": entry.transaction_id,
                "allocatedAmps": entry.amps,
                "status": payload.get("status", state),
                "schedule": payload.get("schedule") or payload.get("chargingSchedule"),
                "verifiedAt": self._clock().isoformat().replace("+00:00", "Z"),
            }
            await self._store.apply_update(
                ShadowUpdateRequest(
                    entry.station_id,
                    {"chargingSchedule": {str(entry.evse_id): report}},
                    None,
                    int(time.time()),
                )
            )

    async def _answers(self, enforced: dict[str, Enforced]) -> None:
        """Fold the stations' answers to what was sent (the command log the handler completes)."""
        waiting = [
            key for key, entry in enforced.items() if entry.state == SENT and entry.message_id is not None
        ]
        records = await asyncio.gather(
            *(self._records.get_command(str(enforced[key].message_id)) for key in waiting)
        )
        for key, found in zip(waiting, records, strict=True):
            entry = enforced[key]
            record = found or {}
            state = record.get("state")
            if state == "sent" or state is None:
                continue
            status = (record.get("payload") or {}).get("status") if state == "answered" else None
            outcome = ACCEPTED if status == "Accepted" else LOST if state == "closed" else REJECTED
            enforced[key] = replace(entry, state=outcome)
            PROFILE_ANSWERS.labels(outcome).inc()
            if outcome == REJECTED:
                logger.warning(
                    "charging profile refused: counted at the station's maximum",
                    extra={
                        "station_id": entry.station_id,
                        "transaction_id": entry.transaction_id,
                        "command_state": state,
                        "status": status,
                        "message_id": entry.message_id,
                    },
                )

    async def _failsafes(self, stations: Mapping[str, JsonObject]) -> None:
        for station_id, station in stations.items():
            connection = station.get("connection") or {}
            session = str(connection.get("sessionId") or connection.get("connectedAt") or "")
            if not station.get("connected") or self._failsafe_sent.get(station_id) == session:
                continue
            profile = failsafe_profile(FAILSAFE_PROFILE_ID, self._settings.failsafe_amps)
            await self._calls.set_profile(station_id, str(connection.get("protocol") or ""), profile)
            PROFILES_SENT.labels("TxDefaultProfile").inc()
            self._failsafe_sent[station_id] = session
        for gone in set(self._failsafe_sent) - set(stations):
            del self._failsafe_sent[gone]

    async def allocate_once(self) -> PassReport:
        started = time.perf_counter()
        changes_read = self._site_changes
        documents = await self._sites.all()
        now = self._clock()
        tree: dict[str, Site] = {}
        limits: dict[str, PhaseAmps] = {}
        for site_id, document in documents.items():
            site, external = stored_site(document)
            tree[site_id] = site
            limits[site_id] = limit_at(site.limit, site.schedule, external, now)
        transactions, stations = await self._open_transactions(now)
        await self._failsafes(stations)
        enforced = await self._load_enforced()
        await self._answers(enforced)
        await self._verifications(enforced)
        for tx in transactions:
            if tx.key in enforced and tx.connected:
                enforced[tx.key] = observed(enforced[tx.key], tx, self._spare)
        circuits = with_station_circuits(
            tree,
            limits,
            [(tx.key, tx.station_id, tx.site) for tx in transactions],
            {tx.station_id: tx.station_cap for tx in transactions if tx.station_cap is not None},
        )
        placed = [replace(tx, site=circuits.site_of[tx.key]) for tx in transactions]
        allocation = allocate(circuits.sites, circuits.limits, demands_for(placed, enforced, self._settings))
        steerable = {
            tx.key: tx
            for tx in transactions
            if tx.connected and (tx.key not in enforced or enforced[tx.key].state != REJECTED)
        }
        current = {
            key: enforced[key].amps for key in steerable if key in enforced and enforced[key].state != LOST
        }
        target = {key: allocation.amps[key] for key in steerable}
        updates = plan_updates(current, target, self._settings.hysteresis_amps)
        planned = {update.key for update in updates}
        for key, tx in steerable.items():
            # New EV charging needs are answered with a profile (K15), even when the share is the same.
            fresh = tx.needs_at is not None and key in enforced and enforced[key].needs_at != tx.needs_at
            if fresh and key not in planned:
                updates.append(Update(key, target[key], current.get(key)))
        # Every decrease is out before any increase goes; within each group, all at once.
        decreases = [u for u in updates if u.previous is not None and u.amps < u.previous]
        others = [u for u in updates if not (u.previous is not None and u.amps < u.previous)]
        for group in (decreases, others):
            sent = await asyncio.gather(*(self._send(steerable[update.key], update) for update in group))
            for update, message_id in zip(group, sent, strict=True):
                tx = steerable[update.key]
                before = enforced.get(update.key) or Enforced(
                    tx.station_id, tx.transaction_id, tx.evse_id, 0.0, None
                )
                enforced[update.key] = replace(
                    before,
                    amps=update.amps,
                    message_id=message_id,
                    state=SENT,
                    needs_at=tx.needs_at,
                    sent_at=time.time(),
                )
        if self._settings.verify and not updates:
            await self._verify(enforced, steerable)
        self._members = frozenset(stations)
        self._members_seen = changes_read
        self._pending = frozenset(
            message_id
            for entry in enforced.values()
            for message_id in (entry.message_id if entry.state == SENT else None, entry.composite_id)
            if message_id is not None
        )
        open_keys = {tx.key for tx in transactions}
        await self._save(enforced, open_keys)
        for state in ("charging", "paused", "fixed"):
            TRANSACTIONS.labels(state).set(0)
        for tx in transactions:
            if tx.key not in steerable:
                TRANSACTIONS.labels("fixed").inc()
            else:
                TRANSACTIONS.labels("paused" if allocation.amps[tx.key] == 0 else "charging").inc()
        seconds = time.perf_counter() - started
        ALLOCATION_SECONDS.observe(seconds)
        ALLOCATIONS.labels("done").inc()
        if updates:
            logger.info(
                "allocation",
                extra={"transactions": len(transactions), "sent": len(updates), "seconds": round(seconds, 4)},
            )
        return PassReport(len(transactions), len(updates), seconds)

    async def _send(self, tx: OpenTransaction, update: Update) -> str:
        profile = tx_profile(
            TX_PROFILE_ID_BASE + tx.evse_id, tx.evse_id, tx.transaction_id, update.amps, None
        )
        message_id = await self._calls.set_profile(tx.station_id, tx.protocol, profile)
        PROFILES_SENT.labels("TxProfile").inc()
        return message_id

    async def _save(self, enforced: dict[str, Enforced], open_keys: set[str]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._enforced_key)
            kept = {
                key: fast_json.dumps(asdict(entry)) for key, entry in enforced.items() if key in open_keys
            }
            if kept:
                pipe.hset(self._enforced_key, mapping=kept)  # type: ignore[arg-type]
            await pipe.execute()

    async def enforced(self) -> dict[str, Any]:
        """What was sent, per transaction (for the API and the tests)."""
        return {key: asdict(entry) for key, entry in (await self._load_enforced()).items()}
