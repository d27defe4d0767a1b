"""Prometheus metrics shared by every service (each service adds its own in its ``metrics`` module)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

MQTT_CONNECTED = Gauge(
    "csms_mqtt_connected",
    "1 while the service holds a broker connection",
    ["service"],
    # remote-api with several workers (prometheus_client's multiprocess mode): 0 if any live worker has
    # lost its connection; a dead worker's value does not count. Other services have one process.
    multiprocess_mode="livemin",
)
MQTT_PUBLISH_FAILURES = Counter(
    "csms_mqtt_publish_failures_total",
    "Publishes that were not acknowledged by the broker",
    ["service"],
)
MQTT_RECONNECTS = Counter(
    "csms_mqtt_reconnects_total", "Broker connections lost and re-established", ["service"]
)
