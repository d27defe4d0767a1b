"""NotifyEVChargingSchedule: acknowledge the EV's schedule as received (Accepted does not approve it)."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyEVChargingScheduleRequest, NotifyEVChargingScheduleResponse
from csms_handler.context import CallContext, Reply


def notify_ev_charging_schedule(
    request: NotifyEVChargingScheduleRequest, context: CallContext
) -> Reply[NotifyEVChargingScheduleResponse]:
    return Reply({"status": "Accepted"})
