"""Prometheus metrics of the ocpp-handler."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

FRAMES = Counter(
    "csms_handler_frames_total",
    "Frames from stations handled, by OCPP version, action and outcome (result, error, answer)",
    ["version", "action", "outcome"],
)
LATENCY = Histogram(
    "csms_handler_latency_seconds",
    "From a frame's arrival at the handler to its reply being acknowledged by the broker",
    ["version", "action"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
BUDGET_REJECTIONS = Counter(
    "csms_handler_budget_rejections_total",
    "Station input refused or left out because it exceeded a storage budget, by reason "
    "(evse_id, connector_id, sampled_values, unsolicited_answer, invalid_answer, answer_payload, "
    "charging_profiles)",
    ["reason"],
)
