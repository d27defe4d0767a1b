"""DataTransfer: no vendor extensions are known here, so answer UnknownVendorId; record the attempt.

An absent ``messageId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key). The data itself is not kept.
"""

from __future__ import annotations

from ocpp.v201 import call_result
from ocpp.v201.enums import DataTransferStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate, payload_of


def data_transfer(request: Payload, context: CallContext) -> Reply:
    reply = call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id)
    transfer = {
        "vendorId": request["vendorId"],
        "messageId": request.get("messageId"),
        "receivedAt": context.now_iso,
    }
    return Reply(payload_of(reply), [ShadowUpdate({"lastDataTransfer": transfer})])
