"""ReportChargingProfiles: acknowledge one part of a GetChargingProfiles answer; its content is not kept."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply


def report_charging_profiles(request: Payload, context: CallContext) -> Reply:
    return Reply({})
