"""An append-only log in a Redis Stream, kept for a count and an age, read in pages after an id.

The event log and the audit log are both one. Ids are the stream's ids
(``<milliseconds>-<sequence>``), so they are unique, increasing and tell the time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from csms_common import fast_json
from csms_common.events import format_event_id, parse_event_id
from csms_shadow.documents.document import JsonObject
from csms_shadow.storage.scripts import APPEND_ONCE

ENTRY_FIELD = b"e"
MAX_PAGE = 1000
SCAN_CHUNK = 500
MAX_SCANNED_PER_PAGE = 10_000
"""A filtered page reads at most this many entries; ``next`` then says where the scan stopped."""


class FutureId(ValueError):
    """An ``after`` id later than anything appended: 400."""


class ExpiredId(ValueError):
    """An ``after`` id older than the retention: entries after it were already removed (410)."""


@dataclass(frozen=True)
class Page:
    entries: list[JsonObject]
    next: str


@dataclass(frozen=True)
class Retention:
    max_length: int
    max_age_seconds: int


class StreamLog:
    """One stream: append (once per de-duplication key), and read pages after an id."""

    def __init__(self, redis: Redis, key: str, retention: Retention, dedup_ttl_seconds: int) -> None:
        self._redis = redis
        self._key = key
        self._retention = retention
        self._dedup_ttl = dedup_ttl_seconds
        self._append_once = redis.register_script(APPEND_ONCE)

    async def append(self, entries: list[JsonObject], dedup_key: str | None = None) -> list[str]:
        """Append entries (all or none); with ``dedup_key``, only the first time it is given."""
        if not entries:
            return []
        oldest_kept_ms = max(0, int(time.time() * 1000) - self._retention.max_age_seconds * 1000)
        ids = await self._append_once(
            keys=[self._key, dedup_key or self._key],
            args=[
                self._retention.max_length,
                oldest_kept_ms,
                self._dedup_ttl,
                1 if dedup_key else 0,
                *(fast_json.dumps(entry) for entry in entries),
            ],
        )
        return [_text(entry_id) for entry_id in ids]

    async def bounds(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(last id ever appended, newest id removed by retention); (0, 0) for none."""
        try:
            info = await self._redis.xinfo_stream(self._key)
        except ResponseError:
            return (0, 0), (0, 0)  # no stream yet: nothing appended, nothing removed
        last = parse_event_id(_text(info.get("last-generated-id") or "0-0"))
        removed = parse_event_id(_text(info.get("max-deleted-entry-id") or "0-0"))
        return last, removed

    async def page(
        self, after: str | None, limit: int, keep: Any = None, max_scanned: int = MAX_SCANNED_PER_PAGE
    ) -> Page:
        """Entries after ``after`` (None or "0": from the oldest kept) that ``keep(entry)`` accepts.

        Raises FutureId or ExpiredId for an ``after`` that cannot be served. ``next`` is the id
        to ask after next time: the last entry read, whether or not it was kept.
        """
        start = parse_event_id(after) if after else (0, 0)
        last, removed = await self.bounds()
        if start > last:
            raise FutureId(f"event id {format_event_id(start)} is later than the newest event")
        if start != (0, 0) and start < removed:
            raise ExpiredId(
                f"events after {format_event_id(start)} are no longer kept (retention); "
                "start again without 'after'"
            )
        cursor = format_event_id(start)
        kept: list[JsonObject] = []
        scanned = 0
        limit = max(1, min(limit, MAX_PAGE))
        while len(kept) < limit and scanned < max_scanned:
            rows = await self._redis.xrange(self._key, min=f"({cursor}", max="+", count=SCAN_CHUNK)
            if not rows:
                break
            for entry_id, fields in rows:
                scanned += 1
                cursor = _text(entry_id)
                entry = dict(fast_json.loads(cast(dict[bytes, bytes], fields)[ENTRY_FIELD]), id=cursor)
                if keep is None or keep(entry):
                    kept.append(entry)
                    if len(kept) >= limit:
                        break
            if len(rows) < SCAN_CHUNK:
                break
        return Page(kept, cursor)

    async def get(self, entry_id: str) -> JsonObject | None:
        formatted = format_event_id(parse_event_id(entry_id))
        rows = await self._redis.xrange(self._key, min=formatted, max=formatted, count=1)
        if not rows:
            return None
        row_id, fields = rows[0]
        return dict(fast_json.loads(cast(dict[bytes, bytes], fields)[ENTRY_FIELD]), id=_text(row_id))

    async def last_id(self) -> str:
        last, _ = await self.bounds()
        return format_event_id(last)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
