"""Fleet management: desired state, label selectors, fleet status and fleet commands (docs/fleet.md)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import JsonObject

ConfigurationValue = Annotated[str, Field(max_length=1000)]


class DesiredFirmware(TypedDict):
    """One firmware version to install (UpdateFirmware; 1.6 SignedUpdateFirmware when signed)."""

    version: Annotated[str, Field(min_length=1, max_length=50)]
    location: Annotated[str, Field(min_length=1, max_length=512, description="http:// or https:// URL")]
    signature: NotRequired[Annotated[str, Field(max_length=800)] | None]
    signingCertificate: NotRequired[Annotated[str, Field(max_length=5500)] | None]


class DesiredLocalAuthList(TypedDict):
    """Version N of the list of the id tokens (all, or one groupIdToken's) on the station."""

    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    source: Annotated[
        str, Field(pattern=r"^(id-tokens|group:.{1,36})$", description='"id-tokens" or "group:<name>"')
    ]


class Desired(TypedDict, total=False):
    """Only managed properties; null deletes a key."""

    configuration: Annotated[
        dict[str, ConfigurationValue | None] | None,
        Field(
            description='1.6: {"<Key>": "value"}; 2.x: {"<Component>[/<evse>[/<connector>]].<Variable>'
            '[.<attributeType>]": "value"}; at most 256 keys'
        ),
    ]
    availability: Annotated[
        dict[str, Literal["Operative", "Inoperative"] | None] | None,
        Field(description='EVSE id (1.6 connector id; "0" = the whole station) -> Operative | Inoperative'),
    ]
    firmware: Annotated[
        DesiredFirmware | None,
        Field(
            description="In sync when reported.firmware.version is this version and firmwareStatus Installed"
        ),
    ]
    localAuthList: Annotated[
        DesiredLocalAuthList | None,
        Field(description="In sync when reported.localAuthList.version is this version (docs/fleet.md)"),
    ]


class DesiredState(TypedDict):
    desired: Desired | None


class DesiredPatch(TypedDict):
    state: DesiredState


class SelectorQuery(TypedDict):
    selector: Annotated[
        str,
        Field(
            max_length=1024,
            description="Kubernetes label selector, e.g. site=depot-1,model in (X,Y); empty: every station",
        ),
    ]


class OptionalSelectorQuery(TypedDict):
    selector: NotRequired[
        Annotated[str, Field(max_length=1024, description="Kubernetes label selector; empty: every station")]
    ]


class FailedStation(TypedDict):
    chargePointId: str
    status: int
    error: str


class FleetDesiredAnswer(TypedDict):
    selector: str
    matched: int
    applied: int
    failed: list[FailedStation]
    failedOmitted: int


class FailingStation(TypedDict):
    chargePointId: str
    connected: bool
    reasons: dict[str, str]


class FleetStatus(TypedDict):
    selector: str
    total: int
    inSync: int
    pending: int
    failed: int
    offline: int
    failing: list[FailingStation]
    failingOmitted: int


class FleetCommandResult(TypedDict):
    chargePointId: str
    state: Annotated[
        str, Field(description="offline, invalid, sent, answered, error, timeout, closed, rejected")
    ]
    messageId: NotRequired[str]
    error: NotRequired[str]
    payload: NotRequired[JsonObject]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]


class FleetBatch(TypedDict):
    batchId: str
    action: str
    selector: str
    createdAt: str
    matched: int
    sent: int
    results: list[FleetCommandResult]
    counts: NotRequired[dict[str, int]]


class FleetCommandPath(TypedDict):
    target: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            description="POST: the OCPP action to send; GET: the batchId a POST answered",
        ),
    ]


class PasswordRotated(TypedDict):
    chargePointId: str
    messageId: str
    rotated: bool
    hasPassword: bool
