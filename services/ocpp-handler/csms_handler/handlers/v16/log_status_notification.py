"""LogStatusNotification (1.6 security extension): show how the station's log upload is going."""

from __future__ import annotations

from typing import Any

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def log_status_notification(request: Payload, context: CallContext) -> Reply:
    log_status: dict[str, Any] = {"status": request["status"]}
    if "requestId" in request:
        log_status["requestId"] = request["requestId"]
    log_status["updatedAt"] = context.now_iso
    return Reply({}, [ShadowUpdate({"logStatus": log_status})])
