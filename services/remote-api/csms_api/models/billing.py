"""Billing's bodies: OCPI 2.2.1 tariffs, their assignments, sessions and CDRs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import JsonObject, SessionId, StationId, TariffId


class PriceComponent(TypedDict):
    type: Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
    price: Annotated[float, Field(ge=0)]
    vat: NotRequired[Annotated[float, Field(ge=0, le=100)]]
    step_size: NotRequired[Annotated[int, Field(ge=1)]]


class TariffElement(TypedDict):
    price_components: Annotated[list[PriceComponent], Field(min_length=1, max_length=8)]
    restrictions: NotRequired[JsonObject]


class Tariff(TypedDict):
    """An OCPI 2.2.1 tariff, plus time_zone (IANA, default UTC)."""

    id: TariffId
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    time_zone: NotRequired[str]
    start_date_time: NotRequired[datetime]
    end_date_time: NotRequired[datetime]
    elements: Annotated[list[TariffElement], Field(min_length=1, max_length=32)]


class TariffList(TypedDict):
    tariffs: list[Tariff]


class TariffPath(TypedDict):
    tariff_id: TariffId


class AssignTariffs(TypedDict):
    tariffIds: Annotated[list[TariffId], Field(max_length=8)]


class Assignment(TypedDict):
    target: str
    tariffIds: list[str]


class AssignmentList(TypedDict):
    """Which tariffs apply where: ``station:{id}``, ``group:{groupIdToken}``, ``default``."""

    assignments: JsonObject


class GroupPath(TypedDict):
    group: Annotated[str, Field(min_length=1, max_length=36)]


class Price(TypedDict):
    excl_vat: float
    incl_vat: float


class Cost(TypedDict):
    currency: str
    lines: list[JsonObject]
    totalCost: Price
    notes: NotRequired[list[str]]


class Session(TypedDict):
    """A billing session ``{chargePointId}:{transactionId}`` with its energy and cost breakdown."""

    id: str
    chargePointId: str
    transactionId: str
    status: Literal["active", "awaitingEvents", "completed"]
    energyWh: float
    energyNotes: list[str]
    flagged: NotRequired[bool]
    cost: Cost | None
    samples: NotRequired[list[JsonObject]]
    signedMeterValues: NotRequired[list[JsonObject]]
    cdr: NotRequired[JsonObject]


class SessionPage(TypedDict):
    sessions: list[Session]
    nextCursor: str | None


SessionFilters = TypedDict(
    "SessionFilters",
    {
        "chargePointId": NotRequired[Annotated[StationId, Field(description="Only this station's")]],
        "idToken": NotRequired[
            Annotated[str, Field(min_length=1, max_length=36, description="Only this token's")]
        ],
        "from": NotRequired[Annotated[datetime, Field(description="Started at or after")]],
        "to": NotRequired[Annotated[datetime, Field(description="Started at or before")]],
    },
)


class SessionQuery(SessionFilters, total=False):
    cursor: Annotated[str, Field(description="nextCursor of the previous page")]
    limit: Annotated[int, Field(ge=1, le=200, description="Page size [50]")]


class SessionPath(TypedDict):
    session_id: SessionId


class Cdr(TypedDict):
    """An OCPI 2.2.1 CDR."""

    id: str
    start_date_time: str
    end_date_time: str
    currency: str
    total_cost: Price
    total_energy: NotRequired[float]
    charging_periods: list[JsonObject]
