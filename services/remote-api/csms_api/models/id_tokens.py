"""The id-token store's bodies: ``/id-tokens``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import IdTokenValue

IdTokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]


class IdToken(TypedDict):
    idToken: str
    status: IdTokenStatus
    expiryDate: NotRequired[str]
    groupIdToken: NotRequired[str]
    chargingPriority: NotRequired[int]
    updatedAt: str


class IdTokenList(TypedDict):
    """Every token; for read-scope tokens only each value's last four characters ("****E6F7")."""

    idTokens: list[IdToken]
    masked: NotRequired[bool]


class PutIdToken(TypedDict):
    status: IdTokenStatus
    expiryDate: NotRequired[datetime]
    groupIdToken: NotRequired[IdTokenValue]
    chargingPriority: NotRequired[
        Annotated[int, Field(ge=0, le=9, description="Smart charging: higher is admitted and filled first")]
    ]


class IdTokenPath(TypedDict):
    token: IdTokenValue


class IdTokenDeleted(TypedDict):
    idToken: str
    deleted: bool
