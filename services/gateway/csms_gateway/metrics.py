"""Prometheus metrics of the gateway."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTED_STATIONS = Gauge(
    "csms_gateway_connected_stations", "Stations connected to this gateway", ["version"]
)
FRAMES = Counter(
    "csms_gateway_frames_total",
    "Frames forwarded, by direction (in: station→MQTT, out: MQTT→station), version and type",
    ["direction", "version", "type"],
)
HANDSHAKES = Counter("csms_gateway_handshakes_total", "WebSocket handshakes by outcome", ["outcome"])
CALL_TIMEOUTS = Counter("csms_gateway_call_timeouts_total", "CSMS→station calls that got no answer in time")
CALLS_REJECTED = Counter(
    "csms_gateway_calls_rejected_total",
    "CSMS→station calls refused because the station's queue was full",
)
DISCONNECTS = Counter("csms_gateway_disconnects_total", "Station connections ended, by reason", ["reason"])
RETRANSMISSIONS = Counter(
    "csms_gateway_retransmissions_total",
    "Calls a station sent again with the same id and text, answered from the gateway's memory",
)
AUTH_FAILURES = Counter(
    "csms_gateway_auth_failures_total",
    "Handshakes refused with 401: malformed, rejected (by the registry), repeated (refused again without "
    "asking: a failed credential or an exhausted failure budget), below_minimum_profile",
    ["reason"],
)
THROTTLED = Counter(
    "csms_gateway_throttled_frames_total", "Station frames delayed because the station exceeded its rate"
)
STATION_CALL_TIMEOUTS = Counter(
    "csms_gateway_station_call_timeouts_total",
    "Station→CSMS calls no handler answered within GATEWAY_CALL_TIMEOUT (the station got InternalError)",
)
DUPLICATE_ANSWERS = Counter(
    "csms_gateway_duplicate_answers_total",
    "Answers to station calls not written because the station already had one (redelivery, late answer)",
)
MISROUTED_FRAMES = Counter(
    "csms_gateway_misrouted_frames_total",
    "Frames refused for their topic: a Call on {cp}/out (replies only) or a reply on {cp}/call",
    ["topic"],
)
UNSOLICITED_ANSWERS = Counter(
    "csms_gateway_unsolicited_answers_total",
    "CallResults/CallErrors from stations that answer no outstanding CSMS call (not forwarded)",
)
BUDGET_EXCEEDED = Counter(
    "csms_gateway_budget_exceeded_total",
    "Times a station or source address went over a budget (docs/budgets-gateway.md), by budget: frames "
    "and bytes (slowed), handshakes_station and handshakes_address (429), pending_total and "
    "pending_address (503 before the request is read), auth_in_flight (503 after waiting for a registry "
    "check slot), auth_waiting (503 with Retry-After at once: every registry check slot and queue place "
    "taken), awaited_calls (a station call "
    "refused with InternalError: too many of the station's calls awaiting an answer)",
    ["budget"],
)
REGISTRY_CHECKS = Gauge(
    "csms_gateway_registry_checks",
    "Handshakes' registry checks by state: in_flight (asked, at most GATEWAY_MAX_AUTH_IN_FLIGHT) and "
    "waiting (queued for a slot, at most GATEWAY_MAX_AUTH_WAITING)",
    ["state"],
)
PENDING_HANDSHAKES = Gauge(
    "csms_gateway_pending_handshakes", "TCP connections accepted whose WebSocket handshake is not done"
)
BUDGET_ENTRIES = Gauge(
    "csms_gateway_budget_entries",
    "Entries in the gateway's bounded budget maps (station budgets, attempt throttles, auth memory)",
    ["map"],
)
TLS_REFUSALS = Counter(
    "csms_gateway_tls_refusals_total",
    "TLS handshakes on the wss:// listener that failed, by reason: expired, not_yet_valid, revoked, "
    "unknown_ca, no_crl, certificate_invalid (client certificates), protocol_version, no_shared_cipher, "
    "not_tls, other",
    ["reason"],
)
CRL_UPDATES = Counter(
    "csms_gateway_crl_updates_total",
    "Revocation lists from csms/ca/crl: used, or refused (too large, not loadable)",
    ["outcome"],
)
