"""Types shared by every resource: ids in paths and bodies, the error body, the ``?wait`` parameter."""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

StationId = Annotated[str, Field(min_length=1, max_length=48)]
"""A charge point's id (OCPP's identity: at most 48 characters)."""

MessageId = Annotated[str, Field(min_length=1, max_length=64)]
IdTokenValue = Annotated[str, Field(min_length=1, max_length=36)]
EventId = Annotated[str, Field(min_length=1, max_length=41)]
WebhookId = Annotated[str, Field(min_length=1, max_length=64)]
TariffId = Annotated[str, Field(min_length=1, max_length=36)]
SessionId = Annotated[str, Field(min_length=1, max_length=90)]
ActionName = Annotated[str, Field(min_length=1)]
JsonObject = dict[str, object]


class Error(TypedDict):
    """Every error the API answers: ``{"error": "..."}``."""

    error: str


class StationPath(TypedDict):
    station_id: StationId


class WaitQuery(TypedDict):
    wait: NotRequired[
        Annotated[
            float,
            Field(
                gt=0,
                le=60,
                description="Wait up to this many seconds (0 < wait <= 60) for the station's answer",
            ),
        ]
    ]
