"""Entry point of the shadow service: ``csms-shadow`` or ``python -m csms_shadow``."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import BlockingConnectionPool, Redis

from csms_common.admin_http import AdminServer
from csms_common.config import ConfigError, Environment
from csms_common.logs import configure_logging
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.runtime import parse_arguments, run_until_signalled
from csms_shadow.billing_requests import BillingRequests
from csms_shadow.billing_store import BillingStore
from csms_shadow.config import ShadowSettings
from csms_shadow.records import Records
from csms_shadow.registry import RegistryRequests
from csms_shadow.service import ShadowService
from csms_shadow.sessions import SessionKeeper
from csms_shadow.station_calls import StationCalls
from csms_shadow.store import ShadowStore
from csms_shadow.tokens import IdTokenStore

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
  SHADOW_PARTITIONS         replicas that split stations by crc32(id) [1]
  SHADOW_PARTITION          this replica's partition, 0-based [0]
  SHADOW_CLIENT_ID          MQTT client id; the broker keeps its session across restarts
                            [shadow-<hostname>-p<partition>]
  SHADOW_SESSION_EXPIRY     seconds the broker queues updates for a replica that is away
                            (0 = no persistent session) [300]
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
    store = ShadowStore(redis, settings.key_prefix, settings.duplicate_window_seconds)
    records = Records(
        redis, settings.key_prefix, settings.command_ttl_seconds, settings.remote_start_link_seconds
    )
    tokens = IdTokenStore(redis, settings.key_prefix)
    registry = RegistryRequests(store, tokens, records, settings.duplicate_window_seconds)
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
    # Hook for the event stream (session.completed with the CDR) once it exists: on_completed=...
    calls = StationCalls(client, store, records)
    sessions = SessionKeeper(
        billing_store, tokens, settings.billing, settings.key_prefix, on_awaiting=calls.ask_for_missing_events
    )
    billing = BillingRequests(billing_store, sessions)
    service = ShadowService(settings, client, request_client, store, records, registry, sessions, billing)
    admin = AdminServer(
        settings.metrics_host,
        settings.metrics_port,
        lambda: client.is_connected and request_client.is_connected,
    )
    admin.start()
    await service.start()
    await client.start()
    await request_client.start()
    logger.info(
        "shadow service started",
        extra={"broker": settings.mqtt.url, "metrics_port": admin.port},
    )
    await stop.wait()
    logger.info("shadow service stopping")
    service.stop()
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
