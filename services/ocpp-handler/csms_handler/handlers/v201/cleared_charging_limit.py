"""ClearedChargingLimit: the external charging limit is gone; remove ``chargingLimit`` from the shadow."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import ClearedChargingLimitRequest, ClearedChargingLimitResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def cleared_charging_limit(
    request: ClearedChargingLimitRequest, context: CallContext
) -> Reply[ClearedChargingLimitResponse]:
    return Reply({}, [ShadowUpdate({"chargingLimit": None})])
