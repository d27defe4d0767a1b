"""Settings of the shadow service, read once from the environment."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from csms_common.config import ConfigError, Environment, MqttSettings, read_log_level
from csms_shadow.billing.billing_config import BillingSettings
from csms_shadow.certificates.ca_config import CaSettings
from csms_shadow.charging.charging_config import ChargingSettings
from csms_shadow.documents.budget import DEFAULT_MAP_CAPS, DocumentBudget, RecordBudget
from csms_shadow.storage.redis_config import RedisSettings


@dataclass(frozen=True)
class ShadowSettings:
    """Everything the shadow service can be told; see the README's configuration table."""

    mqtt: MqttSettings
    redis: RedisSettings
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
    ca: CaSettings = field(default_factory=CaSettings)
    """The certificate authority for SignCertificate (docs/certificates.md)."""
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
    max_id_tokens: int = 1_000_000
    """Id tokens the store holds at most; a PUT or import that would add more is refused with 409."""
    webhooks_max: int = 100
    """Webhooks one deployment may have."""
    webhook_log_length: int = 100
    """Delivery attempts kept per webhook."""
    webhook_dead_letters: int = 1000
    """Dead letters (and queued redeliveries) kept per webhook."""
    reconcile_interval_seconds: float = 30.0
    """How often the reconciler comes back to stations whose desired state is not reported yet."""
    reconcile_stale_seconds: float = 120.0
    reconcile_concurrency: int = 16
    """Reconciler passes at once (each holds a Redis connection at a time; keep it below
    SHADOW_REDIS_CONNECTIONS so station updates always find one)."""
    """A reconciler call with no outcome for this long never reached a gateway: it is sent again."""
    campaign_interval_seconds: float = 2.0
    """How often each running or paused firmware campaign is stepped."""
    campaign_progress_timeout_seconds: float = 600.0
    """A campaign station whose update shows no progress this long has failed (Timeout)."""

    @classmethod
    def from_environment(cls, env: Environment) -> ShadowSettings:
        partitions = env.integer(
            "SHADOW_PARTITIONS", 1, minimum=1, about="replicas that split stations by crc32(id)"
        )
        partition = env.integer("SHADOW_PARTITION", 0, minimum=0, about="this replica's partition, 0-based")
        if partition >= partitions:
            raise ConfigError("SHADOW_PARTITION must be smaller than SHADOW_PARTITIONS")
        return cls(
            mqtt=MqttSettings.from_environment(env),
            redis=RedisSettings.from_environment(env),
            key_prefix=env.text("REDIS_KEY_PREFIX", "csms:", about="prefix of every key"),
            metrics_host=env.text(
                "SHADOW_METRICS_HOST", "0.0.0.0", about="/metrics, /healthz, /readyz address"
            ),
            metrics_port=env.integer(
                "SHADOW_METRICS_PORT", 9103, minimum=0, about="/metrics, /healthz, /readyz port"
            ),
            log_level=read_log_level(env),
            duplicate_window_seconds=env.integer(
                "SHADOW_DUPLICATE_WINDOW",
                3600,
                minimum=1,
                about="seconds an update's client token is remembered",
            ),
            partitions=partitions,
            partition=partition,
            command_ttl_seconds=env.integer(
                "SHADOW_COMMAND_TTL", 7 * 24 * 3600, minimum=60, about="seconds a command's record is kept"
            ),
            publish_accepted=env.boolean(
                "SHADOW_PUBLISH_ACCEPTED", False, about="publish .../shadow/update/accepted after each update"
            ),
            remote_start_link_seconds=env.integer(
                "SHADOW_REMOTE_START_LINK",
                3600,
                minimum=1,
                about="seconds a remote start waits to be linked to its transaction",
            ),
            client_id=env.text(
                "SHADOW_CLIENT_ID",
                f"shadow-{socket.gethostname()}-p{partition}",
                about="MQTT client id (prefixed with MQTT_USERNAME unless it has it)",
                shown="shadow-<hostname>-p<partition>",
            ),
            session_expiry_seconds=env.integer(
                "SHADOW_SESSION_EXPIRY",
                300,
                minimum=0,
                about="seconds the broker queues updates for an absent replica (0 = none)",
            ),
            document_budget=DocumentBudget(
                max_bytes=env.integer(
                    "SHADOW_MAX_DOCUMENT_BYTES",
                    131072,
                    minimum=4096,
                    about="encoded size of one shadow; a larger update gets 413",
                ),
                max_keys=env.integer(
                    "SHADOW_MAX_DOCUMENT_KEYS",
                    8192,
                    minimum=64,
                    about="keys in one station's reported state, all levels",
                ),
                map_caps={
                    **DEFAULT_MAP_CAPS,
                    "reservations": env.integer(
                        "SHADOW_MAX_RESERVATIONS",
                        32,
                        minimum=1,
                        about="entries kept under reservations; the oldest make room",
                    ),
                    "configuration": env.integer(
                        "SHADOW_MAX_REPORTED_CONFIGURATION",
                        512,
                        minimum=1,
                        about="keys kept under reported.configuration (NotifyReport, GetVariables); "
                        "the oldest not desired make room",
                    ),
                    "chargingProfiles": env.integer(
                        "SHADOW_MAX_REPORTED_PROFILES",
                        16,
                        minimum=1,
                        about="profiles a station reported kept (chargingProfiles); the oldest make room",
                    ),
                },
            ),
            record_budget=RecordBudget(
                max_records=env.integer(
                    "SHADOW_MAX_TRANSACTIONS",
                    200,
                    minimum=1,
                    about="transaction records kept per station; the oldest make room",
                ),
                max_open=env.integer(
                    "SHADOW_MAX_OPEN_TRANSACTIONS",
                    32,
                    minimum=1,
                    about="records not yet Ended per station; more are not recorded",
                ),
                max_events=env.integer(
                    "SHADOW_MAX_TRANSACTION_EVENTS",
                    64,
                    minimum=2,
                    about="entries in one record's events log (first and newest)",
                ),
                max_record_bytes=env.integer(
                    "SHADOW_MAX_TRANSACTION_BYTES",
                    16384,
                    minimum=4096,
                    about="encoded size of one transaction record",
                ),
                ttl_seconds=env.integer(
                    "SHADOW_TRANSACTION_TTL",
                    90 * 24 * 3600,
                    minimum=60,
                    about="seconds records are kept after their last change",
                ),
            ),
            password_hash_concurrency=env.integer(
                "SHADOW_PASSWORD_HASH_CONCURRENCY",
                2,
                minimum=1,
                about="station password checks (scrypt) at once",
            ),
            password_hash_queue=env.integer(
                "SHADOW_PASSWORD_HASH_QUEUE",
                32,
                minimum=0,
                about="password checks that may wait; more get 503",
            ),
            events_max_length=env.integer(
                "SHADOW_EVENTS_MAX_LENGTH",
                100_000,
                minimum=10,
                about="events kept at most, oldest removed first",
            ),
            events_retention_seconds=env.integer(
                "SHADOW_EVENTS_RETENTION", 7 * 24 * 3600, minimum=60, about="seconds an event is kept"
            ),
            audit_max_length=env.integer(
                "SHADOW_AUDIT_MAX_LENGTH", 100_000, minimum=10, about="audit records kept at most"
            ),
            audit_retention_seconds=env.integer(
                "SHADOW_AUDIT_RETENTION", 90 * 24 * 3600, minimum=60, about="seconds an audit record is kept"
            ),
            max_id_tokens=env.integer(
                "SHADOW_MAX_ID_TOKENS",
                1_000_000,
                minimum=1,
                about="id tokens the store holds at most, else 409",
            ),
            webhooks_max=env.integer(
                "SHADOW_WEBHOOKS_MAX", 100, minimum=1, about="webhooks one deployment may have"
            ),
            webhook_log_length=env.integer(
                "SHADOW_WEBHOOK_LOG_LENGTH", 100, minimum=1, about="delivery attempts kept per webhook"
            ),
            webhook_dead_letters=env.integer(
                "SHADOW_WEBHOOK_DEAD_LETTERS",
                1000,
                minimum=1,
                about="dead letters (and queued redeliveries) kept per webhook",
            ),
            billing=BillingSettings.from_environment(env),
            ca=CaSettings.from_environment(env),
            reconcile_interval_seconds=env.number(
                "RECONCILE_INTERVAL",
                30.0,
                minimum=0.1,
                about="seconds between the reconciler's passes over stations not yet in sync",
            ),
            reconcile_stale_seconds=env.number(
                "RECONCILE_STALE_SECONDS",
                120.0,
                minimum=1.0,
                about="a reconciler call without outcome this long is sent again (> GATEWAY_CALL_TIMEOUT)",
            ),
            reconcile_concurrency=env.integer(
                "RECONCILE_CONCURRENCY",
                16,
                minimum=1,
                about="reconciler passes at once, below SHADOW_REDIS_CONNECTIONS",
            ),
            campaign_interval_seconds=env.number(
                "CAMPAIGN_INTERVAL",
                2.0,
                minimum=0.1,
                about="seconds between the steps of each running or paused firmware campaign",
            ),
            campaign_progress_timeout_seconds=env.number(
                "CAMPAIGN_PROGRESS_TIMEOUT",
                600.0,
                minimum=1.0,
                about="a campaign station with no firmware progress this long has failed (Timeout)",
            ),
            charging=ChargingSettings.from_environment(env),
        )
