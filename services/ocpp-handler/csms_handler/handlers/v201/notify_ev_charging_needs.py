"""NotifyEVChargingNeeds (ISO 15118, K15-K17): Accepted, and the needs reported as
``evChargingNeeds.{evseId}``; the allocator (shadow service) reads them and answers with a
SetChargingProfile for the transaction on that EVSE, within the site's allocation.

Kept: the requested energy transfer, the departure time, and the EV's current limits. The
allocator caps the share at ``evMaxCurrent`` (AC, per phase) or at ``evMaxPower`` spread over
three phases of 230 V (DC: its DC current says nothing about the AC side).
"""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call_result
from ocpp.v201.enums import NotifyEVChargingNeedsStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate, payload_of


def notify_ev_charging_needs(request: Payload, context: CallContext) -> Reply:
    needs = request["chargingNeeds"]
    ac: dict[str, Any] = needs.get("acChargingParameters") or {}
    dc: dict[str, Any] = needs.get("dcChargingParameters") or {}
    reported = {
        "requestedEnergyTransfer": needs["requestedEnergyTransfer"],
        "departureTime": needs.get("departureTime"),
        "evMaxCurrent": ac.get("evMaxCurrent"),
        "evMinCurrent": ac.get("evMinCurrent"),
        "evMaxPower": dc.get("evMaxPower"),
        "energyAmount": ac.get("energyAmount", dc.get("energyAmount")),
        "receivedAt": context.now_iso,
    }
    reply = call_result.NotifyEVChargingNeeds(status=NotifyEVChargingNeedsStatusEnumType.accepted)
    return Reply(payload_of(reply), [ShadowUpdate({"evChargingNeeds": {str(request["evseId"]): reported}})])
