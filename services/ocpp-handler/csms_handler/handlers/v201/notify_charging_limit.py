"""NotifyChargingLimit: record the external charging limit as ``chargingLimit``.

Optional fields the station leaves out are reported as null, which deletes the
previous limit's (the shadow merges objects key by key). ``isLocalGeneration``
exists from OCPP 2.1 on. The schedule itself is not kept.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyChargingLimitRequest, NotifyChargingLimitResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def notify_charging_limit(
    request: NotifyChargingLimitRequest, context: CallContext
) -> Reply[NotifyChargingLimitResponse]:
    limit = request["chargingLimit"]
    charging_limit = {
        "chargingLimitSource": limit["chargingLimitSource"],
        "isGridCritical": limit.get("isGridCritical"),
        "isLocalGeneration": limit.get("isLocalGeneration"),
        "evseId": request.get("evseId"),
    }
    return Reply({}, [ShadowUpdate({"chargingLimit": charging_limit})])
