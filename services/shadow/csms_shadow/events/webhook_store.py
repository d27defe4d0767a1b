"""Webhooks in Redis: their settings, cursor, delivery log, dead letters and redelivery queue.

Only the notifier sees secrets (through ``csms/notifier/...``); API answers never carry one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from csms_common import fast_json
from csms_common.clock import utc_now_iso
from csms_common.events import event_types_filter, format_event_id, parse_event_id
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.keys import Keys

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
MAX_URL_LENGTH = 2048


class WebhookLimit(ValueError):
    """The deployment already has the most webhooks it may (409)."""


@dataclass(frozen=True)
class WebhookBounds:
    max_webhooks: int
    log_length: int
    """Delivery attempts kept per webhook (the newest)."""
    max_dead_letters: int
    """Dead letters kept per webhook (the newest); also the most queued redeliveries."""


def new_webhook(body: JsonObject, created_at: str) -> tuple[JsonObject, str | None]:
    """Validate a creation request (pure); returns the record and the secret if one was generated."""
    url = body.get("url")
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise ValueError(f"url must be a string of 1 to {MAX_URL_LENGTH} characters")
    types = event_types_filter(body.get("types"))
    secret = body.get("secret")
    generated = None
    if secret is None:
        secret = generated = secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise ValueError(f"secret must be a string of {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters")
    if not secret.isprintable():
        raise ValueError("secret must not contain control characters")
    record = {
        "id": f"wh_{secrets.token_hex(8)}",
        "url": url,
        "types": list(types),
        "secret": secret,
        "createdAt": created_at,
    }
    return record, generated


def public(record: JsonObject) -> JsonObject:
    """A webhook as the API shows it: everything but the secret."""
    return {key: value for key, value in record.items() if key != "secret"}


def later(first: str, second: str) -> str:
    """The later of two event ids."""
    return first if parse_event_id(first) >= parse_event_id(second) else second


class WebhookStore:
    def __init__(self, redis: Redis, prefix: str, bounds: WebhookBounds) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._bounds = bounds

    async def create(self, record: JsonObject, cursor: str, now: float) -> None:
        """Store a new webhook starting after event ``cursor``; WebhookLimit when full."""
        if await self._redis.zcard(self._keys.webhook_index) >= self._bounds.max_webhooks:
            raise WebhookLimit(f"this deployment already has {self._bounds.max_webhooks} webhooks")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.webhook(record["id"]), fast_json.dumps(record))
            pipe.set(self._keys.webhook_cursor(record["id"]), cursor)
            pipe.zadd(self._keys.webhook_index, {record["id"]: now})
            await pipe.execute()

    async def get(self, webhook_id: str) -> JsonObject | None:
        raw = await self._redis.get(self._keys.webhook(webhook_id))
        if raw is None:
            return None
        record = dict(fast_json.loads(raw))
        record["cursor"] = _text(await self._redis.get(self._keys.webhook_cursor(webhook_id)) or "0-0")
        record["deadLetters"] = int(await self._redis.zcard(self._keys.webhook_dead(webhook_id)))
        return record

    async def all(self) -> list[JsonObject]:
        ids = [_text(member) for member in await self._redis.zrange(self._keys.webhook_index, 0, -1)]
        records = [await self.get(webhook_id) for webhook_id in ids]
        return [record for record in records if record is not None]

    async def delete(self, webhook_id: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*self._keys.webhook_all(webhook_id))
            pipe.zrem(self._keys.webhook_index, webhook_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def cursor(self, webhook_id: str) -> str:
        return _text(await self._redis.get(self._keys.webhook_cursor(webhook_id)) or "0-0")

    async def advance(self, webhook_id: str, event_id: str) -> None:
        """Move the cursor forward to ``event_id`` (never back; only the notifier moves it)."""
        if not await self._redis.exists(self._keys.webhook(webhook_id)):
            return
        current = await self.cursor(webhook_id)
        await self._redis.set(self._keys.webhook_cursor(webhook_id), later(current, event_id))

    async def log_attempt(self, webhook_id: str, entry: JsonObject) -> None:
        key = self._keys.webhook_log(webhook_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, fast_json.dumps(entry))
            pipe.ltrim(key, 0, self._bounds.log_length - 1)
            await pipe.execute()

    async def dead_letter(self, webhook_id: str, entry: JsonObject, now: float) -> None:
        key = self._keys.webhook_dead(webhook_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {fast_json.dumps(entry): now})
            pipe.zremrangebyrank(key, 0, -self._bounds.max_dead_letters - 1)
            await pipe.execute()

    async def clear_dead_letter(self, webhook_id: str, event_id: str) -> None:
        for raw in await self._redis.zrange(self._keys.webhook_dead(webhook_id), 0, -1):
            raw = cast(bytes, raw)
            if fast_json.loads(raw).get("eventId") == event_id:
                await self._redis.zrem(self._keys.webhook_dead(webhook_id), raw)

    async def deliveries(self, webhook_id: str) -> tuple[list[JsonObject], list[JsonObject]]:
        """(delivery log, newest first; dead letters, newest first)."""
        log = await self._redis.lrange(self._keys.webhook_log(webhook_id), 0, -1)
        dead = await self._redis.zrange(self._keys.webhook_dead(webhook_id), 0, -1, desc=True)
        return (
            [fast_json.loads(cast(bytes, raw)) for raw in log],
            [fast_json.loads(cast(bytes, raw)) for raw in dead],
        )

    async def queue_redeliveries(self, webhook_id: str, event_ids: list[str]) -> int:
        key = self._keys.webhook_redeliver(webhook_id)
        queued = await self._redis.llen(key)
        room = max(0, self._bounds.max_dead_letters - int(queued))
        accepted = event_ids[:room]
        if accepted:
            await self._redis.rpush(key, *accepted)
        return len(accepted)

    async def redeliveries(self, webhook_id: str, limit: int) -> list[str]:
        raws = await self._redis.lrange(self._keys.webhook_redeliver(webhook_id), 0, limit - 1)
        return [_text(raw) for raw in raws]

    async def redelivered(self, webhook_id: str, event_id: str) -> None:
        await self._redis.lrem(self._keys.webhook_redeliver(webhook_id), 1, event_id)


def attempt_entry(body: JsonObject) -> JsonObject:
    """The delivery log's record of one attempt, from the notifier's report (only known fields)."""
    entry: JsonObject = {"time": utc_now_iso()}
    for key in (
        "eventId",
        "eventType",
        "attempt",
        "outcome",
        "failure",
        "status",
        "error",
        "durationMs",
        "redelivery",
    ):
        value: Any = body.get(key)
        if value is not None:
            entry[key] = str(value)[:300] if key == "error" else value
    if "eventId" in entry:
        entry["eventId"] = format_event_id(parse_event_id(str(entry["eventId"])))
    return entry


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
