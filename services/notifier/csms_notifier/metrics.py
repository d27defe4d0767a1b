"""Prometheus metrics of the notifier (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "csms_webhook_deliveries_total",
    "Delivery attempts by outcome (delivered, failed, timeout, refused)",
    ["outcome"],
)
DEAD_LETTERS = Counter("csms_webhook_dead_letters_total", "Events given up on after the last attempt")
DELIVERY_SECONDS = Histogram(
    "csms_webhook_delivery_seconds",
    "Delivery attempt duration",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
WEBHOOKS_ACTIVE = Gauge("csms_webhooks_active", "Webhooks the notifier is delivering to")
SHADOW_REQUEST_FAILURES = Counter(
    "csms_notifier_shadow_request_failures_total", "Requests to the shadow service that failed (retried)"
)
