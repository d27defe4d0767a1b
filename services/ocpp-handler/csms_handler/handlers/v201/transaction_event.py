"""TransactionEvent: keep ``activeTransaction`` in the shadow from Started to Ended.

The reference's shadow has one ``activeTransaction``; a station with several
EVSEs also gets ``evses.{evseId}.activeTransaction`` so that one EVSE ending
its transaction leaves the others' visible.
"""

from __future__ import annotations

from typing import Any

from ocpp.v201.enums import AuthorizationStatusEnumType, TransactionEventEnumType

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def transaction_event(request: Payload, context: CallContext) -> Reply:
    info = request["transactionInfo"]
    event_type = request["eventType"]
    evse_id = request.get("evse", {}).get("id")
    transaction: dict[str, Any] = {
        "transactionId": info["transactionId"],
        "updatedAt": request["timestamp"],
        "lastTriggerReason": request["triggerReason"],
    }
    if "chargingState" in info:
        transaction["chargingState"] = info["chargingState"]
    if evse_id is not None:
        transaction["evseId"] = evse_id
    if "idToken" in request:
        transaction["idToken"] = request["idToken"]
    if "remoteStartId" in info:
        transaction["remoteStartId"] = info["remoteStartId"]
    if request.get("meterValue"):
        transaction["lastMeterValue"] = request["meterValue"][-1]

    reported: dict[str, Any]
    if event_type == TransactionEventEnumType.started.value:
        transaction["startTime"] = request["timestamp"]
        reported = {"activeTransaction": transaction}
    elif event_type == TransactionEventEnumType.updated.value:
        reported = {"activeTransaction": transaction}
    else:
        ended = dict(transaction, endTime=request["timestamp"])
        if "stoppedReason" in info:
            ended["stoppedReason"] = info["stoppedReason"]
        reported = {"activeTransaction": None, "lastTransaction": ended}
    if evse_id is not None:
        reported["evses"] = {str(evse_id): {"activeTransaction": reported["activeTransaction"]}}

    payload: Payload = {}
    if "idToken" in request:
        # Foundation behaviour: every token is accepted; the id-token store decides later.
        payload["idTokenInfo"] = {"status": AuthorizationStatusEnumType.accepted.value}
    return Reply(payload, [ShadowUpdate(reported)])
