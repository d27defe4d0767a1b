"""Settings of the ocpp-handler, read once from the environment."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from csms_common.config import Environment, MqttSettings, read_log_level
from csms_handler.budgets import StationLimits


@dataclass(frozen=True)
class HandlerSettings:
    """Everything the ocpp-handler can be told; see the README's configuration table."""

    mqtt: MqttSettings
    heartbeat_interval: int
    lookup_timeout: float
    metrics_host: str
    metrics_port: int
    log_level: str
    client_id: str
    """The MQTT client id: stable across restarts, so the broker keeps this handler's session."""
    session_expiry_seconds: int
    """How long the broker keeps the session (and queues calls) while this handler is away. Off by
    default: a handler that leaves for good (a scale-down, a pod replaced under a new name) would
    keep its share of the shared subscription's calls parked until the session expires, because
    Mosquitto goes on dispatching to a disconnected member; a lost call is retried by its station."""
    limits: StationLimits
    """What one station's calls may make the system store (docs/budgets-storage.md)."""

    @classmethod
    def from_environment(cls, env: Environment) -> HandlerSettings:
        return cls(
            mqtt=MqttSettings.from_environment(env),
            heartbeat_interval=env.integer(
                "OCPP_HEARTBEAT_INTERVAL",
                300,
                minimum=1,
                about="interval (s) sent in BootNotification replies",
            ),
            lookup_timeout=env.number(
                "HANDLER_LOOKUP_TIMEOUT",
                3.0,
                minimum=0.1,
                about="seconds to wait for token and registration lookups",
            ),
            metrics_host=env.text(
                "HANDLER_METRICS_HOST", "0.0.0.0", about="/metrics, /healthz, /readyz address"
            ),
            metrics_port=env.integer(
                "HANDLER_METRICS_PORT", 9102, minimum=0, about="/metrics, /healthz, /readyz port"
            ),
            log_level=read_log_level(env),
            # In Kubernetes the hostname is the pod name: one session per pod, kept across restarts.
            client_id=env.text(
                "HANDLER_CLIENT_ID",
                f"ocpp-handler-{socket.gethostname()}",
                about="MQTT client id, one per process (prefixed with MQTT_USERNAME unless it has it)",
                shown="ocpp-handler-<hostname>",
            ),
            session_expiry_seconds=env.integer(
                "HANDLER_SESSION_EXPIRY",
                0,
                minimum=0,
                about="seconds the broker queues calls for an absent handler; only with stable client ids",
            ),
            limits=StationLimits(
                max_evse_id=env.integer(
                    "HANDLER_MAX_EVSE_ID",
                    16,
                    minimum=1,
                    about="highest EVSE id (1.6: connector id) a station may report",
                ),
                max_connector_id=env.integer(
                    "HANDLER_MAX_CONNECTOR_ID", 8, minimum=1, about="highest 2.x connector id within an EVSE"
                ),
                max_sampled_values=env.integer(
                    "HANDLER_MAX_SAMPLED_VALUES",
                    16,
                    minimum=1,
                    about="sampled values kept per meter-value summary",
                ),
                max_value_chars=env.integer(
                    "HANDLER_MAX_METER_VALUE_CHARS", 256, minimum=16, about="longest 1.6 sampled value kept"
                ),
                max_answer_bytes=env.integer(
                    "HANDLER_MAX_ANSWER_BYTES",
                    65536,
                    minimum=1024,
                    about="largest station answer kept in a command record",
                ),
            ),
        )
