"""FirmwareStatusNotification: show how the station's firmware update is going."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def firmware_status_notification(request: Payload, context: CallContext) -> Reply:
    reported = {"firmwareStatus": {"status": request["status"], "updatedAt": context.now_iso}}
    return Reply({}, [ShadowUpdate(reported)])
