"""NotifyEvent: acknowledge a batch of monitoring events; record the batch and its last event.

``lastEvent`` keeps only fields every event has (required by the schema), so
merging it into the shadow key by key always replaces the previous event whole:
an optional field of an older event can never linger beside a newer one.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyEventRequest, NotifyEventResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def notify_event(request: NotifyEventRequest, context: CallContext) -> Reply[NotifyEventResponse]:
    events = request["eventData"]
    last = events[-1]
    reported = {
        "lastEvents": {
            "generatedAt": request["generatedAt"],
            "seqNo": request["seqNo"],
            "count": len(events),
        },
        "lastEvent": {
            "eventId": last["eventId"],
            "timestamp": last["timestamp"],
            "trigger": last["trigger"],
            "actualValue": last["actualValue"],
            "eventNotificationType": last["eventNotificationType"],
            "componentName": last["component"]["name"],
            "variableName": last["variable"]["name"],
        },
    }
    return Reply({}, [ShadowUpdate(reported)])
