"""Entry point of the shadow service: ``csms-shadow`` or ``python -m csms_shadow``."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import BlockingConnectionPool, Redis

from csms_common.admin_http import AdminServer
from csms_common.config import ConfigError, Environment
from csms_common.events import EventType
from csms_common.logs import configure_logging
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.runtime import parse_arguments, run_until_signalled
from csms_shadow.allocator import Allocator
from csms_shadow.billing_requests import BillingRequests
from csms_shadow.billing_store import BillingStore
from csms_shadow.charging_calls import ChargingCalls
from csms_shadow.config import ShadowSettings
from csms_shadow.document import JsonObject
from csms_shadow.event_requests import EventRequests
from csms_shadow.events import EventLog
from csms_shadow.hashing import BoundedHashing
from csms_shadow.profile_requests import ProfileRequests
from csms_shadow.records import Records
from csms_shadow.registry import RegistryRequests
from csms_shadow.service import ShadowService
from csms_shadow.sessions import SessionKeeper
from csms_shadow.site_requests import SiteRequests
from csms_shadow.site_store import SiteStore
from csms_shadow.station_calls import StationCalls
from csms_shadow.store import ShadowStore
from csms_shadow.stream_log import Retention, StreamLog
from csms_shadow.tokens import IdTokenStore
from csms_shadow.webhook_store import WebhookBounds, WebhookStore

logger = logging.getLogger("csms_shadow")

ENVIRONMENT_HELP = """\
  MQTT_URL                  broker, mqtt://host:port or mqtts:// [mqtt://127.0.0.1:1883]
  MQTT_USERNAME/PASSWORD    broker credentials [none]
  REDIS_URL                 Redis holding registry, shadows, presence [redis://127.0.0.1:6379/0]
  REDIS_KEY_PREFIX          prefix of every key [csms:]
  SHADOW_METRICS_HOST/PORT  /metrics, /healthz, /readyz [0.0.0.0:9103]
  SHADOW_DUPLICATE_WINDOW   seconds an update's client token is remembered [3600]
  SHADOW_COMMAND_TTL        seconds a command's record is kept [604800]
  SHADOW_REMOTE_START_LINK  seconds a remote start waits to be linked to its transaction [3600]
  SHADOW_PUBLISH_ACCEPTED   publish .../shadow/update/accepted after each update [false]
  SHADOW_REDIS_CONNECTIONS  connections to Redis; more requests wait for one [32]
  SHADOW_PASSWORD_HASH_CONCURRENCY  station password checks (scrypt) at once [2]
  SHADOW_PASSWORD_HASH_QUEUE        checks that may wait beyond those; more get 503 [32]
  SHADOW_PARTITIONS         replicas that split stations by crc32(id) [1]
  SHADOW_PARTITION          this replica's partition, 0-based [0]
  SHADOW_CLIENT_ID          MQTT client id; the broker keeps its session across restarts;
                            prefixed with MQTT_USERNAME unless it starts with it
                            [shadow-<hostname>-p<partition>]
  SHADOW_SESSION_EXPIRY     seconds the broker queues updates for a replica that is away
                            (0 = no persistent session) [300]
  SHADOW_MAX_DOCUMENT_BYTES encoded size of one station's shadow; an update that would make it
                            larger is refused (update/rejected 413) [131072]
  SHADOW_MAX_DOCUMENT_KEYS  keys in one station's reported state, all levels [8192]
  SHADOW_MAX_RESERVATIONS   entries kept under reservations; the oldest make room [32]
  SHADOW_MAX_TRANSACTIONS   transaction records kept per station; the oldest make room [200]
  SHADOW_MAX_OPEN_TRANSACTIONS  records not yet Ended per station; a new one beyond is not
                            recorded [32]
  SHADOW_MAX_TRANSACTION_EVENTS entries in one record's events log (the first and the newest) [64]
  SHADOW_MAX_TRANSACTION_BYTES  encoded size of one transaction record; larger is refused [16384]
  SHADOW_TRANSACTION_TTL    seconds a station's records are kept after their last change [7776000]
  SHADOW_EVENTS_MAX_LENGTH       events kept at most, oldest removed first [100000]
  SHADOW_EVENTS_RETENTION        seconds an event is kept [604800]
  SHADOW_AUDIT_MAX_LENGTH        audit records kept at most [100000]
  SHADOW_AUDIT_RETENTION         seconds an audit record is kept [7776000]
  SHADOW_WEBHOOKS_MAX            webhooks one deployment may have [100]
  SHADOW_WEBHOOK_LOG_LENGTH      delivery attempts kept per webhook [100]
  SHADOW_WEBHOOK_DEAD_LETTERS    dead letters (and queued redeliveries) kept per webhook [1000]
  BILLING_COST_UPDATE_INTERVAL  seconds between CostUpdated calls to a 2.x station with a
                            running priced session (0 = none) [300]
  BILLING_MAX_EVSE_POWER_W  a meter step needing more power is implausible (skipped) [350000]
  BILLING_SAMPLES_PER_SESSION  meter-value messages kept per session, thinned beyond [200]
  BILLING_SESSIONS_PER_STATION  billing sessions kept per station, oldest dropped [1000]
  BILLING_MAX_TARIFFS       tariffs that can be stored [500]
  BILLING_RECOMPUTE_INTERVAL  seconds between recomputations of a running session [30]
  BILLING_COUNTRY_CODE/PARTY_ID  the operator's OCPI identity on CDRs [XX/CSM]
  LOG_LEVEL                 debug, info, warning, error [info]
"""


async def serve(settings: ShadowSettings, stop: asyncio.Event) -> None:
    # redis-py's default pool raises "Too many connections" when every connection is busy; a
    # burst of station calls would then be retried after a backoff. This pool makes it wait.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_connections,
        timeout=5,
        socket_timeout=5,
        socket_connect_timeout=5,
    )
    redis = Redis(connection_pool=pool)
    store = ShadowStore(
        redis, settings.key_prefix, settings.duplicate_window_seconds, settings.document_budget
    )
    records = Records(
        redis,
        settings.key_prefix,
        settings.command_ttl_seconds,
        settings.remote_start_link_seconds,
        settings.record_budget,
    )
    tokens = IdTokenStore(redis, settings.key_prefix)
    registry = RegistryRequests(
        store,
        tokens,
        records,
        settings.duplicate_window_seconds,
        BoundedHashing(settings.password_hash_concurrency, settings.password_hash_queue),
    )
    site_store = SiteStore(redis, settings.key_prefix)
    billing_store = BillingStore(
        redis, settings.key_prefix, settings.billing.max_tariffs, settings.billing.sessions_per_station
    )
    # A persistent session: the shadow updates and records published while this replica is away
    # (crashed, restarting) are queued by the broker instead of dropped, and applied when it is back.
    client = AsyncMqttClient(
        settings.mqtt,
        "shadow",
        service="shadow",
        client_id=settings.client_id,
        session_expiry_seconds=settings.session_expiry_seconds,
    )
    # Registry requests and shadow gets: a clean session, so that a replica that leaves for good
    # takes no share of a shared subscription's requests with it (Mosquitto keeps dispatching to a
    # disconnected persistent member, and the callers time out after a few seconds anyway).
    request_client = AsyncMqttClient(settings.mqtt, "shadow-requests", service="shadow-requests")
    events = EventLog(
        StreamLog(
            redis,
            f"{settings.key_prefix}events",
            Retention(settings.events_max_length, settings.events_retention_seconds),
            settings.duplicate_window_seconds,
        )
    )
    audit = StreamLog(
        redis,
        f"{settings.key_prefix}audit",
        Retention(settings.audit_max_length, settings.audit_retention_seconds),
        settings.duplicate_window_seconds,
    )
    webhooks = WebhookStore(
        redis,
        settings.key_prefix,
        WebhookBounds(settings.webhooks_max, settings.webhook_log_length, settings.webhook_dead_letters),
    )
    calls = StationCalls(client, store, records)

    async def session_completed(session: JsonObject) -> None:
        # Keyed by the session: a recomputation after a crash appends the event once.
        await events.append(
            EventType.SESSION_COMPLETED,
            str(session["chargePointId"]),
            {"sessionId": session["id"], "cdr": session.get("cdr"), "totalCost": session.get("cost")},
            dedup_key=f"session.completed:{session['id']}",
        )

    sessions = SessionKeeper(
        billing_store,
        tokens,
        settings.billing,
        settings.key_prefix,
        on_completed=session_completed,
        on_awaiting=calls.ask_for_missing_events,
        sites=site_store,
    )
    # One allocator, on partition 0: a site's stations may be in every partition.
    allocator = Allocator(
        redis,
        settings.key_prefix,
        site_store,
        store,
        records,
        ChargingCalls(client, records),
        settings.charging,
        tokens,
    )
    service = ShadowService(
        settings,
        client,
        request_client,
        store,
        records,
        registry,
        events=events,
        audit=audit,
        event_requests=EventRequests(events, audit, webhooks),
        sessions=sessions,
        billing=BillingRequests(billing_store, sessions),
        sites=SiteRequests(
            site_store, store, on_change=allocator.sites_changed, allocation=allocator.enforced
        ),
        profiles=ProfileRequests(redis, settings.key_prefix),
    )
    events.on_appended = service.events_appended
    events.on_events = allocator.on_events
    admin = AdminServer(
        settings.metrics_host,
        settings.metrics_port,
        lambda: client.is_connected and request_client.is_connected,
    )
    admin.start()
    await service.start()
    allocating = asyncio.Event()
    allocator_task = asyncio.create_task(allocator.run(allocating)) if settings.partition == 0 else None
    await client.start()
    await request_client.start()
    logger.info(
        "shadow service started",
        extra={"broker": settings.mqtt.url, "metrics_port": admin.port},
    )
    await stop.wait()
    logger.info("shadow service stopping")
    service.stop()
    allocating.set()
    if allocator_task is not None:
        await allocator_task
    await request_client.close()
    await client.close()
    await redis.aclose()
    await pool.disconnect()
    admin.stop()


def main() -> int:
    parse_arguments(
        "csms-shadow",
        "Keeps the station registry, reported state (AWS IoT shadow documents) and presence in Redis.",
        ENVIRONMENT_HELP,
    )
    try:
        settings = ShadowSettings.from_environment(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging("shadow", settings.log_level)
    return run_until_signalled(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    raise SystemExit(main())
