"""Fleet management: desired state of a station's shadow (docs/fleet.md).

The shadow service checks and keeps desired state and its reconciler acts on it; these views check
the request's shape, ask over ``csms/shadow/documents/shadow-desired`` and pass the answer through.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.calls import connected_version, validated, wait_slot
from csms_api.errors import ApiError
from csms_api.models.common import JsonObject, StationPath
from csms_api.models.fleet import (
    DesiredPatch,
    FleetBatch,
    FleetCommandPath,
    FleetDesiredAnswer,
    FleetStatus,
    OptionalSelectorQuery,
    PasswordRotated,
    SelectorQuery,
)
from csms_api.models.stations import Shadow
from csms_api.operations import operation
from csms_api.registry_calls import ask_registry
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.clock import utc_now_iso
from csms_common.commands import CommandState
from csms_common.ocpp.actions import csms_initiated
from csms_common.ocpp.frames import Call, new_message_id
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_common.topics import RegistryMethod

fleet = Blueprint("fleet", __name__)

MAX_COMMAND_STATIONS = 1000
"""Stations one fleet command may address (more: 400, narrow the selector)."""


@fleet.patch("/charge-points/<station_id>/shadow")
@requires(Scope.ADMIN)
@operation(
    "Change the station's desired state (AWS IoT merge); answers the shadow with its delta",
    {200: (Shadow, "The shadow")},
    body=DesiredPatch,
    path=StationPath,
    errors=(404, 413, 415),
)
def update_desired(station_id: str) -> tuple[Response, int]:
    """``{"state": {"desired": {...}}}`` merged like AWS IoT (objects merge, null deletes)."""
    station_id = station_id_parameter(station_id)
    body = json_body(request)
    state = body.get("state")
    if not isinstance(state, dict) or set(state) != {"desired"}:
        raise ApiError(400, 'Body must be {"state": {"desired": {...}}}')
    status, answer = bus().registry(
        RegistryMethod.SHADOW_DESIRED, {"chargePointId": station_id, "state": state}
    )
    if status == 404:
        raise ApiError(404, f"Charge point not found: {station_id}")
    if status >= 400:
        raise ApiError(status, str(answer.get("error", "request failed")))
    return jsonify(answer), status


@fleet.patch("/fleet/shadow")
@requires(Scope.ADMIN)
@operation(
    "Change the desired state of every station the selector matches",
    {200: (FleetDesiredAnswer, "Applied")},
    body=DesiredPatch,
    query=SelectorQuery,
    errors=(415,),
)
def update_fleet_desired() -> tuple[Response, int]:
    """The same desired patch for every station the ``selector`` query parameter matches."""
    if "selector" not in request.args:
        raise ApiError(400, "Missing required parameter: selector (an empty one matches every station)")
    body = json_body(request)
    state = body.get("state")
    if not isinstance(state, dict) or set(state) != {"desired"}:
        raise ApiError(400, 'Body must be {"state": {"desired": {...}}}')
    return ask_registry(RegistryMethod.FLEET_DESIRED, {"selector": request.args["selector"], "state": state})


@fleet.get("/fleet/status")
@requires(Scope.READ)
@operation(
    "How many stations the selector matches are in sync, pending, failed or offline",
    {200: (FleetStatus, "Status")},
    query=OptionalSelectorQuery,
)
def fleet_status() -> tuple[Response, int]:
    """In sync / pending / failed / offline counts of the stations ``selector`` matches (all by default)."""
    return ask_registry(RegistryMethod.FLEET_STATUS, {"selector": request.args.get("selector", "")})


@fleet.post("/fleet/commands/<target>")
@requires(Scope.COMMAND)
@operation(
    "Send the same call to every connected station the selector matches (at most 1,000)",
    {202: (FleetBatch, "Sent; one result per station")},
    body=JsonObject,
    path=FleetCommandPath,
    query=SelectorQuery,
    errors=(415,),
)
def send_fleet_command(target: str) -> tuple[Response, int]:
    """The same call to every connected station the selector matches; 202 with a result per station.

    A station offline, or whose version has no such action or refuses the payload's schema, is not
    called: its result says why. ``GET /fleet/commands/{batchId}`` shows each call as it is now.
    """
    action = target
    if "selector" not in request.args:
        raise ApiError(400, "Missing required parameter: selector (an empty one matches every station)")
    selector = request.args["selector"]
    payload = json_body(request)
    status, listing = bus().registry(
        RegistryMethod.FLEET_LIST, {"selector": selector, "limit": MAX_COMMAND_STATIONS}
    )
    if status >= 400:
        raise ApiError(status, str(listing.get("error", "request failed")))
    if listing["matched"] > MAX_COMMAND_STATIONS:
        raise ApiError(
            400, f"selector matches {listing['matched']} stations, more than {MAX_COMMAND_STATIONS}"
        )
    schemas: SchemaRegistry = current_app.extensions["csms_schemas"]
    results = [_command_one(station, action, payload, schemas) for station in listing["stations"]]
    batch = {
        "batchId": uuid.uuid4().hex,
        "action": action,
        "selector": selector,
        "createdAt": utc_now_iso(),
        "matched": listing["matched"],
        "sent": sum(1 for result in results if result.get("messageId")),
        "results": results,
    }
    stored, answer = bus().registry(RegistryMethod.FLEET_BATCH_PUT, {"batch": batch})
    if stored >= 400:
        raise ApiError(stored, str(answer.get("error", "batch not stored")))
    return jsonify(batch), 202


def _command_one(
    station: dict[str, Any], action: str, payload: dict[str, Any], schemas: SchemaRegistry
) -> dict[str, Any]:
    station_id = str(station["chargePointId"])
    if not station.get("connected") or not station.get("protocol"):
        return {"chargePointId": station_id, "state": "offline"}
    version = OcppVersion.from_subprotocol(station["protocol"])
    if action not in csms_initiated(schemas, version):
        error = f"{action} is not a CSMS-initiated action in OCPP {version.value}"
        return {"chargePointId": station_id, "state": "invalid", "error": error}
    try:
        call = validated(Call(new_message_id(), action, payload), version)
    except ApiError as error:
        return {"chargePointId": station_id, "state": "invalid", "error": error.message}
    bus().send_call(station_id, call, version.value)
    return {"chargePointId": station_id, "state": CommandState.SENT.value, "messageId": call.message_id}


@fleet.get("/fleet/commands/<target>")
@requires(Scope.READ)
@operation(
    "A fleet command batch with each station's call as it is now",
    {200: (FleetBatch, "The batch")},
    path=FleetCommandPath,
    errors=(404,),
)
def get_fleet_command(target: str) -> tuple[Response, int]:
    """The batch with each station's call as it is now, and counts by state."""
    batch_id = target
    if not 0 < len(batch_id) <= 64:
        raise ApiError(400, "Invalid batchId")
    return ask_registry(RegistryMethod.FLEET_BATCH_GET, {"batchId": batch_id})


