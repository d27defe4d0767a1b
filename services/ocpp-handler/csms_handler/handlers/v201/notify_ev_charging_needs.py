"""NotifyEVChargingNeeds (ISO 15118, K15-K17): Accepted, and the needs reported as
``evChargingNeeds.{evseId}``; the allocator (shadow service) reads them and answers with a
SetChargingProfile for the transaction on that EVSE, within the site's allocation.

Kept: the requested energy transfer, the departure time, and the EV's current limits. The
allocator caps the share at ``evMaxCurrent`` (AC, per phase) or at ``evMaxPower`` spread over
three phases of 230 V (DC: its DC current says nothing about the AC side), pauses it rather than go
below ``evMinCurrent``, and caps it at the energy it needs by ``departureTime``
(:mod:`csms_common.smart_charging.ev_needs`).
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v201 import NotifyEVChargingNeedsRequest, NotifyEVChargingNeedsResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def notify_ev_charging_needs(
    request: NotifyEVChargingNeedsRequest, context: CallContext
) -> Reply[NotifyEVChargingNeedsResponse]:
    needs = request["chargingNeeds"]
    ac: dict[str, Any] = dict(needs.get("acChargingParameters") or {})
    dc: dict[str, Any] = dict(needs.get("dcChargingParameters") or {})
    reported = {
        "requestedEnergyTransfer": needs["requestedEnergyTransfer"],
        "departureTime": needs.get("departureTime"),
        "evMaxCurrent": ac.get("evMaxCurrent"),
        "evMinCurrent": ac.get("evMinCurrent"),
        "evMaxPower": dc.get("evMaxPower"),
        "energyAmount": ac.get("energyAmount", dc.get("energyAmount")),
        "receivedAt": context.now_iso,
    }
    return Reply(
        {"status": "Accepted"}, [ShadowUpdate({"evChargingNeeds": {str(request["evseId"]): reported}})]
    )
