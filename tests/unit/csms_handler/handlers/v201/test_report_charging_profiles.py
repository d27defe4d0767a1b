"""OCPP 2.x ReportChargingProfiles: golden calls (2.0, 2.0.1 and 2.1), and the bounded summaries it keeps:
16 profiles a report, one schedule of 24 periods."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csms_common.ocpp.versions import OcppVersion
from csms_handler.budgets import BudgetReason
from csms_handler.context import CallContext, ShadowUpdate
from csms_handler.handlers.v201.report_charging_profiles import (
    MAX_PERIODS,
    MAX_PROFILES_PER_REPORT,
    report_charging_profiles,
)
from tests.unit.csms_handler.handlers.v201.golden import NOW_ISO, SCHEDULE, Case, GoldenTests

CHARGING_PROFILE = {
    "id": 9,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [SCHEDULE],
}


CASES = [
    Case(
        "report-charging-profiles",
        "ReportChargingProfiles",
        {"requestId": 1, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": [CHARGING_PROFILE]},
        {},
        {
            "chargingProfiles": {
                "9": {
                    "evseId": 1,
                    "chargingLimitSource": "CSO",
                    "requestId": 1,
                    "stackLevel": 0,
                    "purpose": "TxDefaultProfile",
                    "kind": "Absolute",
                    "recurrencyKind": None,
                    "validFrom": None,
                    "validTo": None,
                    "transactionId": None,
                    "schedule": {
                        "rateUnit": "W",
                        "startSchedule": None,
                        "duration": None,
                        "minChargingRate": None,
                        "periods": [{"start": 0, "limit": 11000}],
                    },
                    "periodsOmitted": None,
                    "reportedAt": NOW_ISO,
                }
            }
        },
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


CONTEXT = CallContext("CP", OcppVersion.V201, "m1", datetime(2026, 1, 1, tzinfo=UTC), 300)


def profile(profile_id: int, periods: int, schedules: int = 1) -> dict[str, Any]:
    schedule = {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 60 * n, "limit": 16.0} for n in range(periods)],
    }
    return {
        "id": profile_id,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": "tx-1",
        "chargingSchedule": [schedule] * schedules,
    }


def request(profiles: list[dict[str, Any]]) -> Any:
    return {"requestId": 7, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": profiles}


def kept_of(effect: object) -> dict[str, Any]:
    assert isinstance(effect, ShadowUpdate)
    return dict(effect.reported["chargingProfiles"])


def test_a_small_report_is_kept_whole() -> None:
    reply = report_charging_profiles(request([profile(1, 2), profile(2, 1)]), CONTEXT)
    kept = kept_of(reply.effects[0])
    assert sorted(kept) == ["1", "2"]
    assert kept["1"]["schedule"]["periods"] == [
        {"start": 0, "limit": 16.0},
        {"start": 60, "limit": 16.0},
    ]
    assert kept["1"]["transactionId"] == "tx-1" and kept["1"]["requestId"] == 7
    assert reply.over_budget == ()


def test_a_huge_report_is_cut_and_counted() -> None:
    profiles = [profile(n, 1024, schedules=3) for n in range(1, 41)]
    reply = report_charging_profiles(request(profiles), CONTEXT)
    kept = kept_of(reply.effects[0])
    assert len(kept) == MAX_PROFILES_PER_REPORT
    assert all(len(entry["schedule"]["periods"]) == MAX_PERIODS for entry in kept.values())
    assert kept["1"]["periodsOmitted"] == 1024 - MAX_PERIODS + 2 * 1024
    assert reply.over_budget == (BudgetReason.CHARGING_PROFILES,)
