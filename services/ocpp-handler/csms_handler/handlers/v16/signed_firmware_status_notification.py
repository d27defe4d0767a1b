"""SignedFirmwareStatusNotification (1.6 security extension): show how a signed firmware update is going.

It reports to the same ``firmwareStatus`` as the plain FirmwareStatusNotification,
with the ``requestId`` of the SignedUpdateFirmware it belongs to when given. An
absent ``requestId`` is reported as null, which deletes the previous one (the
shadow merges objects key by key).
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import (
    SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse,
)
from csms_handler.context import CallContext, Reply, ShadowUpdate


def signed_firmware_status_notification(
    request: SignedFirmwareStatusNotificationRequest, context: CallContext
) -> Reply[SignedFirmwareStatusNotificationResponse]:
    firmware_status: dict[str, Any] = {
        "status": request["status"],
        "requestId": request.get("requestId"),
        "updatedAt": context.now_iso,
    }
    return Reply({}, [ShadowUpdate({"firmwareStatus": firmware_status})])
