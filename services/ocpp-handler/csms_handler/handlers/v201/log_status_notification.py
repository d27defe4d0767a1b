"""LogStatusNotification: record the progress of a log upload as ``logStatus``.

An absent ``requestId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key).
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import LogStatusNotificationRequest, LogStatusNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def log_status_notification(
    request: LogStatusNotificationRequest, context: CallContext
) -> Reply[LogStatusNotificationResponse]:
    status = {
        "status": request["status"],
        "requestId": request.get("requestId"),
        "updatedAt": context.now_iso,
    }
    return Reply({}, [ShadowUpdate({"logStatus": status})])
