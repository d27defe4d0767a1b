"""NotifyEVChargingNeeds: this CSMS does no smart charging, so it answers Rejected (no schedule follows)."""

from __future__ import annotations

from ocpp.v201 import call_result
from ocpp.v201.enums import NotifyEVChargingNeedsStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, payload_of


def notify_ev_charging_needs(request: Payload, context: CallContext) -> Reply:
    reply = call_result.NotifyEVChargingNeeds(status=NotifyEVChargingNeedsStatusEnumType.rejected)
    return Reply(payload_of(reply))
