"""Heartbeat: answer with the current time and record when the station was last heard."""

from __future__ import annotations

from csms_common.ocpp.types import wire
from csms_common.ocpp.types.v201 import HeartbeatResponse
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def heartbeat(request: Payload, context: CallContext) -> Reply:
    reply: HeartbeatResponse = {"currentTime": context.now_iso}
    return Reply(wire(reply), [ShadowUpdate({"lastHeartbeat": context.now_iso})])
