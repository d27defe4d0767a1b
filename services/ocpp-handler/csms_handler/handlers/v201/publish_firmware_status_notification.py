"""PublishFirmwareStatusNotification: record a firmware publication's progress as ``publishFirmwareStatus``.

An absent ``requestId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key).
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import (
    PublishFirmwareStatusNotificationRequest,
    PublishFirmwareStatusNotificationResponse,
)
from csms_handler.context import CallContext, Reply, ShadowUpdate


def publish_firmware_status_notification(
    request: PublishFirmwareStatusNotificationRequest, context: CallContext
) -> Reply[PublishFirmwareStatusNotificationResponse]:
    status = {
        "status": request["status"],
        "requestId": request.get("requestId"),
        "updatedAt": context.now_iso,
    }
    return Reply({}, [ShadowUpdate({"publishFirmwareStatus": status})])
