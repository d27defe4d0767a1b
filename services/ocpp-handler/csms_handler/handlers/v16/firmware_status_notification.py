"""FirmwareStatusNotification: show how the station's firmware update is going.

It reports to the same ``firmwareStatus`` as SignedFirmwareStatusNotification,
but a plain 1.6 status belongs to no SignedUpdateFirmware: its ``requestId`` is
reported as null, which deletes one a signed update's status left there (the
shadow merges objects key by key).
"""

from __future__ import annotations

from csms_common.ocpp.types.v16 import FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def firmware_status_notification(
    request: FirmwareStatusNotificationRequest, context: CallContext
) -> Reply[FirmwareStatusNotificationResponse]:
    reported = {
        "firmwareStatus": {"status": request["status"], "requestId": None, "updatedAt": context.now_iso}
    }
    return Reply({}, [ShadowUpdate(reported)])
