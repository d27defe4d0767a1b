"""TransactionEvent: keep ``activeTransaction`` in the shadow from Started to Ended, and the record.

The reference's shadow has one ``activeTransaction``; a station with several
EVSEs also gets ``evses.{evseId}.activeTransaction``. On Ended the shadow
service removes the transaction from both places where it is still shown (see
TransactionRecord), so one EVSE ending leaves another's visible. A token limited
to other EVSEs (``evseIds``) is answered NotAtThisLocation at this one: the
identifier is valid, the driver has no access here (OCPP 2.0.1
AuthorizationStatusEnumType); Invalid would say the identifier is unknown.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v201 import IdTokenInfoType, TransactionEventRequest, TransactionEventResponse
from csms_handler.budgets import (
    BudgetReason,
    StationLimits,
    evse_within,
    summarise_id_token,
    summarise_meter_values,
)
from csms_handler.context import (
    NO_AUTHORIZATION,
    NOT_AT_THIS_LOCATION,
    CallContext,
    LookupRequest,
    Payload,
    Reply,
    ShadowUpdate,
    TransactionRecord,
    replacing,
)


def _token_to_check(request: TransactionEventRequest) -> str | None:
    id_token = request.get("idToken")
    if id_token is None or id_token.get("type") == NO_AUTHORIZATION:
        return None
    return str(id_token["idToken"])


def transaction_event_needs(request: TransactionEventRequest) -> LookupRequest:
    token = _token_to_check(request)
    tokens = (token,) if token is not None else ()
    if request["eventType"] == "Started":
        # The driver is told the prices as the transaction starts (if the station shows messages).
        return LookupRequest(tokens=tokens, price_for=token or "")
    if request["eventType"] != "Ended":
        return LookupRequest(tokens=tokens)
    # Ended: the reply carries the session's final cost, priced with this event included.
    # The station's limits are not known here; the record's fields are the same under any limits
    # except the shown EVSE copy and the meter summary, which the cost does not read.
    _, _, recorded, _ = _effects(request, StationLimits())
    pending: Payload = {
        "transactionId": recorded.transaction_id,
        "fields": recorded.fields,
        "event": recorded.event,
        "meterValues": list(recorded.meter_values),
        "offline": recorded.offline,
    }
    return LookupRequest(tokens=tokens, pending_transaction=pending)


def transaction_event(
    request: TransactionEventRequest, context: CallContext
) -> Reply[TransactionEventResponse]:
    reported, cleared, recorded, over_budget = _effects(request, context.limits)
    payload: TransactionEventResponse = {}
    if "idToken" in request:
        token = _token_to_check(request)
        status = (
            context.lookups.token(token).at_evse(request.get("evse", {}).get("id"), NOT_AT_THIS_LOCATION)
            if token is not None
            else None
        )
        info: IdTokenInfoType = status.as_id_token_info() if status is not None else {"status": "Accepted"}
        payload["idTokenInfo"] = info
    if context.lookups.price_text:
        payload["updatedPersonalMessage"] = {"format": "UTF8", "content": context.lookups.price_text}
    cost = context.lookups.cost
    if recorded.ended and cost is not None and isinstance(cost.get("totalCost"), dict):
        # I02: the total the driver pays, VAT included, in the tariff's currency.
        payload["totalCost"] = cost["totalCost"]["incl_vat"]
    return Reply(
        payload,
        [replacing(*cleared), ShadowUpdate(reported), recorded]
        if cleared
        else [ShadowUpdate(reported), recorded],
        over_budget,
    )


def _effects(
    request: TransactionEventRequest, limits: StationLimits
) -> tuple[Payload, list[tuple[str, ...]], TransactionRecord, tuple[str, ...]]:
    """The shadow's new state, the paths to clear first, the record of this event, and the budgets
    the event went over (its over-budget parts are left out, never the event)."""
    info = request["transactionInfo"]
    event_type = request["eventType"]
    evse_id = request.get("evse", {}).get("id")
    over_budget: list[str] = []
    # A transaction event is never refused for its EVSE id (the station would retry it for ever): the
    # transaction is recorded and shown, without a per-EVSE copy under an id above the limit.
    shown_evse = evse_id if evse_within(evse_id, limits) else None
    if evse_id is not None and shown_evse is None:
        over_budget.append(BudgetReason.EVSE_ID)
    transaction_id = str(info["transactionId"])
    transaction: dict[str, Any] = {
        "transactionId": transaction_id,
        "updatedAt": request["timestamp"],
        "lastTriggerReason": request["triggerReason"],
    }
    if "chargingState" in info:
        transaction["chargingState"] = info["chargingState"]
    if evse_id is not None:
        transaction["evseId"] = evse_id
    if "idToken" in request:
        # A StopAuthorized event carries the token that stopped the transaction, which may be another
        # of the group (C09): kept apart, like 1.6's stopIdTag, so ``idToken`` stays the one that
        # started it (the one billing prices and attributes the session to).
        stopper = request["triggerReason"] == "StopAuthorized"
        transaction["stopIdToken" if stopper else "idToken"] = summarise_id_token(request["idToken"])
    if "remoteStartId" in info:
        transaction["remoteStartId"] = info["remoteStartId"]
    if request.get("meterValue"):
        summary = summarise_meter_values(request["meterValue"], limits)
        transaction["lastMeterValue"] = summary.value
        if summary.dropped:
            over_budget.append(BudgetReason.SAMPLED_VALUES)

    record: dict[str, Any] = dict(transaction, status=event_type)
    reported: dict[str, Any]
    cleared: list[tuple[str, ...]] = []
    ended = event_type == "Ended"
    if event_type == "Started":
        transaction["startTime"] = request["timestamp"]
        record["startTime"] = request["timestamp"]
        reported = {"activeTransaction": transaction}
        cleared.append(("activeTransaction",))
        if shown_evse is not None:
            reported["evses"] = {str(shown_evse): {"activeTransaction": transaction}}
            cleared.append(("evses", str(shown_evse), "activeTransaction"))
    elif not ended:
        reported = {"activeTransaction": transaction}
        if shown_evse is not None:
            reported["evses"] = {str(shown_evse): {"activeTransaction": transaction}}
    else:
        ended_transaction = dict(transaction, endTime=request["timestamp"])
        if "stoppedReason" in info:
            ended_transaction["stoppedReason"] = info["stoppedReason"]
        record.update(endTime=request["timestamp"], stoppedReason=info.get("stoppedReason"))
        reported = {"lastTransaction": ended_transaction}
        cleared.append(("lastTransaction",))

    record = {key: value for key, value in record.items() if value is not None}
    event = {
        "seqNo": request["seqNo"],
        "eventType": event_type,
        "triggerReason": request["triggerReason"],
        "timestamp": request["timestamp"],
        "meterValues": len(request.get("meterValue") or ()),
    }
    offline = bool(request.get("offline"))
    if offline:
        event["offline"] = True
    recorded = TransactionRecord(
        transaction_id,
        record,
        ended=ended,
        event=event,
        meter_values=tuple(request.get("meterValue") or ()),
        offline=offline,
    )
    return reported, cleared, recorded, tuple(over_budget)
