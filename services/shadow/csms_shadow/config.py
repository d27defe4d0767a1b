"""Settings of the shadow service, read once from the environment."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from csms_common.config import DEFAULT_REDIS_URL, ConfigError, Environment, MqttSettings
from csms_shadow.billing_config import BillingSettings


@dataclass(frozen=True)
class ShadowSettings:
    """Everything the shadow service can be told; see the README's configuration table."""

    mqtt: MqttSettings
    redis_url: str
    key_prefix: str
    metrics_host: str
    metrics_port: int
    log_level: str
    duplicate_window_seconds: int
    partitions: int
    partition: int
    command_ttl_seconds: int
    publish_accepted: bool
    """AWS-style ``.../shadow/update/accepted`` after every applied update (off: it doubles the traffic)."""
    remote_start_link_seconds: int
    redis_connections: int
    """Connections to Redis; a busy moment waits for a free one instead of failing."""
    client_id: str
    """The MQTT client id: stable across restarts, so the broker keeps this replica's session."""
    session_expiry_seconds: int
    """How long the broker queues updates for this replica while it is away."""
    billing: BillingSettings

    @classmethod
    def from_environment(cls, env: Environment) -> ShadowSettings:
        partitions = env.integer("SHADOW_PARTITIONS", 1, minimum=1)
        partition = env.integer("SHADOW_PARTITION", 0, minimum=0)
        if partition >= partitions:
            raise ConfigError("SHADOW_PARTITION must be smaller than SHADOW_PARTITIONS")
        return cls(
            mqtt=MqttSettings.from_environment(env),
            redis_url=env.text("REDIS_URL", DEFAULT_REDIS_URL),
            key_prefix=env.text("REDIS_KEY_PREFIX", "csms:"),
            metrics_host=env.text("SHADOW_METRICS_HOST", "0.0.0.0"),
            metrics_port=env.integer("SHADOW_METRICS_PORT", 9103, minimum=0),
            log_level=env.text("LOG_LEVEL", "info"),
            duplicate_window_seconds=env.integer("SHADOW_DUPLICATE_WINDOW", 3600, minimum=1),
            partitions=partitions,
            partition=partition,
            command_ttl_seconds=env.integer("SHADOW_COMMAND_TTL", 7 * 24 * 3600, minimum=60),
            publish_accepted=env.boolean("SHADOW_PUBLISH_ACCEPTED", False),
            remote_start_link_seconds=env.integer("SHADOW_REMOTE_START_LINK", 3600, minimum=1),
            redis_connections=env.integer("SHADOW_REDIS_CONNECTIONS", 32, minimum=2),
            client_id=env.text("SHADOW_CLIENT_ID", f"shadow-{socket.gethostname()}-p{partition}"),
            session_expiry_seconds=env.integer("SHADOW_SESSION_EXPIRY", 300, minimum=0),
            billing=BillingSettings.from_environment(env),
        )
