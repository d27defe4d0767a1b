"""Pure reducers over AWS IoT shadow documents: ``(shadow, reported update, time) → shadow``.

The document shape is AWS IoT's::

    {"state": {"reported": {...}},
     "metadata": {"reported": {...same keys, each leaf {"timestamp": epoch}}},
     "version": 3, "timestamp": 1701424800}

Merging follows AWS: objects merge key by key, a ``null`` deletes the key, any
other value (arrays included) replaces what was there. ``state.desired`` (what an operator wants,
docs/fleet.md) merges the same way, with its own ``metadata.desired``; ``state.delta`` is never
stored: it is computed on read (:func:`delta_of`).
"""

from __future__ import annotations

import copy
from typing import Any

from csms_common.json_limits import SHADOW_MAX_NESTING, nesting_depth_exceeds
from csms_shadow.fleet.firmware_plan import FIRMWARE, firmware_installed

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


def desired_of(update: Any) -> JsonObject | None:
    """The ``state.desired`` of an update (``{}`` for ``"desired": null``, which clears it), or None."""
    if not isinstance(update, dict) or not isinstance(update.get("state"), dict):
        return None
    state = update["state"]
    if "desired" not in state:
        return None
    desired = state["desired"]
    if desired is None:
        return {}
    if not isinstance(desired, dict):
        raise InvalidShadowUpdate("'state.desired' must be an object or null")
    if nesting_depth_exceeds(desired, SHADOW_MAX_NESTING):
        raise InvalidShadowUpdate(f"update nests deeper than {SHADOW_MAX_NESTING} levels")
    return desired


def split_update(update: Any) -> tuple[JsonObject | None, JsonObject | None]:
    """``(reported, desired)`` of an update document; either may be None, not both."""
    if not isinstance(update, dict):
        raise InvalidShadowUpdate("update must be a JSON object")
    state = update.get("state")
    if not isinstance(state, dict):
        raise InvalidShadowUpdate("update must have a 'state' object")
    unknown = set(state) - {"reported", "desired"}
    if unknown:
        raise InvalidShadowUpdate(f"only 'reported' and 'desired' state are supported, got {sorted(unknown)}")
    if not state:
        raise InvalidShadowUpdate("update must have a 'state.reported' or 'state.desired' object")
    desired = desired_of(update)
    reported = reported_of({"state": {"reported": state["reported"]}}) if "reported" in state else None
    return reported, desired


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


def merge_desired(shadow: JsonObject, desired: JsonObject, now: int, *, clear: bool = False) -> JsonObject:
    """Return a new shadow with ``desired`` merged into ``state.desired`` (``clear``: replacing it),
    ``version`` + 1 and ``timestamp`` = now. Empty objects left behind are removed, as AWS does."""
    merged = copy.deepcopy(shadow)
    state = merged.setdefault("state", {})
    metadata = merged.setdefault("metadata", {})
    if clear:
        state["desired"], metadata["desired"] = {}, {}
    target = state.setdefault("desired", {})
    target_metadata = metadata.setdefault("desired", {})
    _merge(target, target_metadata, desired, now, copy_values=True)
    _prune_empty(target, target_metadata)
    if not target:
        state.pop("desired", None)
        metadata.pop("desired", None)
    merged["version"] = int(merged.get("version", 0)) + 1
    merged["timestamp"] = now
    return merged


def _prune_empty(target: JsonObject, metadata: JsonObject) -> None:
    for key in list(target):
        value = target[key]
        if isinstance(value, dict):
            child_metadata = metadata.get(key)
            _prune_empty(value, child_metadata if isinstance(child_metadata, dict) else {})
            if not value:
                target.pop(key)
                metadata.pop(key, None)


def delta_of(desired: Any, reported: Any) -> JsonObject:
    """AWS IoT's delta: the desired leaves whose reported value differs (objects compared key by
    key, anything else as a whole); {} when everything desired is reported. The desired
    ``firmware`` is one value, reported when its version is Installed (firmware_plan.py)."""
    if not isinstance(desired, dict) or not isinstance(desired.get(FIRMWARE), dict):
        return _leaf_delta(desired, reported)
    delta = _leaf_delta({**desired, FIRMWARE: None}, reported)
    delta.pop(FIRMWARE, None)
    if not firmware_installed(desired[FIRMWARE], reported if isinstance(reported, dict) else {}):
        delta[FIRMWARE] = desired[FIRMWARE]
    return delta


def _leaf_delta(desired: Any, reported: Any) -> JsonObject:
    if not isinstance(desired, dict):
        return {}
    reported_object = reported if isinstance(reported, dict) else {}
    delta: JsonObject = {}
    for key, wanted in desired.items():
        have = reported_object.get(key)
        if isinstance(wanted, dict):
            child = _leaf_delta(wanted, have)
            if child:
                delta[key] = child
        elif wanted != have:
            delta[key] = wanted
    return delta


def with_delta(shadow: JsonObject) -> JsonObject:
    """The shadow as read: ``state.delta`` added when something desired is not reported yet."""
    state = shadow.get("state") or {}
    delta = delta_of(state.get("desired"), state.get("reported"))
    if not delta:
        return shadow
    return {**shadow, "state": {**state, "delta": delta}}


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
