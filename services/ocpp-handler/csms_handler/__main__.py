"""Entry point of the ocpp-handler: ``csms-ocpp-handler`` or ``python -m csms_handler``."""

from __future__ import annotations

import asyncio
import logging

from csms_common.admin_http import AdminServer
from csms_common.config import ConfigError, Environment
from csms_common.logs import configure_logging
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.runtime import parse_arguments, run_until_signalled
from csms_handler.config import HandlerSettings
from csms_handler.processor import FrameProcessor
from csms_handler.routing import shipped_routing
from csms_handler.service import HandlerService

logger = logging.getLogger("csms_handler")

ENVIRONMENT_HELP = """\
  MQTT_URL                   broker, mqtt://host:port or mqtts:// [mqtt://127.0.0.1:1883]
  MQTT_USERNAME/PASSWORD     broker credentials [none]
  OCPP_HEARTBEAT_INTERVAL    interval (s) sent in BootNotification replies [300]
  HANDLER_LOOKUP_TIMEOUT     seconds to wait for token/registration lookups [3]
  HANDLER_METRICS_HOST/PORT  /metrics, /healthz, /readyz [0.0.0.0:9102]
  HANDLER_CLIENT_ID          MQTT client id, one per handler process; the broker keeps its session
                             across restarts; prefixed with MQTT_USERNAME unless it starts with
                             it [ocpp-handler-<hostname>]
  HANDLER_SESSION_EXPIRY     seconds the broker keeps the session and queues calls for a handler
                             that is away; only with stable client ids, since Mosquitto keeps
                             sending a shared subscription's share to a departed member [0 = none]
  HANDLER_MAX_EVSE_ID        highest EVSE id (1.6: connector id) a station may report; above it
                             StatusNotification/MeterValues get PropertyConstraintViolation and a
                             transaction is kept without its per-EVSE copy [16]
  HANDLER_MAX_CONNECTOR_ID   highest 2.x connector id within an EVSE [8]
  HANDLER_MAX_SAMPLED_VALUES sampled values kept per meter-value summary (the latest per
                             measurand, phase and location) [16]
  HANDLER_MAX_METER_VALUE_CHARS  longest 1.6 sampled value kept in a summary [256]
  HANDLER_MAX_ANSWER_BYTES   largest station answer to a CSMS call kept in its command record;
                             larger ones are recorded without the payload [65536]
  LOG_LEVEL                  debug, info, warning, error [info]
"""


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


def main() -> int:
    parse_arguments(
        "csms-ocpp-handler",
        "Answers station-initiated OCPP calls from {cp}/in and publishes replies and shadow updates.",
        ENVIRONMENT_HELP,
    )
    try:
        settings = HandlerSettings.from_environment(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging("ocpp-handler", settings.log_level)
    return run_until_signalled(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    raise SystemExit(main())
