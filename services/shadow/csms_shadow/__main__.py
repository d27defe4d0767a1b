"""Entry point of the shadow service: ``csms-shadow`` or ``python -m csms_shadow``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from csms_common import topics
from csms_common.admin_http import AdminServer
from csms_common.events import EventType
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.runner import Service, until_signalled
from csms_shadow.billing.billing_requests import BillingRequests
from csms_shadow.billing.billing_store import BillingStore
from csms_shadow.billing.sessions import SessionKeeper
from csms_shadow.certificates.certificate_authority import certificate_authority
from csms_shadow.certificates.certificate_requests import CertificateRequests
from csms_shadow.certificates.certificate_store import CertificateStore, InstalledCertificates
from csms_shadow.certificates.contract_certificates import ContractCertificates
from csms_shadow.certificates.ocsp_checker import OcspChecker
from csms_shadow.charging.allocator import Allocator
from csms_shadow.charging.profile_requests import ProfileRequests
from csms_shadow.charging.site_requests import SiteRequests
from csms_shadow.charging.site_store import SiteStore
from csms_shadow.commands.charging_calls import ChargingCalls
from csms_shadow.commands.station_calls import StationCalls
from csms_shadow.config import ShadowSettings
from csms_shadow.credentials.hashing import BoundedHashing
from csms_shadow.documents.desired_store import DesiredStore
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore
from csms_shadow.events.event_requests import EventRequests
from csms_shadow.events.events import EventLog
from csms_shadow.events.stream_log import Retention, StreamLog
from csms_shadow.events.webhook_store import WebhookBounds, WebhookStore
from csms_shadow.fleet.campaigns import Campaigns
from csms_shadow.fleet.fleet_batches import FleetBatches
from csms_shadow.fleet.local_list_store import LocalListStore
from csms_shadow.fleet.reconciler import Reconciler
from csms_shadow.registry.registry import RegistryRequests
from csms_shadow.service import ShadowService
from csms_shadow.storage.key_migration import migrate_key_layout
from csms_shadow.storage.keys import Keys
from csms_shadow.storage.redis_client import redis_client
from csms_shadow.storage.redis_config import RedisMode
from csms_shadow.tokens.tokens import IdTokenStore
from csms_shadow.transactions.records import Records

logger = logging.getLogger("csms_shadow")


async def serve(settings: ShadowSettings, stop: asyncio.Event) -> None:
    redis = redis_client(settings.redis)
    keys = Keys(settings.key_prefix)
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
    tokens = IdTokenStore(redis, settings.key_prefix, settings.max_id_tokens)
    desired = DesiredStore(redis, settings.key_prefix, settings.document_budget)
    local_lists = LocalListStore(redis, settings.key_prefix)
    registry = RegistryRequests(
        store,
        tokens,
        records,
        settings.duplicate_window_seconds,
        BoundedHashing(settings.password_hash_concurrency, settings.password_hash_queue),
        on_deleted=(desired.delete_station, local_lists.delete_station),
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
            keys.events,
            Retention(settings.events_max_length, settings.events_retention_seconds),
            settings.duplicate_window_seconds,
        )
    )
    audit = StreamLog(
        redis,
        keys.audit,
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
    profiles = ProfileRequests(redis, settings.key_prefix)
    allocator = Allocator(
        redis,
        settings.key_prefix,
        site_store,
        store,
        records,
        ChargingCalls(client, records),
        settings.charging,
        tokens,
        profiles=profiles.kept,
    )
    profiles.on_change = allocator.sites_changed

    def owns(station_id: str) -> bool:
        return service.owns(station_id)

    reconciler = Reconciler(
        client,
        store,
        desired,
        records,
        owns,
        settings.reconcile_interval_seconds,
        settings.reconcile_stale_seconds,
        settings.reconcile_concurrency,
        tokens=tokens,
        local_lists=local_lists,
        events=events,
    )

    async def apply_desired_many(
        station_ids: list[str], patch: dict[str, Any], *, clear: bool = False
    ) -> list[tuple[int, dict[str, Any]]]:
        return await service.apply_desired_many(station_ids, patch, clear=clear)

    campaigns = Campaigns(
        redis,
        settings.key_prefix,
        store,
        desired,
        apply_desired_many,
        settings.campaign_interval_seconds,
        settings.campaign_progress_timeout_seconds,
        events,
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
        certificates=CertificateRequests(
            settings.ca,
            certificate_authority(settings.ca),
            CertificateStore(redis, settings.key_prefix, settings.ca.certificates_per_station),
            calls,
            publish_crl=lambda crl: client.publish(topics.CA_CRL, crl, qos=1, retain=True),
            installed=InstalledCertificates(redis, settings.key_prefix),
            ocsp=OcspChecker(
                redis,
                settings.key_prefix,
                settings.ca.ocsp_responders,
                settings.ca.ocsp_timeout,
                settings.ca.ocsp_max_in_flight,
            ),
        ),
        contracts=ContractCertificates(
            settings.ca.contract_service_url, settings.ca.contract_service_timeout
        ),
        desired=desired,
        reconciler=reconciler,
        fleet_batches=FleetBatches(redis, settings.key_prefix),
        campaigns=campaigns,
        sites=SiteRequests(
            site_store, store, on_change=allocator.sites_changed, allocation=allocator.enforced
        ),
        profiles=profiles,
    )
    events.on_appended = service.events_appended
    events.on_events = allocator.on_events
    admin = AdminServer(
        settings.metrics_host,
        settings.metrics_port,
        lambda: client.is_connected and request_client.is_connected,
    )
    admin.start()
    if settings.redis.mode is not RedisMode.CLUSTER:
        migrated = await migrate_key_layout(redis, settings.key_prefix)
        if migrated.renamed or migrated.kept_new:
            logger.info(
                "keys renamed to the hash-tagged layout",
                extra={"renamed": migrated.renamed, "kept_new": migrated.kept_new},
            )
    indexed = await store.ensure_label_index()
    if indexed:
        logger.info("label index built", extra={"stations": indexed})
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
    await redis.aclose()  # the client owns its pool(s): this closes every connection
    admin.stop()


SERVICE = Service(
    prog="csms-shadow",
    log_name="shadow",
    description="Keeps the station registry, reported state (AWS IoT shadow documents) and presence "
    "in Redis.",
    read_settings=ShadowSettings.from_environment,
    run=until_signalled(serve),
)
main = SERVICE.main


if __name__ == "__main__":
    raise SystemExit(main())
