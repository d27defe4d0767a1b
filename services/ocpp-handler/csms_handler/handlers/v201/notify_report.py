"""NotifyReport: acknowledge one part of a GetBaseReport/GetReport answer and record it as ``lastReport``.

The report data itself is not kept: the shadow shows which request and part
arrived last, and how many report items it carried.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyReportRequest, NotifyReportResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def notify_report(request: NotifyReportRequest, context: CallContext) -> Reply[NotifyReportResponse]:
    last_report = {
        "requestId": request["requestId"],
        "seqNo": request["seqNo"],
        "generatedAt": request["generatedAt"],
        "tbc": request.get("tbc", False),
        "items": len(request.get("reportData") or []),
    }
    return Reply({}, [ShadowUpdate({"lastReport": last_report})])
