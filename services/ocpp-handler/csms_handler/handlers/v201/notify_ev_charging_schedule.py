"""NotifyEVChargingSchedule (K17, ISO 15118): the EV's own schedule, kept as ``evChargingSchedule.{evseId}``
and answered Accepted (the spec: processed, not approved; the CSMS is not asked to renegotiate).

Kept: ``timeBase``, the first periods as amps per phase (``periods``: ``{start, limitAmps}``, watts over
230 V and the period's phases, three unless it says, rounded down to 0.1 A), ``receivedAt``. The allocator
caps the EV's share at the period in force (what the EV plans to draw is all it will take), and hands the
rest of the site to the others. At most MAX_PERIODS periods are kept: a schedule longer than that is cut,
and the last kept period holds after it (counted: ``reason="charging_profiles"``).
"""

from __future__ import annotations

import math
from typing import Any

from csms_common.ocpp.types.v201 import NotifyEVChargingScheduleRequest, NotifyEVChargingScheduleResponse
from csms_handler.budgets import BudgetReason
from csms_handler.context import CallContext, Reply, ShadowUpdate

NOMINAL_VOLTAGE = 230.0
MAX_PERIODS = 24


def period_amps(period: Any, rate_unit: str) -> float:
    """One period's limit as amps per phase, rounded down to 0.1 A."""
    limit = float(period["limit"])
    if rate_unit == "W":
        limit /= NOMINAL_VOLTAGE * int(period.get("numberPhases") or 3)
    return math.floor(limit * 10 + 1e-6) / 10


def notify_ev_charging_schedule(
    request: NotifyEVChargingScheduleRequest, context: CallContext
) -> Reply[NotifyEVChargingScheduleResponse]:
    schedule: Any = request["chargingSchedule"]
    periods = schedule["chargingSchedulePeriod"]
    kept = {
        "timeBase": request["timeBase"],
        "periods": [
            {"start": period["startPeriod"], "limitAmps": period_amps(period, schedule["chargingRateUnit"])}
            for period in periods[:MAX_PERIODS]
        ],
        "receivedAt": context.now_iso,
    }
    return Reply(
        {"status": "Accepted"},
        [ShadowUpdate({"evChargingSchedule": {str(request["evseId"]): kept}})],
        (BudgetReason.CHARGING_PROFILES,) if len(periods) > MAX_PERIODS else (),
    )
