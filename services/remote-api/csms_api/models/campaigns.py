"""Firmware campaigns (docs/fleet.md)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.fleet import DesiredFirmware


class CampaignWindow(TypedDict):
    start: Annotated[
        str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="time of day HH:MM in timeZone")
    ]
    end: Annotated[
        str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="before start: over midnight")
    ]
    timeZone: NotRequired[
        Annotated[
            str,
            Field(
                max_length=64,
                description="IANA time zone (daylight saving time followed), e.g. Europe/Berlin; "
                "default UTC; an unknown one is 400",
            ),
        ]
    ]
    days: NotRequired[
        Annotated[
            list[Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]],
            Field(
                min_length=1,
                max_length=7,
                description="days of the week a window may start on (an over-midnight window "
                "belongs to the day it starts); default every day",
            ),
        ]
    ]


class CampaignRequest(TypedDict):
    selector: Annotated[
        str,
        Field(max_length=1024, description="Kubernetes label selector; empty: every station (at most 2,000)"),
    ]
    firmware: DesiredFirmware
    batchSize: Annotated[int, Field(ge=1, le=1000)]
    maxFailures: Annotated[
        int | Annotated[str, Field(pattern=r"^\d{1,3}%$")],
        Field(
            description='Failures (since the last resume) after which the campaign pauses: a count or "N%"'
        ),
    ]
    window: NotRequired[CampaignWindow]


class CampaignStation(TypedDict):
    chargePointId: str
    state: Literal["pending", "updating", "installed", "failed"]
    batch: NotRequired[int]
    reason: NotRequired[
        Annotated[
            str, Field(description="Why it failed: the station's answer or status, Timeout, or desired: ...")
        ]
    ]


class Campaign(TypedDict):
    campaignId: str
    state: Literal["running", "paused", "cancelled", "completed"]
    selector: str
    firmware: DesiredFirmware
    batchSize: int
    maxFailures: int | str
    window: NotRequired[CampaignWindow]
    batch: Annotated[int, Field(description="The number of the latest batch started (0: none yet)")]
    acknowledgedFailures: Annotated[int, Field(description="Failures before the last resume")]
    createdAt: float
    updatedAt: float
    counts: dict[str, int]
    stations: list[CampaignStation]


class CampaignPath(TypedDict):
    campaign_id: Annotated[str, Field(min_length=1, max_length=64)]


class CampaignActionPath(TypedDict):
    campaign_id: Annotated[str, Field(min_length=1, max_length=64)]
    action: Literal["pause", "resume", "cancel"]
