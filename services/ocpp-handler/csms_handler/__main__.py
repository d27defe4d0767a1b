"""Entry point of the ocpp-handler: ``csms-ocpp-handler`` or ``python -m csms_handler``."""

from __future__ import annotations

import asyncio
import logging

from csms_common.admin_http import AdminServer
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.runner import Service, until_signalled
from csms_handler.config import HandlerSettings
from csms_handler.processor import FrameProcessor
from csms_handler.routing import shipped_routing
from csms_handler.service import HandlerService

logger = logging.getLogger("csms_handler")


async def serve(settings: HandlerSettings, stop: asyncio.Event) -> None:
    processor = FrameProcessor(
        SchemaRegistry(), shipped_routing(), settings.heartbeat_interval, settings.limits
    )
    # A persistent session: calls published while this handler is away (restarting, or the whole pool
    # is down) are queued by the broker and answered when it is back, within the gateway's call timeout.
    client = AsyncMqttClient(
        settings.mqtt,
        "ocpp-handler",
        service="ocpp-handler",
        client_id=settings.client_id,
        session_expiry_seconds=settings.session_expiry_seconds,
    )
    service = HandlerService(client, AsyncRequester(client), processor, settings.lookup_timeout)
    admin = AdminServer(settings.metrics_host, settings.metrics_port, lambda: client.is_connected)
    admin.start()
    await service.start()
    await client.start()
    logger.info("ocpp-handler started", extra={"broker": settings.mqtt.url, "metrics_port": admin.port})
    await stop.wait()
    logger.info("ocpp-handler stopping")
    await client.close()
    admin.stop()


SERVICE = Service(
    prog="csms-ocpp-handler",
    log_name="ocpp-handler",
    description="Answers station-initiated OCPP calls from {cp}/in and publishes replies and shadow updates.",
    read_settings=HandlerSettings.from_environment,
    run=until_signalled(serve),
)
main = SERVICE.main


if __name__ == "__main__":
    raise SystemExit(main())
