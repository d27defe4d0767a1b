"""SecurityEventNotification (1.6 security extension): show the station's latest security event.

An absent ``techInfo`` is reported as null, which deletes the previous event's
(the shadow merges objects key by key).
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import SecurityEventNotificationRequest, SecurityEventNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def security_event_notification(
    request: SecurityEventNotificationRequest, context: CallContext
) -> Reply[SecurityEventNotificationResponse]:
    event: dict[str, Any] = {
        "type": request["type"],
        "timestamp": request["timestamp"],
        "techInfo": request.get("techInfo"),
    }
    return Reply({}, [ShadowUpdate({"lastSecurityEvent": event})])
