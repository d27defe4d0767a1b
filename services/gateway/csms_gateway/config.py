"""Settings of the gateway, read once from the environment."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import StrEnum

from csms_common.config import Environment, MqttSettings


class UnregisteredRejection(StrEnum):
    """How an unregistered station is refused."""

    HTTP_404 = "http-404"
    """At the handshake, before any WebSocket exists (default)."""
    CLOSE_1008 = "close-1008"
    """Accept, then close with 1008 Policy Violation (the seed's behaviour)."""


@dataclass(frozen=True)
class GatewaySettings:
    """Everything the gateway can be told; see the README's configuration table."""

    mqtt: MqttSettings
    host: str
    port: int
    instance_id: str
    metrics_host: str
    metrics_port: int
    log_level: str
    unregistered_rejection: UnregisteredRejection
    registration_timeout: float
    registration_cache_seconds: float
    call_timeout: float
    max_queued_calls: int
    max_frame_bytes: int
    ping_interval: float

    @classmethod
    def from_environment(cls, env: Environment) -> GatewaySettings:
        return cls(
            mqtt=MqttSettings.from_environment(env),
            host=env.text("GATEWAY_HOST", "0.0.0.0"),
            port=env.integer("GATEWAY_PORT", 9000, minimum=0),
            instance_id=env.text("GATEWAY_INSTANCE_ID", f"{socket.gethostname()}-{os.getpid()}"),
            metrics_host=env.text("GATEWAY_METRICS_HOST", "0.0.0.0"),
            metrics_port=env.integer("GATEWAY_METRICS_PORT", 9101, minimum=0),
            log_level=env.text("LOG_LEVEL", "info"),
            unregistered_rejection=UnregisteredRejection(
                env.choice(
                    "GATEWAY_UNREGISTERED_REJECTION",
                    UnregisteredRejection.HTTP_404.value,
                    tuple(mode.value for mode in UnregisteredRejection),
                )
            ),
            registration_timeout=env.number("GATEWAY_REGISTRATION_TIMEOUT", 3.0, minimum=0.1),
            registration_cache_seconds=env.number("GATEWAY_REGISTRATION_CACHE", 5.0, minimum=0),
            call_timeout=env.number("GATEWAY_CALL_TIMEOUT", 30.0, minimum=0.1),
            max_queued_calls=env.integer("GATEWAY_MAX_QUEUED_CALLS", 16, minimum=0),
            max_frame_bytes=env.integer("GATEWAY_MAX_FRAME_BYTES", 1024 * 1024, minimum=1024),
            ping_interval=env.number("GATEWAY_PING_INTERVAL", 20.0, minimum=1),
        )
