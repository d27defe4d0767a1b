"""Entry point of the notifier: ``csms-notifier`` or ``python -m csms_notifier``."""

from __future__ import annotations

import asyncio
import logging

import httpx

from csms_common.admin_http import AdminServer
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.runner import Service, until_signalled
from csms_notifier.config import NotifierSettings
from csms_notifier.delivery import Deliverer
from csms_notifier.service import Notifier
from csms_notifier.shadow_client import ShadowClient

logger = logging.getLogger("csms_notifier")


async def serve(settings: NotifierSettings, stop: asyncio.Event) -> None:
    # A clean session: the notifier keeps no state in the broker. Its progress (each webhook's
    # cursor) lives with the shadow service, so a restart resumes where the last report left it.
    client = AsyncMqttClient(settings.mqtt, "notifier", service="notifier", client_id=settings.client_id)
    requester = AsyncRequester(client)
    http = httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(settings.timeout_seconds),
        limits=httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
        ),
    )
    deliverer = Deliverer(http, settings.concurrency, settings.timeout_seconds, settings.allowed_networks)
    notifier = Notifier(
        settings, client, ShadowClient(requester, settings.request_timeout_seconds), deliverer
    )
    admin = AdminServer(settings.metrics_host, settings.metrics_port, lambda: client.is_connected)
    admin.start()
    await requester.start()
    await notifier.start()
    await client.start()
    logger.info("notifier started", extra={"broker": settings.mqtt.url, "metrics_port": admin.port})
    await notifier.run(stop)
    logger.info("notifier stopping")
    await http.aclose()
    await client.close()
    admin.stop()


SERVICE = Service(
    prog="csms-notifier",
    log_name="notifier",
    description="Delivers events to webhooks: signed, in order per webhook, retried, at least once.",
    read_settings=NotifierSettings.from_environment,
    run=until_signalled(serve),
)
main = SERVICE.main


if __name__ == "__main__":
    raise SystemExit(main())