ROTATE_WAIT_SECONDS = 30.0


@fleet.post("/charge-points/<station_id>/password/rotate")
@requires(Scope.ADMIN)
@operation(
    "Give a connected station a new Basic-auth password: the station first, then the registry",
    {200: (PasswordRotated, "Rotated; the station's session was closed")},
    path=StationPath,
    errors=(404, 409, 429, 504),
)
def rotate_password(station_id: str) -> tuple[Response, int]:
    """A new Basic-auth password (security profiles 1 and 2): the station is told it first (2.x
    SetVariables SecurityCtrlr.BasicAuthPassword, 1.6 ChangeConfiguration AuthorizationKey) and, once
    it accepted, the registry keeps it and the session opened with the old one is closed; the station
    reconnects with the new one. Refused or unanswered: nothing changes (409, 504).

    The password is 40 hexadecimal digits: a valid 2.x passwordString and 1.6 AuthorizationKey alike.
    It is not shown to anyone.
    """
    station_id = station_id_parameter(station_id)
    version = connected_version(station_id)
    password = secrets.token_hex(20)
    if version is OcppVersion.V16:
        call = Call(new_message_id(), "ChangeConfiguration", {"key": "AuthorizationKey", "value": password})
    else:
        call = Call(
            new_message_id(),
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": password,
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                    }
                ]
            },
        )
    with wait_slot(ROTATE_WAIT_SECONDS):
        result = bus().send_call(station_id, validated(call, version), version.value, ROTATE_WAIT_SECONDS)
    base = {"chargePointId": station_id, "messageId": call.message_id}
    if result is None or result.get("state") != CommandState.ANSWERED.value:
        state = "sent" if result is None else result.get("state")
        raise ApiError(504, f"The station did not accept a new password (call {state}); nothing changed")
    payload = result.get("payload") or {}
    status = (
        payload.get("status")
        if version is OcppVersion.V16
        else ((payload.get("setVariableResult") or [{}])[0].get("attributeStatus"))
    )
    if status != "Accepted":
        raise ApiError(409, f"The station answered {status}; the password is unchanged")
    stored, answer = bus().registry(
        RegistryMethod.SET_PASSWORD, {"chargePointId": station_id, "password": password}
    )
    if stored != 200:
        raise ApiError(stored, str(answer.get("error", "password not stored")))
    bus().disconnect(station_id, "credentials changed")
    return jsonify({**base, "rotated": True, "hasPassword": True}), 200
