"""MeterValues: record the newest sample as ``evses.{evseId}.lastMeterValue`` (evse 0: the station's)."""

from __future__ import annotations

from typing import Any

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def meter_values(request: Payload, context: CallContext) -> Reply:
    evse_id = request["evseId"]
    # The schema guarantees at least one meterValue; the station sends them oldest first.
    latest = {"lastMeterValue": request["meterValue"][-1]}
    reported: dict[str, Any] = latest if evse_id == 0 else {"evses": {str(evse_id): latest}}
    return Reply({}, [ShadowUpdate(reported)])
