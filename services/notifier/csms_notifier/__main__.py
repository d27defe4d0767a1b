"""Entry point of the notifier: ``csms-notifier`` or ``python -m csms_notifier``."""

from __future__ import annotations

import asyncio
import logging

import httpx

from csms_common.admin_http import AdminServer
from csms_common.config import ConfigError, Environment
from csms_common.logs import configure_logging
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.runtime import parse_arguments, run_until_signalled
from csms_notifier.config import NotifierSettings
from csms_notifier.delivery import Deliverer
from csms_notifier.service import Notifier
from csms_notifier.shadow_client import ShadowClient

logger = logging.getLogger("csms_notifier")

ENVIRONMENT_HELP = """\
  MQTT_URL                   broker, mqtt://host:port or mqtts:// [mqtt://127.0.0.1:1883]
  MQTT_USERNAME/PASSWORD     broker credentials [none]
  NOTIFIER_METRICS_HOST/PORT /metrics, /healthz, /readyz [0.0.0.0:9104]
  NOTIFIER_CLIENT_ID         MQTT client id [notifier-<hostname>-<pid>]
  NOTIFIER_CONCURRENCY       deliveries in flight at once, across all webhooks [16]
  NOTIFIER_TIMEOUT           seconds one delivery attempt may take [10]
  NOTIFIER_MAX_ATTEMPTS      attempts before an event is dead-lettered for a webhook [8]
  NOTIFIER_RETRY_BASE        seconds before the 2nd attempt; doubles each time [1]
  NOTIFIER_RETRY_MAX         longest wait between attempts, seconds [300]
  NOTIFIER_POLL_SECONDS      how often to look for events without a wake-up [2]
  NOTIFIER_REQUEST_TIMEOUT   seconds to wait for the shadow service [5]
  WEBHOOK_ALLOWED_NETWORKS   comma-separated CIDRs webhooks may reach although not public
                             (e.g. 127.0.0.0/8 on a development machine) [none]
  LOG_LEVEL                  debug, info, warning, error [info]
"""


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


def main() -> int:
    parse_arguments(
        "csms-notifier",
        "Delivers events to webhooks: signed, in order per webhook, retried, at least once.",
        ENVIRONMENT_HELP,
    )
    try:
        settings = NotifierSettings.from_environment(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging("notifier", settings.log_level)
    return run_until_signalled(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    raise SystemExit(main())
