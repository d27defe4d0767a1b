"""NotifyEVChargingSchedule: acknowledge the EV's schedule as received (Accepted does not approve it)."""

from __future__ import annotations

from ocpp.v201 import call_result
from ocpp.v201.enums import GenericStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, payload_of


def notify_ev_charging_schedule(request: Payload, context: CallContext) -> Reply:
    reply = call_result.NotifyEVChargingSchedule(status=GenericStatusEnumType.accepted)
    return Reply(payload_of(reply))
