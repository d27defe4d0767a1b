"""Answers about events, the audit log and webhooks: for remote-api (``csms/shadow/events/...``) and for
the notifier (``csms/notifier/...``). Each answer is ``(status, body)`` as in registry.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from csms_common.clock import utc_now_iso
from csms_common.events import InvalidEventId, event_types_filter, format_event_id, parse_event_id
from csms_common.station_id import validate_station_id
from csms_common.topics import NotifierMethod, RegistryMethod
from csms_shadow.documents.document import JsonObject
from csms_shadow.events.events import EventLog
from csms_shadow.events.stream_log import MAX_PAGE, ExpiredId, FutureId, StreamLog
from csms_shadow.events.webhook_store import WebhookLimit, WebhookStore, attempt_entry, new_webhook, public

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
Handler = Callable[[JsonObject], Awaitable[Answer]]
MAX_REDELIVER_IDS = 1000
DELIVERY_OUTCOMES = ("delivered", "failed", "timeout", "refused", "dead")


def _limit(body: JsonObject, default: int = 100) -> int:
    value = body.get("limit", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE:
        raise ValueError(f"limit must be an integer from 1 to {MAX_PAGE}")
    return value


def _after(body: JsonObject) -> str | None:
    value = body.get("after")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("after must be an event id string")
    try:
        return format_event_id(parse_event_id(value))
    except InvalidEventId as error:
        raise ValueError(str(error)) from error


def _webhook_id(body: JsonObject) -> str:
    value = body.get("webhookId")
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ValueError("webhookId must be a string of 1 to 64 characters")
    return value


class EventRequests:
    """The handlers, by method."""

    def __init__(self, events: EventLog, audit: StreamLog, webhooks: WebhookStore) -> None:
        self._events = events
        self._audit = audit
        self._webhooks = webhooks

    def registry_methods(self) -> dict[RegistryMethod, Handler]:
        return {
            RegistryMethod.EVENTS: self.events,
            RegistryMethod.AUDIT: self.audit,
            RegistryMethod.WEBHOOK_CREATE: self.webhook_create,
            RegistryMethod.WEBHOOK_LIST: self.webhook_list,
            RegistryMethod.WEBHOOK_GET: self.webhook_get,
            RegistryMethod.WEBHOOK_DELETE: self.webhook_delete,
            RegistryMethod.WEBHOOK_DELIVERIES: self.webhook_deliveries,
            RegistryMethod.WEBHOOK_REDELIVER: self.webhook_redeliver,
        }

    def notifier_methods(self) -> dict[NotifierMethod, Handler]:
        return {
            NotifierMethod.WEBHOOKS: self.notifier_webhooks,
            NotifierMethod.PULL: self.pull,
            NotifierMethod.ATTEMPT: self.attempt,
        }

    # -------------------------------------------------------------- events, audit

    async def events(self, body: JsonObject) -> Answer:
        if body.get("tail"):
            return 200, {"events": [], "next": await self._events.last_id()}
        station = body.get("chargePointId")
        station_id = validate_station_id(station) if station is not None else None
        types = event_types_filter(body.get("types"))
        try:
            page = await self._events.page(_after(body), _limit(body), types, station_id)
        except FutureId as error:
            return 400, {"error": str(error)}
        except ExpiredId as error:
            return 410, {"error": str(error)}
        return 200, {"events": page.entries, "next": page.next}

    async def audit(self, body: JsonObject) -> Answer:
        try:
            page = await self._audit.page(_after(body), _limit(body))
        except FutureId as error:
            return 400, {"error": str(error)}
        except ExpiredId as error:
            return 410, {"error": str(error)}
        return 200, {"records": page.entries, "next": page.next}

    # ------------------------------------------------------------------ webhooks

    async def webhook_create(self, body: JsonObject) -> Answer:
        record, generated = new_webhook(body, utc_now_iso())
        cursor = await self._events.last_id()
        try:
            await self._webhooks.create(record, cursor, time.time())
        except WebhookLimit as error:
            return 409, {"error": str(error)}
        logger.info("webhook created", extra={"webhook_id": record["id"], "types": record["types"]})
        answer = dict(public(record), cursor=cursor)
        if generated is not None:
            answer["secret"] = generated  # shown once: the caller did not choose one
        return 201, answer

    async def webhook_list(self, body: JsonObject) -> Answer:
        return 200, {"webhooks": [public(record) for record in await self._webhooks.all()]}

    async def webhook_get(self, body: JsonObject) -> Answer:
        record = await self._webhooks.get(_webhook_id(body))
        if record is None:
            return 404, {"error": f"Webhook not found: {body['webhookId']}"}
        return 200, public(record)

    async def webhook_delete(self, body: JsonObject) -> Answer:
        webhook_id = _webhook_id(body)
        if not await self._webhooks.delete(webhook_id):
            return 404, {"error": f"Webhook not found: {webhook_id}"}
        logger.info("webhook deleted", extra={"webhook_id": webhook_id})
        return 200, {"id": webhook_id, "deleted": True}

    async def webhook_deliveries(self, body: JsonObject) -> Answer:
        webhook_id = _webhook_id(body)
        if await self._webhooks.get(webhook_id) is None:
            return 404, {"error": f"Webhook not found: {webhook_id}"}
        log, dead = await self._webhooks.deliveries(webhook_id)
        return 200, {"id": webhook_id, "deliveries": log, "deadLetters": dead}

    async def webhook_redeliver(self, body: JsonObject) -> Answer:
        """Queue events for delivery again: the ids given, or else every dead letter."""
        webhook_id = _webhook_id(body)
        if await self._webhooks.get(webhook_id) is None:
            return 404, {"error": f"Webhook not found: {webhook_id}"}
        requested = body.get("eventIds")
        if requested is None:
            _, dead = await self._webhooks.deliveries(webhook_id)
            requested = [str(entry["eventId"]) for entry in reversed(dead)]
        if not isinstance(requested, list) or not all(isinstance(item, str) for item in requested):
            raise ValueError("eventIds must be a list of event ids")
        if len(requested) > MAX_REDELIVER_IDS:
            raise ValueError(f"at most {MAX_REDELIVER_IDS} eventIds per request")
        event_ids: list[str] = []
        for value in dict.fromkeys(requested):
            try:
                event_id = format_event_id(parse_event_id(value))
            except InvalidEventId as error:
                raise ValueError(str(error)) from error
            if await self._events.get(event_id) is None:
                return 410, {"error": f"event {event_id} is not kept any more (or never existed)"}
            event_ids.append(event_id)
        queued = await self._webhooks.queue_redeliveries(webhook_id, event_ids)
        logger.info("webhook redelivery queued", extra={"webhook_id": webhook_id, "events": queued})
        return 202, {"id": webhook_id, "queued": queued, "refused": len(event_ids) - queued}

    # ------------------------------------------------------------------ notifier

    async def notifier_webhooks(self, body: JsonObject) -> Answer:
        return 200, {"webhooks": await self._webhooks.all()}

    async def pull(self, body: JsonObject) -> Answer:
        """The next events after the webhook's cursor (``ack`` first moves it), and redeliveries."""
        webhook_id = _webhook_id(body)
        record = await self._webhooks.get(webhook_id)
        if record is None:
            return 404, {"error": f"Webhook not found: {webhook_id}"}
        ack = _after({"after": body.get("ack")})
        if ack is not None:
            await self._webhooks.advance(webhook_id, ack)
        cursor = await self._webhooks.cursor(webhook_id)
        limit = _limit(body, 50)
        types = tuple(record.get("types") or ())
        gap = False
        try:
            page = await self._events.page(cursor, limit, types)
        except ExpiredId:
            gap = True  # the webhook was away longer than the retention: go on from the oldest kept
            page = await self._events.page(None, limit, types)
            logger.warning("webhook cursor older than retention", extra={"webhook_id": webhook_id})
        except FutureId:
            # The stream was reset (Redis lost its data): go on from what is there now.
            page = await self._events.page(None, limit, types)
        redeliveries: list[dict[str, Any]] = []
        for event_id in await self._webhooks.redeliveries(webhook_id, limit):
            event = await self._events.get(event_id)
            if event is None:
                await self._webhooks.redelivered(webhook_id, event_id)
            else:
                redeliveries.append(event)
        return 200, {
            "webhook": {key: record[key] for key in ("id", "url", "types", "secret")},
            "events": page.entries,
            "next": page.next,
            "redeliveries": redeliveries,
            "gap": gap,
        }

    async def attempt(self, body: JsonObject) -> Answer:
        """Log one attempt; a final one (delivered or dead) moves the cursor or the redelivery queue."""
        webhook_id = _webhook_id(body)
        outcome = body.get("outcome")
        if outcome not in DELIVERY_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(DELIVERY_OUTCOMES)}")
        entry = attempt_entry(body)
        event_id = str(entry.get("eventId", ""))
        if not event_id:
            raise ValueError("eventId is required")
        if await self._webhooks.get(webhook_id) is None:
            return 404, {"error": f"Webhook not found: {webhook_id}"}
        await self._webhooks.log_attempt(webhook_id, entry)
        final = outcome in ("delivered", "dead")
        if outcome == "dead":
            await self._webhooks.dead_letter(webhook_id, entry, time.time())
        elif outcome == "delivered" and body.get("redelivery"):
            await self._webhooks.clear_dead_letter(webhook_id, event_id)
        if final:
            if body.get("redelivery"):
                await self._webhooks.redelivered(webhook_id, event_id)
            else:
                await self._webhooks.advance(webhook_id, event_id)
        return 200, {"id": webhook_id, "logged": True}
