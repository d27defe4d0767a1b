"""MeterValues: record the newest sample as ``evses.{evseId}.lastMeterValue`` (evse 0: the station's)."""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v201 import MeterValuesRequest, MeterValuesResponse
from csms_handler.budgets import BudgetReason, check_evse_id, summarise_meter_values
from csms_handler.context import CallContext, Reply, ShadowUpdate


def meter_values(request: MeterValuesRequest, context: CallContext) -> Reply[MeterValuesResponse]:
    evse_id = request["evseId"]
    check_evse_id(evse_id, context.limits)
    # The schema guarantees at least one meterValue; the station sends them oldest first.
    summary = summarise_meter_values(request["meterValue"], context.limits)
    latest = {"lastMeterValue": summary.value}
    reported: dict[str, Any] = latest if evse_id == 0 else {"evses": {str(evse_id): latest}}
    return Reply({}, [ShadowUpdate(reported)], (BudgetReason.SAMPLED_VALUES,) if summary.dropped else ())
