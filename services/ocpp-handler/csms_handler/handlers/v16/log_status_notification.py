"""LogStatusNotification (1.6 security extension): show how the station's log upload is going.

An absent ``requestId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key).
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import LogStatusNotificationRequest, LogStatusNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def log_status_notification(
    request: LogStatusNotificationRequest, context: CallContext
) -> Reply[LogStatusNotificationResponse]:
    log_status: dict[str, Any] = {
        "status": request["status"],
        "requestId": request.get("requestId"),
        "updatedAt": context.now_iso,
    }
    return Reply({}, [ShadowUpdate({"logStatus": log_status})])
