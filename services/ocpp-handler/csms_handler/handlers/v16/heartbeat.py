"""Heartbeat: answer with the current time and record when the station was last heard."""

from __future__ import annotations

from csms_common.ocpp.types.v16 import HeartbeatRequest, HeartbeatResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def heartbeat(request: HeartbeatRequest, context: CallContext) -> Reply[HeartbeatResponse]:
    reply: HeartbeatResponse = {"currentTime": context.now_iso}
    return Reply(reply, [ShadowUpdate({"lastHeartbeat": context.now_iso})])
