"""Prometheus metrics of the remote-api."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "csms_api_requests_total", "HTTP requests by route, method and status", ["route", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "csms_api_request_seconds",
    "HTTP request duration by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMANDS = Counter("csms_api_commands_total", "Commands published to stations", ["action", "version"])
AUTH_FAILURES = Counter(
    "csms_api_auth_failures_total", "Requests refused by authentication (401) or scope (403)", ["reason"]
)
RATE_LIMITED = Counter("csms_api_rate_limited_total", "Command requests refused with 429")
WAIT_REFUSED = Counter(
    "csms_api_wait_refused_total", "?wait commands refused with 429: the token held API_WAITS_PER_TOKEN"
)
WAITING = Gauge(
    "csms_api_waiting_requests", "?wait commands waiting for a station's answer", multiprocess_mode="livesum"
)
BODY_TIMEOUTS = Counter(
    "csms_api_body_timeouts_total", "Requests answered 408: the body did not arrive within API_BODY_TIMEOUT"
)
SSE_STREAMS = Gauge(
    "csms_api_sse_streams_open", "Event streams (Server-Sent Events) open", multiprocess_mode="livesum"
)
SSE_REFUSED = Counter("csms_api_sse_streams_refused_total", "Event streams refused with 503 (at the cap)")
AUDIT_PUBLISH_FAILURES = Counter(
    "csms_api_audit_publish_failures_total", "Audit records that could not be published to the broker"
)
ID_TOKEN_IMPORTS_TOO_LARGE = Counter(
    "csms_api_id_token_imports_too_large_total",
    "PUT /id-tokens refused with 400 for carrying more than API_ID_TOKEN_IMPORT_MAX tokens",
)
