"""DataTransfer: no vendor extensions are known here, so answer UnknownVendorId; record the attempt.

An absent ``messageId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key). The data itself is not kept.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import DataTransferRequest, DataTransferResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def data_transfer(request: DataTransferRequest, context: CallContext) -> Reply[DataTransferResponse]:
    reply: DataTransferResponse = {"status": "UnknownVendorId"}
    transfer = {
        "vendorId": request["vendorId"],
        "messageId": request.get("messageId"),
        "receivedAt": context.now_iso,
    }
    return Reply(reply, [ShadowUpdate({"lastDataTransfer": transfer})])
