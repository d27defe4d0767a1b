"""StatusNotification: record a connector's status under ``evses.{evseId}.connectors.{connectorId}``."""

from __future__ import annotations

from typing import cast

from csms_common.ocpp.types import wire
from csms_common.ocpp.types.v201 import StatusNotificationRequest, StatusNotificationResponse
from csms_handler.budgets import check_connector_id, check_evse_id
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def status_notification(request: Payload, context: CallContext) -> Reply:
    status = cast(StatusNotificationRequest, request)  # validated against the schema by the processor
    # Ids above the configured maxima would each add keys to the shadow: PropertyConstraintViolation.
    check_evse_id(status["evseId"], context.limits)
    check_connector_id(status["connectorId"], context.limits)
    connector = {"status": status["connectorStatus"], "timestamp": status["timestamp"]}
    reported = {"evses": {str(status["evseId"]): {"connectors": {str(status["connectorId"]): connector}}}}
    reply: StatusNotificationResponse = {}
    return Reply(wire(reply), [ShadowUpdate(reported)])
