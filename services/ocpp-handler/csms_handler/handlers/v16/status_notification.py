"""StatusNotification: record a connector's status, or the whole charge point's for connector 0.

A 1.6 connector N is shown as 2.x EVSE N with one connector,
``evses.{N}.connectors.1``; connector 0 (the charge point itself) goes to
``chargePointStatus``. Optional fields the station left out are reported as
null, which deletes an earlier status's (the shadow merges objects key by key):
a recovered connector must not keep the fault's info or vendor codes. The
object is written in one update, so each call stays one publish.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import StatusNotificationRequest, StatusNotificationResponse
from csms_handler.budgets import check_evse_id
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate

CONNECTOR_OF_EVSE = "1"
"""The one connector of the EVSE that a 1.6 connector is shown as."""


def status_notification(
    notification: StatusNotificationRequest, context: CallContext
) -> Reply[StatusNotificationResponse]:
    status: dict[str, Any] = {
        "status": notification["status"],
        "errorCode": notification["errorCode"],
        "timestamp": notification.get("timestamp"),
        "info": notification.get("info"),
        "vendorErrorCode": notification.get("vendorErrorCode"),
        "vendorId": notification.get("vendorId"),
    }
    connector_id = notification["connectorId"]
    check_evse_id(connector_id, context.limits)
    reported: Payload
    if connector_id == 0:
        reported = {"chargePointStatus": status}
    else:
        reported = {"evses": {str(connector_id): {"connectors": {CONNECTOR_OF_EVSE: status}}}}
    reply: StatusNotificationResponse = {}
    return Reply(reply, [ShadowUpdate(reported)])
