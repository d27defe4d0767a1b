"""Commands to stations: remote start/stop and any CSMS-initiated call, and their records."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import ActionName, JsonObject, MessageId, StationId

CommandState = Literal["sent", "answered", "error", "timeout", "rejected", "closed"]
TransactionIdValue = str | int


class RemoteStart(TypedDict):
    chargePointId: StationId
    idTag: NotRequired[str]
    connectorId: NotRequired[Annotated[int, Field(ge=1)]]
    transactionData: NotRequired[JsonObject]


class RemoteStop(TypedDict):
    chargePointId: StationId
    transactionId: TransactionIdValue


class RemoteTransactionResult(TypedDict):
    """Sent (or, with ``?wait``, answered): the call's message id and, with wait, the station's answer."""

    message: str
    messageId: str
    chargePointId: str
    remoteStartId: NotRequired[int]
    transactionId: NotRequired[TransactionIdValue]
    state: NotRequired[str]
    result: NotRequired[JsonObject]
    error: NotRequired[str]


class CommandPath(TypedDict):
    station_id: StationId
    action: ActionName


class CommandResult(TypedDict):
    messageId: str
    chargePointId: str
    action: NotRequired[str]
    state: CommandState
    result: NotRequired[JsonObject]
    error: NotRequired[str]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]
    errorDetails: NotRequired[JsonObject]


class CommandRecordPath(TypedDict):
    message_id: MessageId


class CommandRecord(TypedDict):
    messageId: str
    chargePointId: str
    state: CommandState
    action: NotRequired[str]
    request: NotRequired[JsonObject]
    payload: NotRequired[JsonObject]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]
    reason: NotRequired[str]
