"""The id-token store's bodies: ``/id-tokens``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import IdTokenValue

IdTokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]
EvseIds = Annotated[
    list[Annotated[int, Field(ge=1, le=1000)]],
    Field(
        max_length=16,
        description="The EVSEs the token is limited to (OCPP 2.x evseId; a 1.6 connector counts as the "
        "EVSE of its number); elsewhere it is NotAtThisLocation (2.x) or Invalid (1.6). "
        "Empty or absent: every EVSE",
    ),
]
GroupIdToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=36,
        description="The token's group (OCPP 2.x groupIdToken, 1.6 parentIdTag if at most 20 characters): "
        "stations let tokens of one group stop each other's transactions; billing prices groups",
    ),
]


class IdToken(TypedDict):
    idToken: str
    status: IdTokenStatus
    expiryDate: NotRequired[str]
    groupIdToken: NotRequired[str]
    evseIds: NotRequired[list[int]]
    chargingPriority: NotRequired[int]
    updatedAt: str


class IdTokenList(TypedDict):
    """Every token; for read-scope tokens only each value's last four characters ("****E6F7")."""

    idTokens: list[IdToken]
    masked: NotRequired[bool]


class PutIdToken(TypedDict):
    status: IdTokenStatus
    expiryDate: NotRequired[datetime]
    groupIdToken: NotRequired[GroupIdToken]
    evseIds: NotRequired[EvseIds]
    chargingPriority: NotRequired[
        Annotated[int, Field(ge=0, le=9, description="Smart charging: higher is admitted and filled first")]
    ]


class IdTokenPath(TypedDict):
    token: IdTokenValue


class IdTokenDeleted(TypedDict):
    idToken: str
    deleted: bool


class IdTokenImportEntry(PutIdToken):
    idToken: IdTokenValue


IdTokenImport = Annotated[
    list[IdTokenImportEntry],
    Field(
        min_length=1,
        description="Every token to create or replace (at most API_ID_TOKEN_IMPORT_MAX, each once)",
    ),
]


class IdTokenImported(TypedDict):
    imported: int
    created: int
    replaced: int
