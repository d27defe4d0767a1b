"""The station registry's bodies: ``/charge-points``."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import JsonObject, StationId
from csms_api.models.sites import EvseSite, SiteId

RegistrationStatus = Literal["Accepted", "Pending", "Rejected"]
SecurityProfile = Literal[0, 1, 2, 3]
Password = Annotated[str, Field(min_length=16, max_length=40)]


class Connection(TypedDict, total=False):
    """Where the station is connected now."""

    protocol: str
    gatewayInstance: str
    sessionId: str
    since: str


class Station(TypedDict):
    """A registered station and its connection (null while offline)."""

    chargePointId: str
    registrationStatus: RegistrationStatus
    securityProfile: NotRequired[SecurityProfile]
    hasPassword: NotRequired[bool]
    createdAt: str
    connected: bool
    connection: Connection | None
    lastDisconnectedAt: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    site: NotRequired[str | None]
    evses: NotRequired[JsonObject | None]
    wiring: NotRequired[JsonObject | None]


class StationList(TypedDict):
    chargePoints: list[Station]


class RegisterStation(TypedDict):
    chargePointId: StationId
    registrationStatus: NotRequired[RegistrationStatus]
    securityProfile: NotRequired[SecurityProfile]
    password: NotRequired[Password]


LabelValue = Annotated[str, Field(max_length=63)]


class UpdateStation(TypedDict, total=False):
    registrationStatus: RegistrationStatus
    securityProfile: SecurityProfile
    labels: Annotated[
        dict[str, LabelValue | None],
        Field(description="Kubernetes-style labels to merge; null removes one (at most 32)"),
    ]
    site: Annotated[SiteId | None, Field(description="Smart charging: the station's site; null leaves it")]
    evses: Annotated[
        dict[str, EvseSite],
        Field(
            description='Single EVSEs in another site, and their wiring: {"1": {"site": id | null, '
            '"phaseRotation": "STR", "phases": 1}}'
        ),
    ]


class SetPassword(TypedDict):
    password: Password


class PasswordSet(TypedDict):
    chargePointId: str
    hasPassword: bool


class StationDeleted(TypedDict):
    chargePointId: str
    deleted: bool


class ShadowState(TypedDict):
    reported: JsonObject
    desired: NotRequired[JsonObject]
    delta: NotRequired[Annotated[JsonObject, Field(description="Desired values not reported (yet)")]]


class Shadow(TypedDict):
    """The station's reported state (an AWS IoT shadow document)."""

    state: ShadowState
    metadata: JsonObject
    version: int
    timestamp: int


class Transaction(TypedDict):
    transactionId: str
    status: NotRequired[str]
    remoteStartMessageId: NotRequired[str]


class TransactionList(TypedDict):
    chargePointId: str
    transactions: list[Transaction]
