"""MQTT 5 user properties: metadata that travels beside an OCPP frame, never inside it."""

from __future__ import annotations

from collections.abc import Mapping

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

PROTOCOL = "ocpp-protocol"
"""Negotiated subprotocol of the station's connection, e.g. ``ocpp2.0.1``."""
GATEWAY = "gateway-instance"
"""Id of the gateway process holding the station's socket."""
SESSION = "session-id"
"""Id of one WebSocket connection; changes on every reconnect."""
RECEIVED_AT = "received-at"
"""When the gateway read the frame from the socket (ISO 8601, UTC)."""
ACTION = "ocpp-action"
"""For a station's CallResult/CallError: the action of the CSMS call it answers."""
REGISTRATION_STATUS = "registration-status"
"""The registry's status for a station (Accepted, Pending, Rejected): on shadow get answers, on
inbound frames (as the gateway knows it) and on BootNotification replies (as the handler decided)."""
CLIENT_TOKEN = "client-token"
"""Idempotency key of a shadow update: the shadow service applies a token once."""


def user_properties(values: Mapping[str, str]) -> Properties:
    """Build PUBLISH properties carrying ``values`` as user properties."""
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    if values:
        properties.UserProperty = list(values.items())
    return properties


def publish_properties(
    values: Mapping[str, str] | None,
    response_topic: str | None = None,
    correlation_data: bytes | None = None,
) -> Properties | None:
    """PUBLISH properties, or None when there are none: building paho's Properties is not free,
    and most replies and events carry nothing beside the payload."""
    if not values and response_topic is None and correlation_data is None:
        return None
    properties = user_properties(values or {})
    if response_topic is not None:
        properties.ResponseTopic = response_topic
    if correlation_data is not None:
        properties.CorrelationData = correlation_data
    return properties


def read_user_properties(properties: Properties | None) -> dict[str, str]:
    """Return the user properties of a received message as a dict (last value wins)."""
    if properties is None:
        return {}
    pairs = getattr(properties, "UserProperty", None) or []
    return {str(key): str(value) for key, value in pairs}
