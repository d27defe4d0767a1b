"""Fleet management: desired state of a station's shadow (docs/fleet.md).

The shadow service checks and keeps desired state and its reconciler acts on it; these views check
the request's shape, ask over ``csms/registry/shadow-desired`` and pass the answer through.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.errors import ApiError
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

fleet = Blueprint("fleet", __name__)


@fleet.patch("/charge-points/<station_id>/shadow")
@requires(Scope.ADMIN)
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
def update_fleet_desired() -> tuple[Response, int]:
    """The same desired patch for every station the ``selector`` query parameter matches."""
    if "selector" not in request.args:
        raise ApiError(400, "Missing required parameter: selector (an empty one matches every station)")
    body = json_body(request)
    state = body.get("state")
    if not isinstance(state, dict) or set(state) != {"desired"}:
        raise ApiError(400, 'Body must be {"state": {"desired": {...}}}')
    return _ask(RegistryMethod.FLEET_DESIRED, {"selector": request.args["selector"], "state": state})


@fleet.get("/fleet/status")
@requires(Scope.READ)
def fleet_status() -> tuple[Response, int]:
    """In sync / pending / failed / offline counts of the stations ``selector`` matches (all by default)."""
    return _ask(RegistryMethod.FLEET_STATUS, {"selector": request.args.get("selector", "")})


def _ask(method: RegistryMethod, body: dict[str, object]) -> tuple[Response, int]:
    status, answer = bus().registry(method, body)
    if status >= 400:
        raise ApiError(status, str(answer.get("error", "request failed")))
    return jsonify(answer), status
