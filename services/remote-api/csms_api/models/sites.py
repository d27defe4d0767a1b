"""Smart charging: sites and their limits, allocations, and the operator's charging profiles."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import StationId

SiteId = Annotated[str, Field(pattern="^[A-Za-z0-9._:-]{1,48}$")]


class Limit(TypedDict, total=False):
    """Exactly one of amps (per phase) or watts (all phases together)."""

    amps: Annotated[float, Field(gt=0, le=100000)]
    watts: Annotated[float, Field(gt=0)]
    phases: Literal[1, 3]


class ScheduledLimit(TypedDict):
    start: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    limit: Limit


class SiteBody(TypedDict):
    limit: Limit
    name: NotRequired[Annotated[str, Field(min_length=1, max_length=100)]]
    schedule: NotRequired[
        Annotated[
            list[ScheduledLimit],
            Field(
                max_length=96,
                description="Limits from a start on (increasing); before the first, the static limit",
            ),
        ]
    ]
    parent: NotRequired[SiteId]
    timeZone: NotRequired[Annotated[str, Field(description="IANA time zone; billing uses it for this site")]]


class ExternalLimit(TypedDict):
    limit: Limit
    expires: Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class LimitNow(TypedDict, total=False):
    amps: Annotated[list[float], Field(description="Amps per phase L1, L2, L3 in force now")]


class Site(TypedDict):
    id: str
    name: str
    limit: Limit
    schedule: NotRequired[list[ScheduledLimit]]
    parent: NotRequired[str]
    timeZone: NotRequired[str]
    externalLimit: NotRequired[ExternalLimit]
    limitNow: NotRequired[LimitNow]
    stations: NotRequired[list[str]]


class SiteList(TypedDict):
    sites: list[Site]


class SitePath(TypedDict):
    site_id: SiteId


class SiteDeleted(TypedDict, total=False):
    id: str
    deleted: bool


class Allocated(TypedDict):
    chargePointId: str
    transactionId: str
    evseId: int
    amps: Annotated[float, Field(description="Per phase, as sent in the TxProfile")]
    state: Annotated[
        Literal["sent", "accepted", "rejected", "lost"],
        Field(description="rejected (or answered with an error): counted at the station's maximum"),
    ]
    capAmps: NotRequired[float | None]


class Allocation(TypedDict):
    id: str
    transactions: list[Allocated]


PhaseRotation = Literal["RST", "RTS", "SRT", "STR", "TRS", "TSR", "NotApplicable", "Unknown"]


class EvseSite(TypedDict, total=False):
    site: SiteId | None
    phaseRotation: Annotated[
        PhaseRotation | None,
        Field(
            description="OCPP PhaseRotation: the grid phase (R, S, T = the site's L1, L2, L3) of the EVSE's "
            "L1, L2, L3; a single-phase EV is counted on its EVSE's L1 only when this is known "
            "(NotApplicable, Unknown and null clear it)"
        ),
    ]
    phases: Annotated[
        Literal[1, 2, 3] | None, Field(description="The EVSE's phases (default 3; 1 = a single-phase EVSE)")
    ]


class SchedulePeriod(TypedDict):
    start: Annotated[int, Field(ge=0, description="Seconds from the schedule's start")]
    limit: Annotated[float, Field(ge=0)]
    phases: NotRequired[Literal[1, 3]]


class ProfileSchedule(TypedDict):
    rateUnit: Literal["A", "W"]
    periods: Annotated[list[SchedulePeriod], Field(min_length=1, max_length=24)]
    startSchedule: NotRequired[Annotated[str, Field(json_schema_extra={"format": "date-time"})]]
    duration: NotRequired[Annotated[int, Field(ge=1)]]


class ChargingProfile(TypedDict):
    """One model for 1.6 and 2.0.1 (translated per the station's version)."""

    purpose: Literal["ChargingStationMaxProfile", "TxDefaultProfile", "TxProfile"]
    schedule: ProfileSchedule
    id: NotRequired[Annotated[int, Field(ge=1)]]
    stackLevel: NotRequired[Annotated[int, Field(ge=0, le=100)]]
    kind: NotRequired[Literal["Absolute", "Recurring", "Relative"]]
    recurrency: NotRequired[Literal["Daily", "Weekly"]]
    evseId: NotRequired[Annotated[int, Field(ge=0, le=1000)]]
    transactionId: NotRequired[Annotated[str, Field(min_length=1, max_length=36)]]
    validFrom: NotRequired[Annotated[str, Field(json_schema_extra={"format": "date-time"})]]
    validTo: NotRequired[Annotated[str, Field(json_schema_extra={"format": "date-time"})]]


class ReportedPeriod(TypedDict):
    start: int
    limit: float
    phases: NotRequired[int]


class ReportedSchedule(TypedDict):
    rateUnit: str
    periods: list[ReportedPeriod]
    startSchedule: NotRequired[str]
    duration: NotRequired[int]
    minChargingRate: NotRequired[float]


class ReportedProfile(TypedDict):
    """A profile the station reported (2.x ReportChargingProfiles, answering GetChargingProfiles)."""

    id: int
    evseId: int
    chargingLimitSource: str
    requestId: int
    stackLevel: int
    purpose: str
    kind: str
    schedule: ReportedSchedule
    reportedAt: str
    recurrencyKind: NotRequired[str]
    validFrom: NotRequired[str]
    validTo: NotRequired[str]
    transactionId: NotRequired[str]
    periodsOmitted: NotRequired[
        Annotated[
            int, Field(description="Periods beyond the first schedule's 24 (and other schedules') not kept")
        ]
    ]


class ChargingProfileList(TypedDict):
    """``source=api`` (default): the profiles set through the API that the station accepted;
    ``source=station``: what the station itself reported (2.x ReportChargingProfiles)."""

    chargePointId: str
    chargingProfiles: list[ChargingProfile] | list[ReportedProfile]
    source: NotRequired[Literal["api", "station"]]


class ProfileSource(TypedDict):
    source: NotRequired[
        Annotated[
            Literal["api", "station"],
            Field(
                description="api (default): profiles set through the API; station: the profiles the station "
                "reported (2.x ReportChargingProfiles, after a GetChargingProfiles; 1.6 has no such call)"
            ),
        ]
    ]


class ProfilePath(TypedDict):
    station_id: StationId
    profile_id: Annotated[int, Field(ge=1, le=2147483647)]
