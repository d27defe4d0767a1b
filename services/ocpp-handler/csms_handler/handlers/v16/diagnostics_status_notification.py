"""DiagnosticsStatusNotification: show how the station's diagnostics upload is going."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def diagnostics_status_notification(request: Payload, context: CallContext) -> Reply:
    reported = {"diagnosticsStatus": {"status": request["status"], "updatedAt": context.now_iso}}
    return Reply({}, [ShadowUpdate(reported)])
