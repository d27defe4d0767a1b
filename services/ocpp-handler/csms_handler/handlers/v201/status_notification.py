"""StatusNotification: record a connector's status under ``evses.{evseId}.connectors.{connectorId}``."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import StatusNotificationRequest, StatusNotificationResponse
from csms_handler.budgets import check_connector_id, check_evse_id
from csms_handler.context import CallContext, Reply, ShadowUpdate


def status_notification(
    status: StatusNotificationRequest, context: CallContext
) -> Reply[StatusNotificationResponse]:
    # Ids above the configured maxima would each add keys to the shadow: PropertyConstraintViolation.
    check_evse_id(status["evseId"], context.limits)
    check_connector_id(status["connectorId"], context.limits)
    connector = {"status": status["connectorStatus"], "timestamp": status["timestamp"]}
    reported = {"evses": {str(status["evseId"]): {"connectors": {str(status["connectorId"]): connector}}}}
    reply: StatusNotificationResponse = {}
    return Reply(reply, [ShadowUpdate(reported)])
