"""CSMS→station commands: any action of the station's version, optionally waiting for the answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.calls import connected_version, limit_commands, send_action
from csms_api.errors import ApiError
from csms_api.models.commands import CommandPath, CommandRecord, CommandRecordPath, CommandResult
from csms_api.models.common import JsonObject, WaitQuery
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.ocpp.actions import csms_initiated
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.topics import RegistryMethod

commands = Blueprint("commands", __name__)

MAX_WAIT_SECONDS = 60.0


def wait_parameter() -> float | None:
    """``?wait=SECONDS``: None when absent; 400 unless 0 < SECONDS <= 60."""
    raw = request.args.get("wait")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError as error:
        raise ApiError(
            400, f"Invalid wait: must be a number of seconds up to {MAX_WAIT_SECONDS:g}"
        ) from error
    if not 0 < seconds <= MAX_WAIT_SECONDS:
        raise ApiError(400, f"Invalid wait: must be more than 0 and at most {MAX_WAIT_SECONDS:g} seconds")
    return seconds


@commands.post("/charge-points/<station_id>/commands/<action>")
@requires(Scope.COMMAND)
@operation(
    "Send any CSMS-initiated OCPP call of the station's version; the body is its payload",
    {200: (CommandResult, "Answered (with wait)"), 202: (CommandResult, "Sent (without wait)")},
    body=JsonObject,
    path=CommandPath,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def send_command(station_id: str, action: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    limit_commands(station_id)
    payload = json_body(request)
    wait = wait_parameter()
    version = connected_version(station_id)
    schemas: SchemaRegistry = current_app.extensions["csms_schemas"]
    if action not in csms_initiated(schemas, version):
        raise ApiError(400, f"{action} is not a CSMS-initiated action in OCPP {version}")
    return send_action(station_id, action, payload, version, wait)


@commands.get("/commands/<message_id>")
@requires(Scope.READ)
@operation("A command's record", {200: (CommandRecord, "The record")}, path=CommandRecordPath, errors=(404,))
def get_command(message_id: str) -> tuple[Response, int]:
    if not 0 < len(message_id) <= 64:
        raise ApiError(400, "Invalid messageId")
    status, body = bus().registry(RegistryMethod.COMMAND_GET, {"messageId": message_id})
    return jsonify(body), status
