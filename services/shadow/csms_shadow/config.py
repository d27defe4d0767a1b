"""Settings of the shadow service, read once from the environment."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from csms_common.config import DEFAULT_REDIS_URL, ConfigError, Environment, MqttSettings
from csms_shadow.billing_config import BillingSettings
from csms_shadow.budget import DEFAULT_MAP_CAPS, DocumentBudget, RecordBudget
from csms_shadow.charging_config import ChargingSettings


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
    document_budget: DocumentBudget
    """What one station's shadow document may hold (docs/budgets-storage.md)."""
    record_budget: RecordBudget
    """What one station's transaction records may hold (docs/budgets-storage.md)."""
    billing: BillingSettings
    """Sessions, tariffs and cost updates (docs/billing.md)."""
    charging: ChargingSettings = field(default_factory=ChargingSettings)
    """Smart charging: re-allocation, hysteresis, minimum, failsafe (README, Smart charging)."""
    password_hash_concurrency: int = 2
    """Station password checks (scrypt) run at once, each in a thread of its own."""
    password_hash_queue: int = 32
    """Password checks that may wait for a thread; beyond, the check is answered 503 at once."""
    events_max_length: int = 100_000
    """Events kept at most (the oldest go first)."""
    events_retention_seconds: int = 7 * 24 * 3600
    """Events older than this are removed."""
    audit_max_length: int = 100_000
    audit_retention_seconds: int = 90 * 24 * 3600
    webhooks_max: int = 100
    """Webhooks one deployment may have."""
    webhook_log_length: int = 100
    """Delivery attempts kept per webhook."""
    webhook_dead_letters: int = 1000
    """Dead letters (and queued redeliveries) kept per webhook."""

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
            document_budget=DocumentBudget(
                max_bytes=env.integer("SHADOW_MAX_DOCUMENT_BYTES", 131072, minimum=4096),
                max_keys=env.integer("SHADOW_MAX_DOCUMENT_KEYS", 8192, minimum=64),
                map_caps={
                    **DEFAULT_MAP_CAPS,
                    "reservations": env.integer("SHADOW_MAX_RESERVATIONS", 32, minimum=1),
                },
            ),
            record_budget=RecordBudget(
                max_records=env.integer("SHADOW_MAX_TRANSACTIONS", 200, minimum=1),
                max_open=env.integer("SHADOW_MAX_OPEN_TRANSACTIONS", 32, minimum=1),
                max_events=env.integer("SHADOW_MAX_TRANSACTION_EVENTS", 64, minimum=2),
                max_record_bytes=env.integer("SHADOW_MAX_TRANSACTION_BYTES", 16384, minimum=4096),
                ttl_seconds=env.integer("SHADOW_TRANSACTION_TTL", 90 * 24 * 3600, minimum=60),
            ),
            password_hash_concurrency=env.integer("SHADOW_PASSWORD_HASH_CONCURRENCY", 2, minimum=1),
            password_hash_queue=env.integer("SHADOW_PASSWORD_HASH_QUEUE", 32, minimum=0),
            events_max_length=env.integer("SHADOW_EVENTS_MAX_LENGTH", 100_000, minimum=10),
            events_retention_seconds=env.integer("SHADOW_EVENTS_RETENTION", 7 * 24 * 3600, minimum=60),
            audit_max_length=env.integer("SHADOW_AUDIT_MAX_LENGTH", 100_000, minimum=10),
            audit_retention_seconds=env.integer("SHADOW_AUDIT_RETENTION", 90 * 24 * 3600, minimum=60),
            webhooks_max=env.integer("SHADOW_WEBHOOKS_MAX", 100, minimum=1),
            webhook_log_length=env.integer("SHADOW_WEBHOOK_LOG_LENGTH", 100, minimum=1),
            webhook_dead_letters=env.integer("SHADOW_WEBHOOK_DEAD_LETTERS", 1000, minimum=1),
            billing=BillingSettings.from_environment(env),
            charging=ChargingSettings.from_environment(env),
        )
