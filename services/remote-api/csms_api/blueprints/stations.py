"""The station registry and shadow reads: ``/charge-points``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.bodies import json_body, required, station_id_parameter
from csms_api.bus import ApiBus
from csms_api.errors import ApiError
from csms_api.models.common import StationPath
from csms_api.models.stations import (
    PasswordSet,
    RegisterStation,
    SetPassword,
    Shadow,
    Station,
    StationDeleted,
    StationList,
    TransactionList,
    UpdateStation,
)
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

stations = Blueprint("stations", __name__)


def bus() -> ApiBus:
    api_bus: ApiBus = current_app.extensions["csms_bus"]
    return api_bus


def _answer(status: int, body: dict[str, object]) -> tuple[Response, int]:
    if status == 400:
        raise ApiError(400, str(body.get("error", "invalid request")))
    if status >= 400 and "error" not in body:
        body = {"error": str(body.get("message", "request failed"))}
    return jsonify(body), status


@stations.post("/charge-points")
@requires(Scope.ADMIN)
@operation("Register a station", {201: (Station, "Registered")}, body=RegisterStation, errors=(409, 415))
def register_station() -> tuple[Response, int]:
    body = json_body(request)
    station_id = station_id_parameter(required(body, "chargePointId"))
    request_body: dict[str, object] = {"chargePointId": station_id}
    for optional in ("registrationStatus", "securityProfile", "password"):
        if optional in body:
            request_body[optional] = body[optional]
    return _answer(*bus().registry(RegistryMethod.CREATE, request_body))


@stations.patch("/charge-points/<station_id>")
@requires(Scope.ADMIN)
@operation(
    "Change a station's registration status, security profile, labels and/or smart-charging site",
    {200: (Station, "Updated")},
    body=UpdateStation,
    path=StationPath,
    errors=(404, 415),
)
def update_station(station_id: str) -> tuple[Response, int]:
    """Change the registration status (the station's next boot learns it), the security profile, the
    labels (``{"labels": {"site": "depot-1", "old": null}}``, docs/fleet.md), and/or the smart-charging
    site of the station (``site``) or of single EVSEs (``evses``)."""
    station_id = station_id_parameter(station_id)
    body = json_body(request)
    changes: dict[str, object] = {
        key: body[key] for key in ("registrationStatus", "securityProfile", "labels") if key in body
    }
    placement: dict[str, object] = {key: body[key] for key in ("site", "evses") if key in body}
    if not changes and not placement:
        raise ApiError(
            400, "Missing required parameter: registrationStatus, securityProfile, labels, site or evses"
        )
    membership: dict[str, object] = {}
    if placement:
        status, membership = bus().registry(
            RegistryMethod.SITE_MEMBERSHIP, {"chargePointId": station_id, **placement}
        )
        if status != 200:
            return _answer(status, membership)
    if not changes:
        status, answer = bus().registry(RegistryMethod.GET, {"chargePointId": station_id})
        return _answer(status, {**answer, **_placement(membership)})
    status, answer = bus().registry(RegistryMethod.UPDATE, {"chargePointId": station_id, **changes})
    if status == 200 and membership:
        answer = {**answer, **_placement(membership)}
    if status == 200:
        # An open session keeps what its handshake proved: a station now Rejected, or now required
        # to prove more, is closed (1008) and must pass the new rules to come back.
        if changes.get("registrationStatus") == "Rejected":
            bus().disconnect(station_id, "registration rejected")
        elif "securityProfile" in changes:
            bus().disconnect(station_id, "security profile changed")
        elif "registrationStatus" in changes:
            bus().refresh_gateways(station_id)
    return _answer(status, answer)


def _placement(membership: dict[str, object]) -> dict[str, object]:
    return {key: membership.get(key) for key in ("site", "evses", "wiring")}


@stations.put("/charge-points/<station_id>/password")
@requires(Scope.ADMIN)
@operation(
    "Set the station's Basic-auth password (security profiles 1 and 2), stored as a scrypt hash",
    {200: (PasswordSet, "Set")},
    body=SetPassword,
    path=StationPath,
    errors=(404, 415),
)
def set_password(station_id: str) -> tuple[Response, int]:
    """The Basic-auth password of security profiles 1 and 2 (16 to 40 characters), stored hashed."""
    station_id = station_id_parameter(station_id)
    password = required(json_body(request), "password")
    status, answer = bus().registry(
        RegistryMethod.SET_PASSWORD, {"chargePointId": station_id, "password": password}
    )
    if status == 200:
        # A session opened with the old password must not outlive it.
        bus().disconnect(station_id, "credentials changed")
    return _answer(status, answer)


@stations.get("/charge-points/<station_id>/transactions")
@requires(Scope.READ)
@operation(
    "The station's transaction records",
    {200: (TransactionList, "Records, oldest first")},
    path=StationPath,
    errors=(404,),
)
def list_transactions(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    return _answer(*bus().registry(RegistryMethod.TRANSACTIONS, {"chargePointId": station_id}))


@stations.get("/charge-points")
@requires(Scope.READ)
@operation("List registered stations", {200: (StationList, "The registry")})
def list_stations() -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.LIST, {}))


@stations.get("/charge-points/<station_id>")
@requires(Scope.READ)
@operation("Show a station", {200: (Station, "The station")}, path=StationPath, errors=(404,))
def get_station(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    return _answer(*bus().registry(RegistryMethod.GET, {"chargePointId": station_id}))


@stations.delete("/charge-points/<station_id>")
@requires(Scope.ADMIN)
@operation(
    "Deregister a station and drop its connection",
    {200: (StationDeleted, "Deleted")},
    path=StationPath,
    errors=(404,),
)
def delete_station(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    status, body = bus().registry(RegistryMethod.DELETE, {"chargePointId": station_id})
    if status == 200:
        bus().disconnect(station_id, "charge point deregistered")
    return _answer(status, body)


@stations.get("/charge-points/<station_id>/shadow")
@requires(Scope.READ)
@operation(
    "The station's reported state (AWS IoT shadow document)",
    {200: (Shadow, "The shadow")},
    path=StationPath,
    errors=(404,),
)
def get_shadow(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    status, body = bus().shadow(station_id)
    if status == 404:
        raise ApiError(404, f"Charge point not found: {station_id}")
    return _answer(status, body)
