"""The seed's remote start and stop endpoints, building the call for the station's OCPP version."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from csms_api.blueprints.commands import wait_parameter
from csms_api.bodies import json_body, optional_text, positive_integer, required, station_id_parameter
from csms_api.calls import (
    call_and_answer,
    connected_version,
    limit_commands,
    validated,
)
from csms_api.errors import ApiError
from csms_api.models.commands import RemoteStart, RemoteStop, RemoteTransactionResult
from csms_api.models.common import WaitQuery
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.ocpp import builders

transactions = Blueprint("transactions", __name__)

MAX_TRANSACTION_ID_LENGTH = 36
"""OCPP 2.0.1's transactionId is an identifierString of at most 36 characters."""


def transaction_id_parameter(body: dict[str, Any]) -> str:
    """Accept the reference's number or 2.0.1's string; return it as text."""
    value = required(body, "transactionId")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(400, "Invalid transactionId: must be a string or an integer")
    text = str(value)
    if len(text) > MAX_TRANSACTION_ID_LENGTH:
        raise ApiError(400, f"Invalid transactionId: longer than {MAX_TRANSACTION_ID_LENGTH} characters")
    return text


@transactions.post("/remote-start-transaction")
@requires(Scope.COMMAND)
@operation(
    "Start a transaction on a station (RequestStartTransaction / RemoteStartTransaction)",
    {200: (RemoteTransactionResult, "Sent (or answered, with wait)")},
    body=RemoteStart,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def remote_start() -> tuple[Response, int]:
    body = json_body(request)
    station_id = station_id_parameter(required(body, "chargePointId"))
    limit_commands(station_id)
    id_tag = optional_text(body, "idTag")
    connector_id = positive_integer(body, "connectorId", 1)
    version = connected_version(station_id)
    if version.is_v16 and id_tag is None:
        raise ApiError(400, "Missing required parameter: idTag (OCPP 1.6 stations require one)")
    remote_start_id = builders.new_remote_start_id()
    call = validated(
        builders.remote_start(
            version, id_tag=id_tag, connector_id=connector_id, remote_start_id=remote_start_id
        ),
        version,
    )
    answer: dict[str, Any] = {
        "message": f"{call.action} command sent successfully",
        "messageId": call.message_id,
        "chargePointId": station_id,
    }
    if not version.is_v16:
        answer["remoteStartId"] = remote_start_id
    return call_and_answer(station_id, call, version, wait_parameter(), answer, sent_status=200)


@transactions.post("/remote-stop-transaction")
@requires(Scope.COMMAND)
@operation(
    "Stop a transaction (RequestStopTransaction / RemoteStopTransaction)",
    {200: (RemoteTransactionResult, "Sent (or answered, with wait)")},
    body=RemoteStop,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def remote_stop() -> tuple[Response, int]:
    body = json_body(request)
    station_id = station_id_parameter(required(body, "chargePointId"))
    limit_commands(station_id)
    transaction_id = transaction_id_parameter(body)
    version = connected_version(station_id)
    if version.is_v16 and not transaction_id.lstrip("-").isdigit():
        raise ApiError(400, "Invalid transactionId: OCPP 1.6 transaction ids are integers")
    call = validated(builders.remote_stop(version, transaction_id=transaction_id), version)
    answer = {
        "message": f"{call.action} command sent successfully",
        "messageId": call.message_id,
        "chargePointId": station_id,
        "transactionId": body["transactionId"],
    }
    return call_and_answer(station_id, call, version, wait_parameter(), answer, sent_status=200)
