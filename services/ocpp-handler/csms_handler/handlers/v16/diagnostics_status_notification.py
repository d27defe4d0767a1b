"""DiagnosticsStatusNotification: show how the station's diagnostics upload is going."""

from __future__ import annotations

from csms_common.ocpp.types.v16 import (
    DiagnosticsStatusNotificationRequest,
    DiagnosticsStatusNotificationResponse,
)
from csms_handler.context import CallContext, Reply, ShadowUpdate


def diagnostics_status_notification(
    request: DiagnosticsStatusNotificationRequest, context: CallContext
) -> Reply[DiagnosticsStatusNotificationResponse]:
    reported = {"diagnosticsStatus": {"status": request["status"], "updatedAt": context.now_iso}}
    return Reply({}, [ShadowUpdate(reported)])
