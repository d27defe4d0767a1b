"""Prometheus metrics of billing in the shadow service (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SESSIONS_COMPLETED = Counter(
    "csms_billing_sessions_completed_total",
    "Billing sessions completed, by whether a correction flagged them for a look",
    ["flagged"],
)
SESSION_COMPUTE_SECONDS = Histogram(
    "csms_billing_session_compute_seconds",
    "Time to recompute one session (energy, cost, CDR) from its stored samples",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
)
SAMPLES_THINNED = Counter(
    "csms_billing_samples_thinned_total",
    "Stored meter-value messages dropped to keep a session within BILLING_SAMPLES_PER_SESSION",
)
COST_UPDATES = Counter("csms_billing_cost_updates_total", "CostUpdated calls sent to stations")
BILLING_LOOKUP_FAILURES = Counter(
    "csms_billing_lookup_failures_total",
    "totalCost / price lookups that failed and were answered without them (logged with a traceback)",
)
