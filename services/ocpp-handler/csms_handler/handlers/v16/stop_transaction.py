"""StopTransaction: show the ended transaction as ``lastTransaction`` and close its record.

A 1.6 StopTransaction names no connector, so this handler leaves
``activeTransaction`` and ``evses.{id}.activeTransaction`` alone: the shadow
service removes the transaction from wherever it is still shown when it gets an
ended TransactionRecord. The idTag is optional; it is looked up and answered
with an ``idTagInfo`` only when the station sent one.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import StopTransactionRequest, StopTransactionResponse
from csms_handler.budgets import BudgetReason, summarise_meter_values
from csms_handler.context import (
    CallContext,
    LookupRequest,
    Reply,
    ShadowUpdate,
    TransactionRecord,
    replacing,
)

ENDED = "Ended"


def stop_transaction_needs(request: StopTransactionRequest) -> LookupRequest:
    return LookupRequest(tokens=(request["idTag"],)) if "idTag" in request else LookupRequest()


def stop_transaction(request: StopTransactionRequest, context: CallContext) -> Reply[StopTransactionResponse]:
    transaction_id = request["transactionId"]
    last: dict[str, Any] = {
        "transactionId": transaction_id,
        "endTime": request["timestamp"],
        "meterStop": request["meterStop"],
    }
    record: dict[str, Any] = {
        "status": ENDED,
        "endTime": request["timestamp"],
        "meterStop": request["meterStop"],
    }
    if "reason" in request:
        last["stoppedReason"] = request["reason"]
        record["stoppedReason"] = request["reason"]
    payload: StopTransactionResponse = {}
    if "idTag" in request:
        last["idTag"] = request["idTag"]
        record["stopIdTag"] = request["idTag"]
        payload["idTagInfo"] = context.lookups.token(request["idTag"]).as_id_tag_info()
    over_budget: tuple[str, ...] = ()
    if request.get("transactionData"):
        summary = summarise_meter_values(request["transactionData"], context.limits)
        record["lastMeterValue"] = summary.value
        over_budget = (BudgetReason.SAMPLED_VALUES,) if summary.dropped else ()
    return Reply(
        payload,
        [
            replacing(("lastTransaction",)),
            ShadowUpdate({"lastTransaction": last}),
            TransactionRecord(
                str(transaction_id),
                record,
                ended=True,
                meter_values=tuple(request.get("transactionData") or ()),
            ),
        ],
        over_budget,
    )
