"""Prometheus metrics shared by every service (each service adds its own in its ``metrics`` module)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

MQTT_CONNECTED = Gauge("csms_mqtt_connected", "1 while the service holds a broker connection", ["service"])
MQTT_PUBLISH_FAILURES = Counter(
    "csms_mqtt_publish_failures_total",
    "Publishes that were not acknowledged by the broker",
    ["service"],
)
MQTT_RECONNECTS = Counter(
    "csms_mqtt_reconnects_total", "Broker connections lost and re-established", ["service"]
)
