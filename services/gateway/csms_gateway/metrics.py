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
    "Handshakes refused with 401 (malformed or rejected credentials)",
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
