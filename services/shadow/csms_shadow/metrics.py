"""Prometheus metrics of the shadow service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SHADOW_UPDATES = Counter(
    "csms_shadow_updates_total",
    "Shadow updates by outcome (applied, duplicate, rejected)",
    ["outcome"],
)
SHADOW_GETS = Counter("csms_shadow_gets_total", "Shadow reads by outcome", ["outcome"])
REGISTRY_REQUESTS = Counter(
    "csms_registry_requests_total", "Registry requests by method and status", ["method", "status"]
)
PRESENCE_EVENTS = Counter(
    "csms_presence_events_total", "Presence events by type and outcome", ["event", "outcome"]
)
REDIS_ERRORS = Counter("csms_redis_errors_total", "Redis operations that failed and were retried")
REDIS_UP = Gauge("csms_redis_up", "1 when the last Redis operation succeeded")
SHARED_REQUESTS = Gauge(
    "csms_shadow_shared_requests",
    "1 while this replica takes its share of registry and notifier requests; 0 while it has left them "
    "because it cannot reach Redis (SHADOW_PARTITIONS > 1 only)",
)
STATION_EVENTS = Counter(
    "csms_station_events_total", "Transaction records and command states applied", ["event"]
)
BUDGET_REJECTIONS = Counter(
    "csms_shadow_budget_rejections_total",
    "Writes refused, or entries evicted, because a station reached a storage budget, by reason "
    "(document_bytes, document_keys, map_entries, unknown_transaction, open_transactions, "
    "transaction_evicted, transaction_events, record_bytes, command_owner, id_tokens: the id-token store "
    "is full)",
    ["reason"],
)
STORED_BYTES = Histogram(
    "csms_shadow_stored_bytes",
    "Size of each station document written to Redis, by kind (shadow, transaction, command)",
    ["kind"],
    buckets=(256, 1024, 4096, 16384, 65536, 131072, 262144, 1048576, 4194304),
)
EVENTS_APPENDED = Counter("csms_events_appended_total", "Events appended to the event log by type", ["type"])
AUDIT_RECORDS = Counter("csms_audit_records_total", "Audit records stored")
CAS_RETRIES = Counter(
    "csms_shadow_cas_retries_total",
    "Compare-and-set writes redone because another writer changed the key first, by operation",
    ["operation"],
)
CAS_EXHAUSTED = Counter(
    "csms_shadow_cas_exhausted_total",
    "Compare-and-set writes given up after every attempt lost to another writer, by operation "
    "(the caller gets an error: the message is retried later, a request is answered 503)",
    ["operation"],
)
DESIRED_UPDATES = Counter(
    "csms_shadow_desired_updates_total",
    "Desired-state changes by outcome (applied, not_registered, over_budget)",
    ["outcome"],
)
ID_TOKEN_IMPORTS = Counter(
    "csms_shadow_id_token_imports_total",
    "Id-token imports (PUT /id-tokens) by outcome: stored (every token), invalid (none: an entry was "
    "wrong), full (none: SHADOW_MAX_ID_TOKENS)",
    ["outcome"],
)
ID_TOKENS_IMPORTED = Counter(
    "csms_shadow_id_tokens_imported_total", "Id tokens created or replaced by imports"
)
