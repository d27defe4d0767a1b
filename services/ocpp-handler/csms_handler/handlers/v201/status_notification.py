"""StatusNotification: record a connector's status under ``evses.{evseId}.connectors.{connectorId}``."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def status_notification(request: Payload, context: CallContext) -> Reply:
    connector = {"status": request["connectorStatus"], "timestamp": request["timestamp"]}
    reported = {"evses": {str(request["evseId"]): {"connectors": {str(request["connectorId"]): connector}}}}
    return Reply({}, [ShadowUpdate(reported)])
