"""DataTransfer: note what arrived; this CSMS implements no vendor extension, so every vendor is unknown.

An absent ``messageId`` is reported as null, which deletes the previous one
(the shadow merges objects key by key). The data itself is not kept.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v16 import DataTransferRequest, DataTransferResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def data_transfer(request: DataTransferRequest, context: CallContext) -> Reply[DataTransferResponse]:
    received: dict[str, Any] = {
        "vendorId": request["vendorId"],
        "messageId": request.get("messageId"),
        "receivedAt": context.now_iso,
    }
    return Reply(
        {"status": "UnknownVendorId"},
        [ShadowUpdate({"lastDataTransfer": received})],
    )
