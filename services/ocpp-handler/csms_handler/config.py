"""Settings of the ocpp-handler, read once from the environment."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from csms_common.config import Environment, MqttSettings


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

    @classmethod
    def from_environment(cls, env: Environment) -> HandlerSettings:
        return cls(
            mqtt=MqttSettings.from_environment(env),
            heartbeat_interval=env.integer("OCPP_HEARTBEAT_INTERVAL", 300, minimum=1),
            lookup_timeout=env.number("HANDLER_LOOKUP_TIMEOUT", 3.0, minimum=0.1),
            metrics_host=env.text("HANDLER_METRICS_HOST", "0.0.0.0"),
            metrics_port=env.integer("HANDLER_METRICS_PORT", 9102, minimum=0),
            log_level=env.text("LOG_LEVEL", "info"),
            # In Kubernetes the hostname is the pod name: one session per pod, kept across restarts.
            client_id=env.text("HANDLER_CLIENT_ID", f"ocpp-handler-{socket.gethostname()}"),
            session_expiry_seconds=env.integer("HANDLER_SESSION_EXPIRY", 0, minimum=0),
        )
