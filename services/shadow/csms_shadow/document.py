"""Pure reducers over AWS IoT shadow documents: ``(shadow, reported update, time) → shadow``.

The document shape is AWS IoT's::

    {"state": {"reported": {...}},
     "metadata": {"reported": {...same keys, each leaf {"timestamp": epoch}}},
     "version": 3, "timestamp": 1701424800}

Merging follows AWS: objects merge key by key, a ``null`` deletes the key, any
other value (arrays included) replaces what was there.
"""

from __future__ import annotations

import copy
from typing import Any

from csms_common.json_limits import SHADOW_MAX_NESTING, nesting_depth_exceeds

JsonObject = dict[str, Any]


class InvalidShadowUpdate(ValueError):
    """The update is not ``{"state": {"reported": {...}}}``."""


def empty_shadow(now: int) -> JsonObject:
    """The shadow a station gets when it is registered: nothing reported yet, version 1."""
    return {"state": {"reported": {}}, "metadata": {"reported": {}}, "version": 1, "timestamp": now}


def reported_of(update: Any) -> JsonObject:
    """Return the ``state.reported`` object of an update document, or raise InvalidShadowUpdate."""
    if not isinstance(update, dict):
        raise InvalidShadowUpdate("update must be a JSON object")
    state = update.get("state")
    if not isinstance(state, dict):
        raise InvalidShadowUpdate("update must have a 'state' object")
    unknown = set(state) - {"reported"}
    if unknown:
        raise InvalidShadowUpdate(f"only 'reported' state is supported, got {sorted(unknown)}")
    reported = state.get("reported")
    if not isinstance(reported, dict):
        raise InvalidShadowUpdate("update must have a 'state.reported' object")
    if nesting_depth_exceeds(reported, SHADOW_MAX_NESTING):
        raise InvalidShadowUpdate(f"update nests deeper than {SHADOW_MAX_NESTING} levels")
    return reported


def _merge(target: JsonObject, metadata: JsonObject, patch: JsonObject, now: int, copy_values: bool) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
            metadata.pop(key, None)
        elif isinstance(value, dict):
            child = target.get(key)
            child_metadata = metadata.get(key)
            # A leaf becoming an object starts fresh metadata; an object keeps its children's.
            if not isinstance(child, dict):
                child = {}
                target[key] = child
                child_metadata = None
            if not isinstance(child_metadata, dict):
                child_metadata = {}
                metadata[key] = child_metadata
            _merge(child, child_metadata, value, now, copy_values)
        else:
            target[key] = copy.deepcopy(value) if copy_values else value
            metadata[key] = {"timestamp": now}


def merge_reported(
    shadow: JsonObject, reported: JsonObject, now: int, *, in_place: bool = False
) -> JsonObject:
    """Return a new shadow with ``reported`` merged in, ``version`` + 1 and ``timestamp`` = now.

    ``in_place`` merges into ``shadow`` itself and shares ``reported``'s values instead of copying
    them: for callers that own both, freshly decoded (the store, on every update), not for others.
    """
    merged = shadow if in_place else copy.deepcopy(shadow)
    state = merged.setdefault("state", {}).setdefault("reported", {})
    metadata = merged.setdefault("metadata", {}).setdefault("reported", {})
    _merge(state, metadata, reported, now, copy_values=not in_place)
    merged["version"] = int(merged.get("version", 0)) + 1
    merged["timestamp"] = now
    return merged


def _shows(transaction: Any, transaction_id: str) -> bool:
    return isinstance(transaction, dict) and str(transaction.get("transactionId")) == transaction_id


def active_transaction_removal(reported: JsonObject, transaction_id: str) -> JsonObject:
    """The reported patch that removes ``transaction_id`` wherever it is shown as active (or {})."""
    patch: JsonObject = {}
    if _shows(reported.get("activeTransaction"), transaction_id):
        patch["activeTransaction"] = None
    evses = reported.get("evses")
    if isinstance(evses, dict):
        cleared = {
            evse_id: {"activeTransaction": None}
            for evse_id, evse in evses.items()
            if isinstance(evse, dict) and _shows(evse.get("activeTransaction"), transaction_id)
        }
        if cleared:
            patch["evses"] = cleared
    return patch
