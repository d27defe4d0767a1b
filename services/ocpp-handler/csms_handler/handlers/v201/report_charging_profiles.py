"""ReportChargingProfiles (K09, a GetChargingProfiles answer in parts): the station's profiles kept as
``chargingProfiles.{profileId}`` in the shadow, each a bounded summary.

Kept per profile: the report's evseId, chargingLimitSource and requestId, the profile's stack level,
purpose, kind, transaction, validity, and its first schedule with at most MAX_PERIODS periods (the
schema allows 3 schedules of 1,024 periods; ``periodsOmitted`` counts what was left out). At most
MAX_PROFILES_PER_REPORT profiles of one report are kept. The shadow service caps the map itself
(``SHADOW_MAX_REPORTED_PROFILES``, the least recently reported make room). Every field is written,
null when absent, so a profile reported again under the same id leaves nothing of the old one.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.types.v201 import ReportChargingProfilesRequest, ReportChargingProfilesResponse
from csms_handler.budgets import BudgetReason
from csms_handler.context import CallContext, Reply, ShadowUpdate

MAX_PERIODS = 24
"""As the API's own profiles (csms_common.smart_charging.profiles.MAX_PERIODS)."""
MAX_PROFILES_PER_REPORT = 16


def _period(period: Any) -> dict[str, Any]:
    kept = {"start": period["startPeriod"], "limit": period["limit"]}
    if "numberPhases" in period:
        kept["phases"] = period["numberPhases"]
    return kept


def profile_summary(profile: Any, request: ReportChargingProfilesRequest, now_iso: str) -> dict[str, Any]:
    """One reported profile as the shadow keeps it."""
    schedules = profile["chargingSchedule"]
    schedule = schedules[0]
    periods = schedule["chargingSchedulePeriod"]
    omitted = max(len(periods) - MAX_PERIODS, 0) + sum(
        len(other["chargingSchedulePeriod"]) for other in schedules[1:]
    )
    return {
        "evseId": request["evseId"],
        "chargingLimitSource": request["chargingLimitSource"],
        "requestId": request["requestId"],
        "stackLevel": profile["stackLevel"],
        "purpose": profile["chargingProfilePurpose"],
        "kind": profile["chargingProfileKind"],
        "recurrencyKind": profile.get("recurrencyKind"),
        "validFrom": profile.get("validFrom"),
        "validTo": profile.get("validTo"),
        "transactionId": profile.get("transactionId"),
        "schedule": {
            "rateUnit": schedule["chargingRateUnit"],
            "startSchedule": schedule.get("startSchedule"),
            "duration": schedule.get("duration"),
            "minChargingRate": schedule.get("minChargingRate"),
            "periods": [_period(period) for period in periods[:MAX_PERIODS]],
        },
        "periodsOmitted": omitted or None,
        "reportedAt": now_iso,
    }


def report_charging_profiles(
    request: ReportChargingProfilesRequest, context: CallContext
) -> Reply[ReportChargingProfilesResponse]:
    profiles = request["chargingProfile"]
    kept = {
        str(profile["id"]): profile_summary(profile, request, context.now_iso)
        for profile in profiles[:MAX_PROFILES_PER_REPORT]
    }
    over = (
        any(
            len(profile["chargingSchedule"]) > 1
            or len(profile["chargingSchedule"][0]["chargingSchedulePeriod"]) > MAX_PERIODS
            for profile in profiles
        )
        or len(profiles) > MAX_PROFILES_PER_REPORT
    )
    return Reply(
        {},
        [ShadowUpdate({"chargingProfiles": kept})],
        (BudgetReason.CHARGING_PROFILES,) if over else (),
    )
