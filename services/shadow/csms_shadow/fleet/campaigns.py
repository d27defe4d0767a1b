"""Firmware campaigns in the shadow service: the requests (create, get, pause/resume/cancel) and the
timer that steps every active campaign (docs/fleet.md).

Crash safety: everything is in Redis. A step runs under a per-campaign lock (SET NX with expiry, so
one replica steps a campaign at a time, and a crashed one's lock runs out); it writes the station
records it changed and the campaign in one transaction *before* it sets the started stations' desired
firmware; each step also sets it again for any updating station whose desired firmware is not the
campaign's (a crash between the two writes). Setting the same desired firmware twice sends nothing:
the reconciler sends UpdateFirmware once per version and location.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from csms_common import fast_json
from csms_common.events import EventType
from csms_common.labels import InvalidSelector, parse_selector
from csms_common.runtime import every
from csms_common.topics import RegistryMethod
from csms_shadow.documents.desired_store import DesiredStore
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore
from csms_shadow.events.events import EventLog
from csms_shadow.fleet.campaign_plan import (
    CANCELLED,
    COMPLETED,
    FAILED,
    MAX_CAMPAIGN_STATIONS,
    PAUSED,
    PENDING,
    RUNNING,
    UPDATING,
    InvalidCampaign,
    counts_of,
    parse_campaign,
    step,
)
from csms_shadow.fleet.firmware_plan import FIRMWARE
from csms_shadow.fleet.label_index import matching_stations
from csms_shadow.storage.keys import Keys

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
ApplyDesired = Callable[..., Awaitable[list[Answer]]]

MAX_ACTIVE_CAMPAIGNS = 20
"""Running or paused campaigns at once (each step reads its updating stations' shadows)."""
FINISHED_TTL_SECONDS = 30 * 24 * 3600
"""A completed or cancelled campaign is kept this long."""
MAX_CAMPAIGN_ID_CHARS = 64
LOCK_SECONDS = 10
"""A step holds its campaign this long at most (a crashed replica's lock runs out)."""

CAMPAIGN_STATIONS = Counter(
    "csms_campaign_stations_total", "Campaign stations finished, by result (installed, failed)", ["result"]
)
CAMPAIGN_REJECTIONS = Counter(
    "csms_campaign_rejections_total",
    "Campaign requests refused, by reason (invalid, no_stations, too_many_stations, too_many_active)",
    ["reason"],
)
CAMPAIGNS_ACTIVE = Gauge("csms_campaigns_active", "Running or paused firmware campaigns")


class Campaigns:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        store: ShadowStore,
        desired: DesiredStore,
        apply_desired: ApplyDesired,
        interval_seconds: float,
        progress_timeout_seconds: float,
        events: EventLog | None = None,
    ) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._store = store
        self._desired = desired
        self._apply_desired = apply_desired
        self._interval = interval_seconds
        self._timeout = progress_timeout_seconds
        self._events = events
        self._active = self._keys.campaigns_active

    def _key(self, campaign_id: str) -> str:
        return self._keys.campaign(campaign_id)

    def _stations_key(self, campaign_id: str) -> str:
        return self._keys.campaign_stations(campaign_id)

    def _lock_key(self, campaign_id: str) -> str:
        return self._keys.campaign_lock(campaign_id)

    def methods(self) -> dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]]:
        return {
            RegistryMethod.CAMPAIGN_CREATE: self.create,
            RegistryMethod.CAMPAIGN_GET: self.get,
            RegistryMethod.CAMPAIGN_CONTROL: self.control,
        }

    # ---------------------------------------------------------------- requests

    async def create(self, body: JsonObject) -> Answer:
        try:
            spec = parse_campaign(body)
            selector = parse_selector(spec.selector)
        except (InvalidCampaign, InvalidSelector) as error:
            CAMPAIGN_REJECTIONS.labels("invalid").inc()
            return 400, {"error": str(error)}
        order = sorted(
            str(station["chargePointId"]) for station in await matching_stations(self._store, selector)
        )
        if not order:
            CAMPAIGN_REJECTIONS.labels("no_stations").inc()
            return 400, {"error": f"selector '{spec.selector}' matches no station"}
        if len(order) > MAX_CAMPAIGN_STATIONS:
            CAMPAIGN_REJECTIONS.labels("too_many_stations").inc()
            return 400, {
                "error": f"selector matches {len(order)} stations, "
                f"more than {MAX_CAMPAIGN_STATIONS}: narrow it"
            }
        if await self._redis.scard(self._active) >= MAX_ACTIVE_CAMPAIGNS:
            CAMPAIGN_REJECTIONS.labels("too_many_active").inc()
            return 409, {"error": f"{MAX_ACTIVE_CAMPAIGNS} campaigns are running or paused already"}
        campaign_id = f"cmp-{secrets.token_hex(8)}"
        campaign = {
            "campaignId": campaign_id,
            "spec": spec.as_json(),
            "state": RUNNING,
            "batch": 0,
            "acknowledgedFailures": 0,
            "order": order,
            "createdAt": time.time(),
            "updatedAt": time.time(),
        }
        record = fast_json.dumps({"state": PENDING})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(campaign_id), fast_json.dumps(campaign))
            pipe.hset(self._stations_key(campaign_id), mapping=dict.fromkeys(order, record))
            pipe.sadd(self._active, campaign_id)
            await pipe.execute()
        logger.info(
            "campaign created",
            extra={"campaign_id": campaign_id, "stations": len(order), "version": spec.firmware["version"]},
        )
        await self._step_locked(campaign_id)
        return await self.get({"campaignId": campaign_id}, created=True)

    async def get(self, body: JsonObject, *, created: bool = False) -> Answer:
        campaign_id = str(body.get("campaignId") or "")[:MAX_CAMPAIGN_ID_CHARS]
        loaded = await self._load(campaign_id)
        if loaded is None:
            return 404, {"error": f"Campaign not found: {campaign_id}"}
        campaign, stations = loaded
        return (201 if created else 200), _shown(campaign, stations)

    async def control(self, body: JsonObject) -> Answer:
        """``{"campaignId", "action": "pause" | "resume" | "cancel"}``."""
        campaign_id = str(body.get("campaignId") or "")[:MAX_CAMPAIGN_ID_CHARS]
        action = body.get("action")
        transitions = {
            "pause": ((RUNNING,), PAUSED),
            "resume": ((PAUSED,), RUNNING),
            "cancel": ((RUNNING, PAUSED), CANCELLED),
        }
        if action not in transitions:
            return 400, {"error": "action must be pause, resume or cancel"}
        allowed, target = transitions[str(action)]
        async with self._locked(campaign_id, wait_seconds=5.0) as held:
            if not held:
                return 503, {"error": "the campaign is busy, try again"}
            loaded = await self._load(campaign_id)
            if loaded is None:
                return 404, {"error": f"Campaign not found: {campaign_id}"}
            campaign, stations = loaded
            if campaign["state"] not in allowed:
                return 409, {"error": f"cannot {action} a {campaign['state']} campaign"}
            campaign["state"] = target
            if action == "resume":
                # Failures so far are acknowledged: maxFailures counts again from here.
                campaign["acknowledgedFailures"] = counts_of(stations)[FAILED]
            await self._save(campaign, {})
        logger.info("campaign " + str(target), extra={"campaign_id": campaign_id})
        await self._event(campaign, stations, None)
        if target == RUNNING:
            await self._step_locked(campaign_id)
        return await self.get({"campaignId": campaign_id})

    # ------------------------------------------------------------------- timer

    async def run(self, stopping: asyncio.Event) -> None:
        """Every interval, a step of each running or paused campaign."""
        async for _ in every(self._interval, stopping):
            try:
                members = await self._redis.smembers(self._active)
                CAMPAIGNS_ACTIVE.set(len(members))
                for member in members:
                    await self._step_locked(member.decode() if isinstance(member, bytes) else str(member))
            except (RedisError, OSError) as error:
                logger.warning("campaign step skipped", extra={"error": str(error)})

    async def _step_locked(self, campaign_id: str) -> None:
        async with self._locked(campaign_id, wait_seconds=0.0) as held:
            if held:
                await self._step(campaign_id)

    async def _step(self, campaign_id: str) -> None:
        loaded = await self._load(campaign_id)
        if loaded is None:
            await self._redis.srem(self._active, campaign_id)
            return
        campaign, stations = loaded
        if campaign["state"] not in (RUNNING, PAUSED):
            await self._redis.srem(self._active, campaign_id)
            return
        updating = [station_id for station_id, record in stations.items() if record["state"] == UPDATING]
        shadows = dict(zip(updating, await self._desired.shadows(updating), strict=True))
        reported = {
            station_id: _state(shadow).get("reported") or {} for station_id, shadow in shadows.items()
        }
        now = time.time()
        result = step(campaign, stations, campaign["order"], reported, now, self._timeout)
        firmware = campaign["spec"]["firmware"]
        # Stations the previous step started but whose desired firmware was not set (a crash between).
        unset = [
            station_id
            for station_id in updating
            if station_id not in result.finished
            and (_state(shadows[station_id]).get("desired") or {}).get(FIRMWARE) != firmware
        ]
        if result.state is not None:
            campaign["state"] = result.state
        if result.batch is not None:
            campaign["batch"] = result.batch
        if result.stations or result.state is not None:
            await self._save(campaign, result.stations)
            stations.update(result.stations)
        for station_id, outcome in result.finished.items():
            CAMPAIGN_STATIONS.labels(outcome).inc()
            logger.info(
                "campaign station finished",
                extra={
                    "campaign_id": campaign_id,
                    "station_id": station_id,
                    "result": outcome,
                    "reason": result.stations[station_id].get("reason"),
                },
            )
        if result.started:
            logger.info(
                "campaign batch started",
                extra={"campaign_id": campaign_id, "batch": result.batch, "stations": len(result.started)},
            )
        if result.state is not None:
            logger.info("campaign " + result.state, extra={"campaign_id": campaign_id, **counts_of(stations)})
        to_set = [*unset, *result.started]
        if to_set:
            await self._set_desired(campaign, to_set)
        if result.finished or result.state is not None or result.started:
            await self._event(campaign, stations, result.batch)

    async def _set_desired(self, campaign: JsonObject, station_ids: list[str]) -> None:
        firmware = campaign["spec"]["firmware"]
        patch = {"signature": None, "signingCertificate": None, **firmware}
        answers = await self._apply_desired(station_ids, {FIRMWARE: patch})
        refused = {
            station_id: {"state": FAILED, "reason": f"desired: {answer.get('error')}", "since": time.time()}
            for station_id, (status, answer) in zip(station_ids, answers, strict=True)
            if status != 200
        }
        if refused:
            # The station was deleted or its document is full: it will not be updated by this campaign.
            await self._save(campaign, refused)

    async def _event(self, campaign: JsonObject, stations: dict[str, JsonObject], batch: int | None) -> None:
        if self._events is None:
            return
        payload = {
            "campaignId": campaign["campaignId"],
            "state": campaign["state"],
            "batch": campaign.get("batch", 0),
            "counts": counts_of(stations),
        }
        try:
            await self._events.append(EventType.CAMPAIGN_PROGRESS, None, payload)
        except (RedisError, OSError) as error:
            logger.warning(
                "campaign event lost", extra={"campaign_id": campaign["campaignId"], "error": str(error)}
            )

    # ------------------------------------------------------------------- Redis

    async def _load(self, campaign_id: str) -> tuple[JsonObject, dict[str, JsonObject]] | None:
        if not campaign_id:
            return None
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self._key(campaign_id))
            pipe.hgetall(self._stations_key(campaign_id))
            raw, records = await pipe.execute()
        if raw is None:
            return None
        stations = {
            (key.decode() if isinstance(key, bytes) else str(key)): dict(fast_json.loads(value))
            for key, value in records.items()
        }
        return dict(fast_json.loads(raw)), stations

    async def _save(self, campaign: JsonObject, changed: dict[str, JsonObject]) -> None:
        campaign_id = str(campaign["campaignId"])
        campaign["updatedAt"] = time.time()
        finished = campaign["state"] in (COMPLETED, CANCELLED)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(
                self._key(campaign_id),
                fast_json.dumps(campaign),
                ex=FINISHED_TTL_SECONDS if finished else None,
            )
            if changed:
                pipe.hset(
                    self._stations_key(campaign_id),
                    mapping={station_id: fast_json.dumps(record) for station_id, record in changed.items()},
                )
            if finished:
                pipe.expire(self._stations_key(campaign_id), FINISHED_TTL_SECONDS)
                pipe.srem(self._active, campaign_id)
            await pipe.execute()

    @contextlib.asynccontextmanager
    async def _locked(self, campaign_id: str, wait_seconds: float) -> Any:
        token = secrets.token_hex(8)
        key = self._lock_key(campaign_id)
        deadline = time.monotonic() + wait_seconds
        held = bool(await self._redis.set(key, token, nx=True, ex=LOCK_SECONDS))
        while not held and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            held = bool(await self._redis.set(key, token, nx=True, ex=LOCK_SECONDS))
        try:
            yield held
        finally:
            if held:
                current = await self._redis.get(key)
                if (
                    current is not None
                    and (current.decode() if isinstance(current, bytes) else current) == token
                ):
                    await self._redis.delete(key)


def _state(shadow: JsonObject | None) -> JsonObject:
    state = (shadow or {}).get("state")
    return state if isinstance(state, dict) else {}


def _shown(campaign: JsonObject, stations: dict[str, JsonObject]) -> JsonObject:
    """The API's view: the request, the state, counts, and every station's state in campaign order."""
    listed = []
    for station_id in campaign["order"]:
        record = stations.get(station_id) or {"state": PENDING}
        entry: JsonObject = {"chargePointId": station_id, "state": record["state"]}
        for name in ("batch", "reason"):
            if record.get(name) is not None:
                entry[name] = record[name]
        listed.append(entry)
    spec = campaign["spec"]
    return {
        "campaignId": campaign["campaignId"],
        "state": campaign["state"],
        **{key: value for key, value in spec.items() if value is not None},
        "batch": campaign.get("batch", 0),
        "acknowledgedFailures": campaign.get("acknowledgedFailures", 0),
        "createdAt": campaign["createdAt"],
        "updatedAt": campaign["updatedAt"],
        "counts": counts_of(stations),
        "stations": listed,
    }
