"""ReportChargingProfiles: acknowledge one part of a GetChargingProfiles answer; its content is not kept."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import ReportChargingProfilesRequest, ReportChargingProfilesResponse
from csms_handler.context import CallContext, Reply


def report_charging_profiles(
    request: ReportChargingProfilesRequest, context: CallContext
) -> Reply[ReportChargingProfilesResponse]:
    return Reply({})
