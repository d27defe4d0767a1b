"""ClearedChargingLimit: the external charging limit is gone; remove ``chargingLimit`` from the shadow."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def cleared_charging_limit(request: Payload, context: CallContext) -> Reply:
    return Reply({}, [ShadowUpdate({"chargingLimit": None})])
