"""NotifyMonitoringReport: acknowledge one part of a GetMonitoringReport answer; its content is not kept."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyMonitoringReportRequest, NotifyMonitoringReportResponse
from csms_handler.context import CallContext, Reply


def notify_monitoring_report(
    request: NotifyMonitoringReportRequest, context: CallContext
) -> Reply[NotifyMonitoringReportResponse]:
    return Reply({})
