"""NotifyEVChargingNeeds: this CSMS does no smart charging, so it answers Rejected (no schedule follows)."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyEVChargingNeedsRequest, NotifyEVChargingNeedsResponse
from csms_handler.context import CallContext, Reply


def notify_ev_charging_needs(
    request: NotifyEVChargingNeedsRequest, context: CallContext
) -> Reply[NotifyEVChargingNeedsResponse]:
    return Reply({"status": "Rejected"})
