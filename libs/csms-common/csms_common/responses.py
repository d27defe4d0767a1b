"""The body shape of answers on MQTT request/response topics (registry and shadow reads)."""

from __future__ import annotations

import json
from typing import Any

from csms_common.mqtt_message import InboundMessage

STATUS_PROPERTY = "status"
"""User property with an HTTP-like status code of a response (200, 201, 404, 409, ...)."""


def decode_response(message: InboundMessage) -> tuple[int, dict[str, Any]]:
    """Return ``(status, body)`` of a response message."""
    status = int(message.user_properties.get(STATUS_PROPERTY, "200"))
    body = json.loads(message.payload) if message.payload else {}
    if not isinstance(body, dict):
        raise ValueError("response body is not a JSON object")
    return status, body
