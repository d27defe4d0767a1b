"""StatusNotification: record a connector's status under ``evses.{evseId}.connectors.{connectorId}``."""

from __future__ import annotations

from typing import cast

from csms_common.ocpp.types import wire
from csms_common.ocpp.types.v201 import StatusNotificationRequest, StatusNotificationResponse
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def status_notification(request: Payload, context: CallContext) -> Reply:
    status = cast(StatusNotificationRequest, request)  # validated against the schema by the processor
    connector = {"status": status["connectorStatus"], "timestamp": status["timestamp"]}
    reported = {"evses": {str(status["evseId"]): {"connectors": {str(status["connectorId"]): connector}}}}
    reply: StatusNotificationResponse = {}
    return Reply(wire(reply), [ShadowUpdate(reported)])
