"""Settings of the notifier, read once from the environment."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from csms_common.config import Environment, MqttSettings, read_log_level
from csms_common.webhooks.settings import read_allowed_networks
from csms_common.webhooks.ssrf import IpNetwork


@dataclass(frozen=True)
class NotifierSettings:
    """Everything the notifier can be told; see ``csms-notifier --help`` and docs/events.md."""

    mqtt: MqttSettings
    metrics_host: str
    metrics_port: int
    log_level: str
    client_id: str
    concurrency: int
    """HTTP deliveries in flight at once, across every webhook."""
    timeout_seconds: float
    """One delivery attempt's limit (connect, send, answer)."""
    max_attempts: int
    """Attempts before an event becomes a dead letter for that webhook."""
    retry_base_seconds: float
    retry_max_seconds: float
    poll_seconds: float
    """How often to look for events and webhooks when no wake-up arrives."""
    request_timeout_seconds: float
    """How long to wait for the shadow service's answers."""
    allowed_networks: tuple[IpNetwork, ...]

    @classmethod
    def from_environment(cls, env: Environment) -> NotifierSettings:
        networks = read_allowed_networks(env)
        return cls(
            mqtt=MqttSettings.from_environment(env),
            metrics_host=env.text(
                "NOTIFIER_METRICS_HOST", "0.0.0.0", about="/metrics, /healthz, /readyz address"
            ),
            metrics_port=env.integer(
                "NOTIFIER_METRICS_PORT", 9104, minimum=0, about="/metrics, /healthz, /readyz port"
            ),
            log_level=read_log_level(env),
            client_id=env.text(
                "NOTIFIER_CLIENT_ID",
                f"notifier-{socket.gethostname()}-{os.getpid()}",
                about="MQTT client id",
                shown="notifier-<hostname>-<pid>",
            ),
            concurrency=env.integer(
                "NOTIFIER_CONCURRENCY",
                16,
                minimum=1,
                about="deliveries in flight at once, across all webhooks",
            ),
            timeout_seconds=env.number(
                "NOTIFIER_TIMEOUT", 10.0, minimum=0.1, about="seconds one delivery attempt may take"
            ),
            max_attempts=env.integer(
                "NOTIFIER_MAX_ATTEMPTS",
                8,
                minimum=1,
                about="attempts before an event is dead-lettered for a webhook",
            ),
            retry_base_seconds=env.number(
                "NOTIFIER_RETRY_BASE",
                1.0,
                minimum=0.01,
                about="seconds before the 2nd attempt; doubles each time",
            ),
            retry_max_seconds=env.number(
                "NOTIFIER_RETRY_MAX", 300.0, minimum=0.01, about="longest wait between attempts, seconds"
            ),
            poll_seconds=env.number(
                "NOTIFIER_POLL_SECONDS",
                2.0,
                minimum=0.05,
                about="how often to look for events without a wake-up",
            ),
            request_timeout_seconds=env.number(
                "NOTIFIER_REQUEST_TIMEOUT", 5.0, minimum=0.1, about="seconds to wait for the shadow service"
            ),
            allowed_networks=networks,
        )
