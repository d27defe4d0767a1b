"""MeterValues: show the newest meter value of a connector (or the charge point's, for connector 0).

When the values belong to a transaction, its record gets the newest one too, but only a record
that exists: the transaction id is the station's to choose here, and one that was never started
must not create a record. The meter value is kept as a bounded summary (csms_handler.budgets), and
a connector id above HANDLER_MAX_EVSE_ID is refused with PropertyConstraintViolation.
"""

from __future__ import annotations

from csms_common.ocpp.types.v16 import MeterValuesRequest, MeterValuesResponse
from csms_handler.budgets import BudgetReason, check_evse_id, summarise_meter_values
from csms_handler.context import CallContext, Effect, Payload, Reply, ShadowUpdate, TransactionRecord


def meter_values(request: MeterValuesRequest, context: CallContext) -> Reply[MeterValuesResponse]:
    connector_id = request["connectorId"]
    check_evse_id(connector_id, context.limits)
    summary = summarise_meter_values(request["meterValue"], context.limits)
    last = summary.value
    reported: Payload
    if connector_id == 0:
        reported = {"lastMeterValue": last}
    else:
        reported = {"evses": {str(connector_id): {"lastMeterValue": last}}}
    effects: list[Effect] = [ShadowUpdate(reported)]
    if "transactionId" in request:
        effects.append(
            TransactionRecord(
                str(request["transactionId"]),
                {"lastMeterValue": last},
                update_only=True,
                meter_values=tuple(request["meterValue"]),
            )
        )
    over_budget = (BudgetReason.SAMPLED_VALUES,) if summary.dropped else ()
    return Reply({}, effects, over_budget)
