"""SecurityEventNotification (1.6 security extension): show the station's latest security event."""

from __future__ import annotations

from typing import Any

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def security_event_notification(request: Payload, context: CallContext) -> Reply:
    event: dict[str, Any] = {"type": request["type"], "timestamp": request["timestamp"]}
    if "techInfo" in request:
        event["techInfo"] = request["techInfo"]
    return Reply({}, [ShadowUpdate({"lastSecurityEvent": event})])
