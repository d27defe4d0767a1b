"""Prometheus metrics of the smart-charging allocator (labels are fixed sets: bounded)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ALLOCATIONS = Counter("csms_charging_allocations_total", "Allocation passes by outcome", ["outcome"])
ALLOCATION_SECONDS = Histogram(
    "csms_charging_allocation_seconds",
    "One allocation pass: reading sites and transactions, allocating, sending profiles",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
PROFILES_SENT = Counter("csms_charging_profiles_sent_total", "SetChargingProfile calls sent", ["purpose"])
PROFILE_ANSWERS = Counter(
    "csms_charging_profile_answers_total", "Answers to the allocator's profiles", ["outcome"]
)
TRANSACTIONS = Gauge("csms_charging_transactions", "Transactions in a site at the last pass", ["state"])
