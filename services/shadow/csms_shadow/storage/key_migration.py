"""Renames keys written before the hash-tagged names (docs/redis-keys.md) to the names of today.

Before Redis Cluster support a station's keys were ``csms:shadow:CP1`` and cross-station data
``csms:stations``; now they are ``csms:shadow:{CP1}`` and ``csms:{csms}:stations``. A deployment
upgraded over old data would otherwise start with an empty registry. At start, before serving, the
shadow service renames what it finds (standalone and Sentinel: a cluster deployment is new and
RENAME cannot cross slots) and then sets a marker so later starts skip the SCAN.

What is not renamed: applied client tokens and transaction-id allocations (``applied:``,
``allocated:``): both expire within ``SHADOW_DUPLICATE_WINDOW`` / the command TTL, and their old names
cannot be split into station id and suffix when the id holds ``:``. A key that looks new already is
left alone; so is an old key whose new name exists (RENAMENX), which is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from csms_shadow.storage.keys import SHARED_TAG, Keys, shared_prefix, station_tag

logger = logging.getLogger(__name__)

STATION_KINDS = (
    "station",
    "shadow",
    "presence",
    "reconcile",
    "transactions",
    "transaction-order",
    "open-transactions",
    "charging-profiles",
)
"""Per-station key kinds: ``<prefix><kind>:<station id>`` became ``<prefix><kind>:{<tag>}``."""

EXPIRING_KINDS = ("applied", "allocated")
"""Per-station keys with a suffix and a time to live: left to expire under their old names."""

LAYOUT = "2"
"""What ``Keys.key_layout`` holds once the data is in today's (hash-tagged) layout."""


@dataclass
class MigrationReport:
    """What one pass did."""

    renamed: int = 0
    kept_new: int = 0
    """Old keys whose new name already existed (left in place; RENAMENX refuses to overwrite)."""
    skipped: bool = False
    """True when the marker said the data is already in today's layout."""


def new_name(prefix: str, key: str) -> str | None:
    """Today's name for an old-layout ``key``, or None when it is already new or left to expire."""
    if not key.startswith(prefix):
        return None
    rest = key[len(prefix) :]
    if rest.startswith(SHARED_TAG):
        return None
    kind, separator, station_id = rest.partition(":")
    if kind in EXPIRING_KINDS:
        return None
    if separator and kind in STATION_KINDS:
        if station_id.startswith("{"):
            return None  # today's tag (an old id starting with '{' cannot be told apart: kept)
        return f"{prefix}{kind}:{station_tag(station_id)}"
    return f"{shared_prefix(prefix)}{rest}"


async def migrate_key_layout(redis: Redis, prefix: str, scan_count: int = 1000) -> MigrationReport:
    """Rename every old-layout key under ``prefix`` once; idempotent and safe to run by several
    replicas at once (a key another replica renamed first is simply gone)."""
    marker = Keys(prefix).key_layout
    report = MigrationReport()
    if await redis.get(marker) is not None:
        report.skipped = True
        return report
    pattern = _glob_escaped(prefix) + "*"
    async for raw in redis.scan_iter(match=pattern, count=scan_count):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        target = new_name(prefix, key)
        if target is None or target == key:
            continue
        try:
            renamed = await redis.renamenx(key, target)
        except ResponseError:
            continue  # gone meanwhile: another replica renamed it
        if renamed:
            report.renamed += 1
        else:
            report.kept_new += 1
            logger.warning("old key kept: its new name exists", extra={"key": key, "new_key": target})
    await redis.set(marker, LAYOUT)
    return report


def _glob_escaped(text: str) -> str:
    """``text`` matched literally in a Redis MATCH pattern."""
    return "".join(f"\\{character}" if character in "*?[]" else character for character in text)
