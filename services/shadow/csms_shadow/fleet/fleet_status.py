"""Where a station stands against its desired state (pure): in sync, failed, offline or pending."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csms_shadow.documents.document import JsonObject, delta_of
from csms_shadow.fleet.firmware_plan import FIRMWARE, firmware_failure
from csms_shadow.fleet.local_list_plan import LOCAL_AUTH_LIST, local_list_refusal
from csms_shadow.fleet.reconcile_plan import refusal_of

IN_SYNC = "inSync"
FAILED = "failed"
OFFLINE = "offline"
PENDING = "pending"
CATEGORIES = (IN_SYNC, PENDING, FAILED, OFFLINE)


@dataclass(frozen=True)
class StationStanding:
    category: str
    reasons: dict[str, str] = field(default_factory=dict)
    """``"<property>.<key>"`` → the status the station answered, for a failed station."""


def standing_of(connected: bool, shadow: JsonObject | None) -> StationStanding:
    """A refusal of the value still desired is a failure, whether or not the station is connected;
    otherwise a station with a delta is offline or pending (the reconciler is on it)."""
    state: Any = (shadow or {}).get("state") or {}
    reported = state.get("reported") or {}
    delta = delta_of(state.get("desired"), reported)
    if not delta:
        return StationStanding(IN_SYNC)
    reasons: dict[str, str] = {}
    failure = firmware_failure(delta.get(FIRMWARE), reported)
    if failure is not None:
        reasons[f"{FIRMWARE}.version"] = failure
    refusal = local_list_refusal(delta.get(LOCAL_AUTH_LIST), reported)
    if refusal is not None:
        reasons[f"{LOCAL_AUTH_LIST}.version"] = refusal
    for name, wanted in delta.items():
        if name in (FIRMWARE, LOCAL_AUTH_LIST):
            continue
        statuses = reported.get(f"{name}Status")
        if not isinstance(wanted, dict) or not isinstance(statuses, dict):
            continue
        for key, value in wanted.items():
            refusal = refusal_of(statuses.get(key), value)
            if refusal is not None:
                reasons[f"{name}.{key}"] = refusal
    if reasons:
        return StationStanding(FAILED, reasons)
    return StationStanding(PENDING if connected else OFFLINE)
