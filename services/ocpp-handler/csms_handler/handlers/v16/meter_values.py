"""MeterValues: show the newest meter value of a connector (or the charge point's, for connector 0).

When the values belong to a transaction, its record gets the newest one too.
"""

from __future__ import annotations

from csms_handler.context import CallContext, Effect, Payload, Reply, ShadowUpdate, TransactionRecord


def meter_values(request: Payload, context: CallContext) -> Reply:
    last = request["meterValue"][-1]
    connector_id = request["connectorId"]
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
                meter_values=tuple(request["meterValue"]),
            )
        )
    return Reply({}, effects)
