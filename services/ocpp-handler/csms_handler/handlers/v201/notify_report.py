"""NotifyReport: acknowledge one part of a GetBaseReport/GetReport answer, record it as ``lastReport``
and its variables' values as ``configuration``.

The values use the desired-state key format (docs/fleet.md), so a desired key the station already
holds is in sync without a call. At most 256 keys per part (csms_common.configuration_keys); the
shadow service caps the keys kept per station (SHADOW_MAX_REPORTED_CONFIGURATION).
"""

from __future__ import annotations

from csms_common.configuration_keys import report_data_values
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
    values = report_data_values(request.get("reportData"))
    patch: dict[str, object] = {"lastReport": last_report}
    if values:
        patch["configuration"] = values
    return Reply({}, [ShadowUpdate(patch)])
