"""The event log: every recorded change as an event with an id, type, time, station and payload.

``append`` is the one call other parts use (billing's ``session.completed`` too):
``await events.append(EventType.SESSION_COMPLETED, station_id, payload)``.
Appends made while handling an MQTT message pass a de-duplication key derived from
that message, so a redelivery after a crash appends nothing twice and every event
keeps the one id it was given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from csms_common.clock import utc_now_iso
from csms_common.events import EventType, matches
from csms_shadow.documents.document import JsonObject
from csms_shadow.events.event_mapping import EventDraft
from csms_shadow.events.stream_log import Page, StreamLog
from csms_shadow.metrics import EVENTS_APPENDED
from csms_shadow.storage.keys import Keys


def dedup_key_of(prefix: str, topic: str, payload: bytes, token: str | None = None) -> str:
    """A key naming one MQTT message (topic, payload and client token): its redelivery has the same."""
    digest = hashlib.sha256(topic.encode() + b"\0" + payload + b"\0" + (token or "").encode())
    return Keys(prefix).event_source(digest.hexdigest()[:32])


class EventLog:
    """Appends events to the stream and reads them back filtered."""

    def __init__(self, log: StreamLog, on_appended: Callable[[str], None] | None = None) -> None:
        self._log = log
        self.on_appended = on_appended
        """Called with the newest id after each append (the service wakes the notifier)."""
        self.on_events: Callable[[str | None, list[EventDraft]], None] | None = None
        """Called with the station and the events appended (the smart-charging allocator picks its own)."""

    async def append(
        self, event_type: EventType, station_id: str | None, payload: JsonObject, dedup_key: str | None = None
    ) -> list[str]:
        """Append one event; returns its id (empty when ``dedup_key`` was appended before)."""
        return await self.append_drafts(station_id, [(event_type, payload)], dedup_key)

    async def append_drafts(
        self, station_id: str | None, drafts: list[EventDraft], dedup_key: str | None = None
    ) -> list[str]:
        if not drafts:
            return []
        now = utc_now_iso()
        entries: list[JsonObject] = [
            {"type": event_type.value, "time": now, "chargePointId": station_id, "payload": payload}
            for event_type, payload in drafts
        ]
        ids = await self._log.append(entries, dedup_key)
        for event_type, _ in drafts[: len(ids)]:
            EVENTS_APPENDED.labels(event_type.value).inc()
        if ids and self.on_appended is not None:
            self.on_appended(ids[-1])
        if ids and self.on_events is not None:
            self.on_events(station_id, drafts[: len(ids)])
        return ids

    async def page(
        self, after: str | None, limit: int, types: tuple[str, ...] = (), station_id: str | None = None
    ) -> Page:
        def keep(event: dict[str, Any]) -> bool:
            return matches(event, types, station_id)

        page = await self._log.page(after, limit, keep if types or station_id else None)
        return Page([_shaped(event) for event in page.entries], page.next)

    async def get(self, event_id: str) -> JsonObject | None:
        event = await self._log.get(event_id)
        return None if event is None else _shaped(event)

    async def last_id(self) -> str:
        return await self._log.last_id()


def _shaped(event: JsonObject) -> JsonObject:
    """The public shape, id first."""
    return {
        "id": event["id"],
        "type": event.get("type"),
        "time": event.get("time"),
        "chargePointId": event.get("chargePointId"),
        "payload": event.get("payload", {}),
    }
