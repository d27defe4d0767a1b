"""Entry point of the gateway: ``csms-gateway`` or ``python -m csms_gateway``."""

from __future__ import annotations

import asyncio
import logging

from csms_common.admin_http import AdminServer
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.runner import Service, until_signalled
from csms_gateway.config import GatewaySettings
from csms_gateway.registration import RegistrationChecker
from csms_gateway.server import Gateway

logger = logging.getLogger("csms_gateway")


async def serve(settings: GatewaySettings, stop: asyncio.Event) -> None:
    client = AsyncMqttClient(settings.mqtt, "gateway", service="gateway")
    requester = AsyncRequester(client)
    registrations = RegistrationChecker(
        requester, settings.registration_timeout, settings.registration_cache_seconds
    )
    gateway = Gateway(settings, client, registrations)
    admin = AdminServer(
        settings.metrics_host,
        settings.metrics_port,
        lambda: client.is_connected and gateway.is_serving,
    )
    admin.start()
    await requester.start()
    await client.start()
    await gateway.serve(stop)
    await client.close()
    admin.stop()
    logger.info("gateway stopped")


SERVICE = Service(
    prog="csms-gateway",
    log_name="gateway",
    description="Holds charge points' OCPP WebSocket connections and forwards frames to and from MQTT.",
    read_settings=GatewaySettings.from_environment,
    run=until_signalled(serve),
)
main = SERVICE.main


if __name__ == "__main__":
    raise SystemExit(main())
