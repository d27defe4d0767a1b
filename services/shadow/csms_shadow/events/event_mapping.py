"""What each recorded change means as events (pure): presence, shadow updates, records, registry.

Each function returns ``(type, payload)`` pairs; the service appends them to the
event log with the station and the time, after the change itself is written.
"""

from __future__ import annotations

from typing import Any

from csms_common.events import EventType
from csms_common.topics import PresenceEvent, RegistryMethod
from csms_shadow.documents.document import JsonObject

EventDraft = tuple[EventType, JsonObject]

COMMAND_EVENT_TYPES = {
    "sent": EventType.COMMAND_SENT,
    "answered": EventType.COMMAND_ANSWERED,
    "error": EventType.COMMAND_FAILED,
    "rejected": EventType.COMMAND_FAILED,
    "closed": EventType.COMMAND_FAILED,
    "timeout": EventType.COMMAND_TIMED_OUT,
}
REGISTRY_CHANGES = {
    RegistryMethod.CREATE: "registered",
    RegistryMethod.UPDATE: "updated",
    RegistryMethod.DELETE: "deleted",
}
PRESENCE_FIELDS = ("sessionId", "gatewayInstance", "protocol", "time", "closeCode")
STATION_FIELDS = ("registrationStatus", "securityProfile", "deleted")


def presence_events(event: PresenceEvent, presence: JsonObject) -> list[EventDraft]:
    event_type = (
        EventType.STATION_CONNECTED if event is PresenceEvent.CONNECTED else EventType.STATION_DISCONNECTED
    )
    return [(event_type, {key: presence[key] for key in PRESENCE_FIELDS if presence.get(key) is not None})]


def shadow_update_events(reported: JsonObject) -> list[EventDraft]:
    """Boots, connector statuses, EV charging needs, external charging limits and security events in a
    reported-state patch; others are silent."""
    drafts: list[EventDraft] = []
    if "bootedAt" in reported:
        drafts.append(
            (
                EventType.STATION_BOOTED,
                {
                    key: reported[key]
                    for key in ("chargingStation", "bootReason", "registrationStatus", "bootedAt")
                    if reported.get(key) is not None
                },
            )
        )
    status = reported.get("chargePointStatus")
    if isinstance(status, dict) and status.get("status") is not None:
        drafts.append((EventType.CONNECTOR_STATUS_CHANGED, _connector_payload(None, 0, status)))
    evses = reported.get("evses")
    if isinstance(evses, dict):
        for evse_id, evse in evses.items():
            connectors = evse.get("connectors") if isinstance(evse, dict) else None
            if not isinstance(connectors, dict):
                continue
            for connector_id, connector in connectors.items():
                if isinstance(connector, dict) and connector.get("status") is not None:
                    drafts.append(
                        (
                            EventType.CONNECTOR_STATUS_CHANGED,
                            _connector_payload(_number(evse_id), _number(connector_id), connector),
                        )
                    )
    needs = reported.get("evChargingNeeds")
    if isinstance(needs, dict):
        for evse_id, evse_needs in needs.items():
            if isinstance(evse_needs, dict):
                payload = {key: value for key, value in evse_needs.items() if value is not None}
                drafts.append((EventType.EV_CHARGING_NEEDS, {"evseId": _number(evse_id), **payload}))
    schedules = reported.get("evChargingSchedule")
    if isinstance(schedules, dict):
        for evse_id, schedule in schedules.items():
            if isinstance(schedule, dict):
                drafts.append(
                    (
                        EventType.EV_CHARGING_SCHEDULE,
                        {
                            "evseId": _number(evse_id),
                            "timeBase": schedule.get("timeBase"),
                            "periods": len(schedule.get("periods") or []),
                        },
                    )
                )
    if "chargingLimit" in reported:
        # NotifyChargingLimit sets it, ClearedChargingLimit removes it (null): smart charging re-allocates.
        limit = reported["chargingLimit"]
        limit_payload: JsonObject = (
            {key: value for key, value in limit.items() if value is not None}
            if isinstance(limit, dict)
            else {"cleared": True}
        )
        drafts.append((EventType.CHARGING_LIMIT_CHANGED, limit_payload))
    security = reported.get("lastSecurityEvent")
    if isinstance(security, dict):
        drafts.append(
            (EventType.SECURITY_EVENT, {key: value for key, value in security.items() if value is not None})
        )
    return drafts


def transaction_events(body: JsonObject) -> list[EventDraft]:
    """A transaction record change: started, updated (meter values, state) or ended."""
    fields: JsonObject = dict(body.get("fields") or {})
    if body.get("ended"):
        event_type = EventType.TRANSACTION_ENDED
    elif fields.get("status") == "Started":
        event_type = EventType.TRANSACTION_STARTED
    else:
        event_type = EventType.TRANSACTION_UPDATED
    payload: JsonObject = {"transactionId": str(body["transactionId"]), **fields}
    event = body.get("event")
    if isinstance(event, dict) and "seqNo" in event:
        payload["seqNo"] = event["seqNo"]
    return [(event_type, payload)]


def command_events(body: JsonObject) -> list[EventDraft]:
    event_type = COMMAND_EVENT_TYPES.get(str(body.get("state")))
    if event_type is None:
        return []
    return [(event_type, dict(body))]


def registry_events(method: RegistryMethod, status: int, answer: JsonObject) -> list[EventDraft]:
    """A registration made, changed or removed through the API (successful requests only)."""
    change = REGISTRY_CHANGES.get(method)
    if change is None or status not in (200, 201):
        return []
    payload: JsonObject = {"change": change}
    payload.update({key: answer[key] for key in STATION_FIELDS if key in answer})
    return [(EventType.REGISTRATION_CHANGED, payload)]


def _connector_payload(evse_id: int | str | None, connector_id: int | str, status: JsonObject) -> JsonObject:
    payload: JsonObject = {"connectorId": connector_id, "status": status["status"]}
    if evse_id is not None:
        payload["evseId"] = evse_id
    payload.update({key: value for key, value in status.items() if key != "status" and value is not None})
    return payload


def _number(text: Any) -> int | str:
    return int(text) if isinstance(text, str) and text.isdigit() else str(text)
