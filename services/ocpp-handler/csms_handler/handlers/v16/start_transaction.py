"""StartTransaction: hand out the allocated transaction id, show the transaction and record it.

The transaction is shown and recorded whatever the idTag's status: 1.6 obliges
the CSMS to answer with a transactionId even when it does not accept the tag,
and it is then the station that decides whether to stop the transaction (which
it reports with a StopTransaction like any other). A tag limited to other EVSEs
(``evseIds``) is answered Invalid on this connector: 1.6 numbers a connector as
the 2.x EVSE of the same number.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.types.v16 import StartTransactionRequest, StartTransactionResponse
from csms_handler.budgets import BudgetReason, evse_within
from csms_handler.context import (
    INVALID,
    CallContext,
    LookupRequest,
    Reply,
    ShadowUpdate,
    TransactionRecord,
    replacing,
)

STARTED = "Started"


def start_transaction_needs(request: StartTransactionRequest) -> LookupRequest:
    return LookupRequest(tokens=(request["idTag"],), allocate_transaction_id=True)


def start_transaction(
    request: StartTransactionRequest, context: CallContext
) -> Reply[StartTransactionResponse]:
    transaction_id = context.lookups.transaction_id
    if transaction_id is None:
        raise OcppError(ErrorKind.INTERNAL_ERROR, "no transaction id could be allocated")
    connector_id = request["connectorId"]
    common: dict[str, Any] = {
        "connectorId": connector_id,
        # A 1.6 connector is shown as the 2.x EVSE of the same number.
        "evseId": connector_id,
        "idTag": request["idTag"],
        "meterStart": request["meterStart"],
        "startTime": request["timestamp"],
    }
    if "reservationId" in request:
        common["reservationId"] = request["reservationId"]
    shown = {"transactionId": transaction_id, **common}
    recorded = {"transactionId": str(transaction_id), **common, "status": STARTED}
    reported: dict[str, Any] = {"activeTransaction": shown}
    cleared: list[tuple[str, ...]] = [("activeTransaction",)]
    over_budget: tuple[str, ...] = ()
    if evse_within(connector_id, context.limits):
        reported["evses"] = {str(connector_id): {"activeTransaction": shown}}
        cleared.append(("evses", str(connector_id), "activeTransaction"))
    else:
        # The transaction is recorded and answered all the same; only the per-EVSE copy is left out.
        over_budget = (BudgetReason.EVSE_ID,)
    payload: StartTransactionResponse = {
        "transactionId": transaction_id,
        # A tag limited to other EVSEs is Invalid on this connector (1.6 has no finer status).
        "idTagInfo": context.lookups.token(request["idTag"]).at_evse(connector_id, INVALID).as_id_tag_info(),
    }
    stale = replacing(*cleared)
    return Reply(
        payload,
        [stale, ShadowUpdate(reported), TransactionRecord(str(transaction_id), recorded)],
        over_budget,
    )
