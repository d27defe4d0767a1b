"""FirmwareStatusNotification: record the progress of a firmware update as ``firmwareStatus``.

An absent ``requestId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key).
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def firmware_status_notification(
    request: FirmwareStatusNotificationRequest, context: CallContext
) -> Reply[FirmwareStatusNotificationResponse]:
    status = {
        "status": request["status"],
        "requestId": request.get("requestId"),
        "updatedAt": context.now_iso,
    }
    return Reply({}, [ShadowUpdate({"firmwareStatus": status})])
