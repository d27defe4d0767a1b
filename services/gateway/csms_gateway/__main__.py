"""Entry point of the gateway: ``csms-gateway`` or ``python -m csms_gateway``."""

from __future__ import annotations

import asyncio
import logging

from csms_common.admin_http import AdminServer
from csms_common.config import ConfigError, Environment
from csms_common.logs import configure_logging
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_rpc import AsyncRequester
from csms_common.runtime import parse_arguments, run_until_signalled
from csms_gateway.config import GatewaySettings
from csms_gateway.registration import RegistrationChecker
from csms_gateway.server import Gateway

logger = logging.getLogger("csms_gateway")

ENVIRONMENT_HELP = """\
  MQTT_URL                        broker, mqtt://host:port or mqtts:// [mqtt://127.0.0.1:1883]
  MQTT_USERNAME/PASSWORD          broker credentials [none]
  GATEWAY_HOST/PORT               WebSocket listener [0.0.0.0:9000]
  GATEWAY_INSTANCE_ID             name in presence events [hostname-pid]
  GATEWAY_METRICS_HOST/PORT       /metrics, /healthz, /readyz [0.0.0.0:9101]
  GATEWAY_UNREGISTERED_REJECTION  http-404 (at the handshake) or close-1008 [http-404]
  GATEWAY_REGISTRATION_TIMEOUT    seconds to wait for the registry at a handshake [3]
  GATEWAY_REGISTRATION_CACHE      seconds a positive registry answer is reused [5]
  GATEWAY_CALL_TIMEOUT            seconds a CSMS call may wait for the station's answer, and a
                                  station's call for the CSMS's; then InternalError to the station [30]
  GATEWAY_MAX_QUEUED_CALLS        CSMS calls queued per station behind the outstanding one [16]
  GATEWAY_MAX_FRAME_BYTES         largest frame accepted; larger closes with 1009 [1048576]
  GATEWAY_TLS_PORT                wss:// listener (0 = off) [0]; GATEWAY_TLS_CERT, GATEWAY_TLS_KEY,
                                  GATEWAY_TLS_CLIENT_CA (client certificates for profile 3);
                                  GATEWAY_TLS_EC_CERT/KEY (an ECDSA certificate beside the RSA one),
                                  GATEWAY_TLS_CRL (revoked client certificates fail the handshake)
  GATEWAY_MAX_CONNECTIONS         connections per process; then 503 [65536; clamped below the file
                                  descriptor limit minus pending handshakes minus 256, logged]
  GATEWAY_STATION_RATE/BURST      frames per second a station id may send (across reconnects), and
                                  burst; beyond, its frames wait [20/100]
  GATEWAY_STATION_BYTE_RATE/BURST bytes per second a station id may send, and burst (at least the
                                  largest frame); beyond, its frames wait [131072 / 8 x max frame]
  GATEWAY_HANDSHAKE_STATION_RATE/BURST  handshake attempts per station id; then 429 [1/20]
  GATEWAY_HANDSHAKE_ADDRESS_RATE/BURST  handshake attempts per source address; then 429 [200/2000]
  GATEWAY_MAX_PENDING_HANDSHAKES  connections not yet upgraded, per process; then 503 [1024]
  GATEWAY_MAX_PENDING_PER_ADDRESS connections not yet upgraded, per source address; then 503 [128]
  GATEWAY_AUTH_NEGATIVE_SECONDS   refused credentials are refused again unasked for this long [30]
  GATEWAY_AUTH_STATION_FAILURE_RATE/BURST  refused logins per station id before unknown
                                  credentials are refused unasked (401) [0.1/5]
  GATEWAY_AUTH_ADDRESS_FAILURE_RATE/BURST  the same per source address [0.5/20]
  GATEWAY_MAX_AUTH_IN_FLIGHT      registry checks at once; a handshake waits for one up to the
                                  registration timeout, then 503 [64]
  GATEWAY_MIN_SECURITY_PROFILE    stations registered below this profile are refused 401 [0]
  GATEWAY_HANDSHAKE_TIMEOUT       seconds to complete the WebSocket handshake [10]
  GATEWAY_IDLE_TIMEOUT            seconds without a frame before closing [2 x heartbeat + 60]
  GATEWAY_REUSE_PORT              let several processes share the port (SO_REUSEPORT) [false]
  GATEWAY_PING_INTERVAL           seconds between WebSocket pings [20]
  GATEWAY_DRAIN_SECONDS           on SIGTERM: /readyz 503 and no new connections at once, stations
                                  closed with 1001 spread over this period (each once nothing is in
                                  flight), exit within it; 0 closes all at once. A second signal
                                  exits at once [30]
  LOG_LEVEL                       debug, info, warning, error [info]
"""


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


def main() -> int:
    parse_arguments(
        "csms-gateway",
        "Holds charge points' OCPP WebSocket connections and forwards frames to and from MQTT.",
        ENVIRONMENT_HELP,
    )
    try:
        settings = GatewaySettings.from_environment(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging("gateway", settings.log_level)
    return run_until_signalled(lambda stop: serve(settings, stop))


if __name__ == "__main__":
    raise SystemExit(main())
