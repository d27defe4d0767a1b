"""The event contract: event types, event ids and their order (ids are Redis stream ids)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    """Everything the system records, as an event type (a bounded set: also a metric label)."""

    STATION_CONNECTED = "station.connected"
    STATION_DISCONNECTED = "station.disconnected"
    STATION_BOOTED = "station.booted"
    CONNECTOR_STATUS_CHANGED = "connector.status_changed"
    TRANSACTION_STARTED = "transaction.started"
    TRANSACTION_UPDATED = "transaction.updated"
    TRANSACTION_ENDED = "transaction.ended"
    COMMAND_SENT = "command.sent"
    COMMAND_ANSWERED = "command.answered"
    COMMAND_FAILED = "command.failed"
    COMMAND_TIMED_OUT = "command.timed_out"
    SECURITY_EVENT = "security.event"
    EV_CHARGING_NEEDS = "ev.charging_needs"
    EV_CHARGING_SCHEDULE = "ev.charging_schedule"
    """ISO 15118 NotifyEVChargingSchedule: the EV's own plan caps its share."""
    CHARGING_LIMIT_CHANGED = "charging.limit_changed"
    """ISO 15118 NotifyEVChargingNeeds: the allocator answers it with a profile."""
    REGISTRATION_CHANGED = "registration.changed"
    SESSION_COMPLETED = "session.completed"
    CAMPAIGN_PROGRESS = "campaign.progress"
    DESIRED_IN_SYNC = "desired.in_sync"
    """A firmware campaign's station finished, a batch started, or its state changed."""
    """Reserved for billing sessions (a later issue appends it through ``EventLog.append``)."""


EVENT_TYPES = frozenset(event_type.value for event_type in EventType)

MAX_TYPES_PER_FILTER = 32
"""A webhook's or query's ``types`` list is at most this long (there are fewer types than that)."""

_EVENT_ID = re.compile(r"^(0|[1-9][0-9]{0,19})(?:-(0|[1-9][0-9]{0,19}))?$")
_MAX_PART = 2**64 - 1


class InvalidEventId(ValueError):
    """Not an event id: ``<milliseconds>-<sequence>`` (a Redis stream id)."""


def parse_event_id(value: str) -> tuple[int, int]:
    """``"1701600000000-3"`` → ``(1701600000000, 3)``; a bare number means sequence 0."""
    match = _EVENT_ID.match(value)
    if match is None:
        raise InvalidEventId(f"not an event id: {value[:60]!r} (expected <milliseconds>-<sequence>)")
    milliseconds, sequence = int(match.group(1)), int(match.group(2) or 0)
    if milliseconds > _MAX_PART or sequence > _MAX_PART:
        raise InvalidEventId(f"event id out of range: {value[:60]!r}")
    return milliseconds, sequence


def format_event_id(parts: tuple[int, int]) -> str:
    return f"{parts[0]}-{parts[1]}"


def event_types_filter(value: Any) -> tuple[str, ...]:
    """A ``types`` list: known event types, at most :data:`MAX_TYPES_PER_FILTER`, none repeated."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("types must be a list of event type names")
    if len(value) > MAX_TYPES_PER_FILTER:
        raise ValueError(f"types may name at most {MAX_TYPES_PER_FILTER} event types")
    unknown = sorted(set(value) - EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)[:200]}")
    return tuple(dict.fromkeys(value))


def matches(event: dict[str, Any], types: tuple[str, ...], station_id: str | None) -> bool:
    """Whether an event passes a filter (no types: every type; no station: every station)."""
    if types and event.get("type") not in types:
        return False
    return station_id is None or event.get("chargePointId") == station_id
