"""SecurityEventNotification: acknowledge and record the event as ``lastSecurityEvent``.

An absent ``techInfo`` is reported as null, which deletes the previous event's
(the shadow merges objects key by key).
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import SecurityEventNotificationRequest, SecurityEventNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def security_event_notification(
    request: SecurityEventNotificationRequest, context: CallContext
) -> Reply[SecurityEventNotificationResponse]:
    event = {
        "type": request["type"],
        "timestamp": request["timestamp"],
        "techInfo": request.get("techInfo"),
    }
    return Reply({}, [ShadowUpdate({"lastSecurityEvent": event})])
