"""How much one station may make the shadow service store: budgets and their pure checks.

The handler already keeps what a call reports small (csms_handler.budgets); these limits are
the shadow service's own, whatever an update holds: a document's size and key count, the
entries of maps keyed by ids the station chooses, a transaction record's size and event log.
See docs/budgets-storage.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from csms_shadow.documents.document import JsonObject


class BudgetReason:
    """Label values of ``csms_shadow_budget_rejections_total{reason}`` (a closed set)."""

    DOCUMENT_BYTES = "document_bytes"
    DOCUMENT_KEYS = "document_keys"
    MAP_ENTRIES = "map_entries"
    UNKNOWN_TRANSACTION = "unknown_transaction"
    OPEN_TRANSACTIONS = "open_transactions"
    TRANSACTION_EVICTED = "transaction_evicted"
    TRANSACTION_EVENTS = "transaction_events"
    RECORD_BYTES = "record_bytes"
    COMMAND_OWNER = "command_owner"


DEFAULT_MAP_CAPS: Mapping[str, int] = MappingProxyType(
    {"reservations": 32, "configuration": 512, "chargingProfiles": 16}
)
"""Top-level maps of the reported state keyed by ids the station picks, and how many entries each
keeps (the oldest, by their metadata timestamps, make room for new ones; an entry whose key is in
the same map of ``state.desired`` is never evicted, so a NotifyReport flood cannot push a managed
configuration key out of sync)."""


@dataclass(frozen=True)
class DocumentBudget:
    """Budgets of one station's shadow document (SHADOW_MAX_DOCUMENT_* settings)."""

    max_bytes: int = 131072
    """Encoded size of the whole document (reported state and metadata)."""
    max_keys: int = 8192
    """Keys in the reported state, counted through every level."""
    map_caps: Mapping[str, int] = field(default_factory=lambda: DEFAULT_MAP_CAPS)


@dataclass(frozen=True)
class RecordBudget:
    """Budgets of one station's transaction records (SHADOW_MAX_* settings)."""

    max_records: int = 200
    """Records kept per station; the oldest (by creation) make room for new ones."""
    max_open: int = 32
    """Records not yet Ended per station; a new one beyond it is not recorded."""
    max_events: int = 64
    """Entries in one record's ``events`` log: the first and the newest are kept."""
    max_record_bytes: int = 16384
    ttl_seconds: int = 90 * 24 * 3600
    """A station's records expire this long after their last change."""


def count_keys(value: Any) -> int:
    """Keys of every object in ``value``, counted without recursion."""
    count = 0
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            count += len(current)
            stack.extend(child for child in current.values() if isinstance(child, dict | list))
        elif isinstance(current, list):
            stack.extend(child for child in current if isinstance(child, dict | list))
    return count


def _newest_timestamp(metadata: Any) -> int:
    """The latest timestamp among an entry's metadata leaves (0 when it has none)."""
    newest = 0
    stack = [metadata]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        stamp = current.get("timestamp")
        if isinstance(stamp, int):
            newest = max(newest, stamp)
        stack.extend(child for key, child in current.items() if key != "timestamp")
    return newest


def trim_capped_maps(shadow: JsonObject, budget: DocumentBudget) -> int:
    """Evict the least recently updated entries of each capped map beyond its cap, in place; return
    how many were evicted."""
    reported = shadow.get("state", {}).get("reported", {})
    desired = shadow.get("state", {}).get("desired") or {}
    metadata = shadow.get("metadata", {}).get("reported", {})
    evicted = 0
    for name, cap in budget.map_caps.items():
        entries = reported.get(name)
        if not isinstance(entries, dict) or len(entries) <= cap:
            continue
        wanted = desired.get(name)
        if not isinstance(wanted, dict):
            wanted = {}
        entry_metadata = metadata.get(name) if isinstance(metadata.get(name), dict) else {}
        by_age = sorted(
            (key for key in entries if key not in wanted),
            key=lambda key: (_newest_timestamp(entry_metadata.get(key)), key),
        )
        for key in by_age[: len(entries) - cap]:
            entries.pop(key, None)
            entry_metadata.pop(key, None)
            evicted += 1
    return evicted


def document_problem(encoded_size: int, keys: int, previous_size: int, budget: DocumentBudget) -> str | None:
    """The budget reason an encoded document breaks, or None.

    A document already above the budget (written before it was lowered) may still take updates
    that do not make it larger, so a station's ``lastSeen`` keeps moving; nothing may make it grow.
    """
    if encoded_size > budget.max_bytes and encoded_size > previous_size:
        return BudgetReason.DOCUMENT_BYTES
    if keys > budget.max_keys and encoded_size > previous_size:
        return BudgetReason.DOCUMENT_KEYS
    return None


def trim_events(record: JsonObject, max_events: int) -> int:
    """Keep the first and the newest ``max_events - 1`` entries of a record's ``events`` log (in
    seqNo order), counting the others in ``eventsDropped``; return how many were dropped now."""
    events = record.get("events")
    if not isinstance(events, list) or len(events) <= max_events:
        return 0
    excess = len(events) - max_events
    record["events"] = [events[0], *events[1 + excess :]]
    record["eventsDropped"] = int(record.get("eventsDropped", 0)) + excess
    return excess
