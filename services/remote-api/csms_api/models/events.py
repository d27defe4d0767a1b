"""The event log, its live stream and the audit log: ``/events``, ``/events/stream``, ``/audit``."""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import EventId, JsonObject, StationId
from csms_common.events import EventType

After = Annotated[
    EventId, Field(description="Only what came after this id (400 from the future, 410 expired)")
]
Limit = Annotated[int, Field(ge=1, le=1000, description="Page size [100]")]
Types = Annotated[str, Field(description="Event types, comma-separated or repeated")]
OfStation = Annotated[StationId, Field(description="Only this station's events")]


class Event(TypedDict):
    """One recorded change; ids are ``<milliseconds>-<sequence>`` and increase."""

    id: str
    type: EventType
    time: str
    chargePointId: str | None
    payload: JsonObject


class EventPage(TypedDict):
    """A page of events, oldest first; ``next`` is the id to ask after next time."""

    events: list[Event]
    next: str


class EventQuery(TypedDict, total=False):
    after: After
    limit: Limit
    type: Types
    chargePointId: OfStation


class StreamQuery(TypedDict, total=False):
    after: After
    type: Types
    chargePointId: OfStation


StreamHeaders = TypedDict("StreamHeaders", {"Last-Event-ID": NotRequired[EventId]})


class StreamFrame(TypedDict, total=False):
    """One SSE event: an event from the log (data: its JSON), ``end`` (data: reason, next) or ``error``."""

    id: str
    event: str
    data: str
    retry: int


class AuditQuery(TypedDict, total=False):
    after: After
    limit: Limit


class AuditPage(TypedDict):
    """Audit records (token, scope, route, target, result, time), oldest first."""

    records: list[JsonObject]
    next: str
