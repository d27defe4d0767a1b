"""NotifyChargingLimit: record the external charging limit as ``chargingLimit``.

Optional fields the station leaves out are reported as null, which deletes the
previous limit's (the shadow merges objects key by key). ``isLocalGeneration``
exists from OCPP 2.1 on. The schedule itself is not kept, only what smart charging needs:
``limitAmps``, its first period's limit per phase (watts over 230 V and its number of phases,
three unless it says), rounded down to 0.1 A. The allocator caps the station's transactions at it
until ClearedChargingLimit removes the record.
"""

from __future__ import annotations

import math
from typing import Any

from csms_common.ocpp.types.v201 import NotifyChargingLimitRequest, NotifyChargingLimitResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate

NOMINAL_VOLTAGE = 230.0


def limit_amps(schedules: Any) -> float | None:
    """The first schedule's first period as amps per phase, or None without one."""
    if not schedules:
        return None
    schedule = schedules[0]
    period = schedule["chargingSchedulePeriod"][0]
    limit = float(period["limit"])
    if schedule["chargingRateUnit"] == "W":
        limit /= NOMINAL_VOLTAGE * int(period.get("numberPhases") or 3)
    return math.floor(limit * 10 + 1e-6) / 10


def notify_charging_limit(
    request: NotifyChargingLimitRequest, context: CallContext
) -> Reply[NotifyChargingLimitResponse]:
    limit = request["chargingLimit"]
    charging_limit = {
        "chargingLimitSource": limit["chargingLimitSource"],
        "isGridCritical": limit.get("isGridCritical"),
        "isLocalGeneration": limit.get("isLocalGeneration"),
        "evseId": request.get("evseId"),
        "limitAmps": limit_amps(request.get("chargingSchedule")),
    }
    return Reply({}, [ShadowUpdate({"chargingLimit": charging_limit})])
