"""NotifyMonitoringReport: acknowledge one part of a GetMonitoringReport answer; its content is not kept."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply


def notify_monitoring_report(request: Payload, context: CallContext) -> Reply:
    return Reply({})
