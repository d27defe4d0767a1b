"""Heartbeat: answer with the current time and record when the station was last heard."""

from __future__ import annotations

from ocpp.v16 import call_result

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate, payload_of


def heartbeat(request: Payload, context: CallContext) -> Reply:
    reply = call_result.Heartbeat(current_time=context.now_iso)
    return Reply(payload_of(reply), [ShadowUpdate({"lastHeartbeat": context.now_iso})])
