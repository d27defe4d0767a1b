"""StatusNotification: record a connector's status under ``evses.{evseId}.connectors.{connectorId}``."""

from __future__ import annotations

from csms_handler.budgets import check_connector_id, check_evse_id
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def status_notification(request: Payload, context: CallContext) -> Reply:
    # Ids above the configured maxima would each add keys to the shadow: PropertyConstraintViolation.
    check_evse_id(request["evseId"], context.limits)
    check_connector_id(request["connectorId"], context.limits)
    connector = {"status": request["connectorStatus"], "timestamp": request["timestamp"]}
    reported = {"evses": {str(request["evseId"]): {"connectors": {str(request["connectorId"]): connector}}}}
    return Reply({}, [ShadowUpdate(reported)])
