"""Charging profiles of a station: ``/charge-points/{id}/charging-profiles[/{profileId}]``.

A PUT is parsed into the one profile model (400 with the reason), translated to the station's
version (1.6 ``csChargingProfiles`` or 2.0.1 ``chargingProfile``), sent as SetChargingProfile and
waited for; only a profile the station accepted is kept (by the shadow service) and listed. A DELETE
sends ClearChargingProfile. Ids 159999-161000 are the allocator's and refused here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.calls import (
    answer_of,
    connected_version,
    limit_commands,
    validated,
    wait_slot,
)
from csms_api.errors import ApiError
from csms_api.models.common import JsonObject, StationPath
from csms_api.models.sites import ChargingProfile, ChargingProfileList, ProfilePath, ProfileSource
from csms_api.operations import operation
from csms_api.registry_calls import ask_registry
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.commands import CommandState
from csms_common.ocpp.frames import Call, new_message_id
from csms_common.ocpp.versions import OcppVersion
from csms_common.smart_charging.profiles import InvalidProfile, Profile, Purpose, parse_profile, to_version
from csms_common.topics import RegistryMethod

charging_profiles = Blueprint("charging_profiles", __name__)

RESERVED_IDS = range(159_999, 161_001)
MAX_PROFILES_PER_STATION = 16
"""As the shadow service keeps them (csms_shadow.charging.profile_requests)."""
WAIT_SECONDS = 10.0


def _profile_id(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise ApiError(400, "profileId must be an integer from 1 to 2147483647")
    if int(raw) in RESERVED_IDS:
        raise ApiError(400, f"profile ids {RESERVED_IDS.start}-{RESERVED_IDS.stop - 1} are the allocator's")
    return int(raw)


def _call(
    station_id: str, action: str, payload: dict[str, Any], version: OcppVersion
) -> dict[str, Any] | None:
    call = validated(Call(new_message_id(), action, payload), version)
    with wait_slot(WAIT_SECONDS):
        result: dict[str, Any] | None = bus().send_call(station_id, call, version.value, WAIT_SECONDS)
    return result


def _room_for(station_id: str, wanted: int) -> None:
    """409 before anything is sent when the station already has MAX_PROFILES_PER_STATION kept profiles."""
    status, listed = bus().registry(RegistryMethod.PROFILE_LIST, {"chargePointId": station_id})
    kept = [profile.get("id") for profile in listed.get("chargingProfiles", [])] if status == 200 else []
    if wanted not in kept and len(kept) >= MAX_PROFILES_PER_STATION:
        raise ApiError(
            409, f"at most {MAX_PROFILES_PER_STATION} charging profiles per station; delete one first"
        )


def _leave_sites_to_the_allocator(station_id: str, profile: Profile) -> None:
    """A station in a site takes only ChargingStationMaxProfiles through the API: a Tx or TxDefault profile
    of its own would override (or replace) the allocator's and could make the site exceed its limit."""
    if profile.purpose is Purpose.STATION_MAX:
        return
    status, membership = bus().registry(RegistryMethod.SITE_MEMBERSHIP, {"chargePointId": station_id})
    if status == 200 and (membership.get("site") or membership.get("evses")):
        raise ApiError(
            409,
            f"{station_id} is in a smart-charging site: its {profile.purpose} profiles are the allocator's "
            "(set a ChargingStationMaxProfile, or leave the site first)",
        )


@charging_profiles.get("/charge-points/<station_id>/charging-profiles")
@requires(Scope.READ)
@operation(
    "The charging profiles set through the API that the station accepted, or (source=station) the "
    "profiles the station reported",
    {200: (ChargingProfileList, "The profiles")},
    path=StationPath,
    query=ProfileSource,
    errors=(404,),
)
def list_profiles(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    source = request.args.get("source", "api")
    if source not in ("api", "station"):
        raise ApiError(400, "source must be api or station")
    ask_registry(RegistryMethod.GET, {"chargePointId": station_id})  # 404 for an unknown station
    if source == "api":
        return ask_registry(RegistryMethod.PROFILE_LIST, {"chargePointId": station_id})
    status, shadow = bus().shadow(station_id)
    reported = ((shadow.get("state") or {}).get("reported") or {}) if status == 200 else {}
    return jsonify(
        {
            "chargePointId": station_id,
            "source": "station",
            "chargingProfiles": reported_profiles(reported.get("chargingProfiles")),
        }
    ), 200


def reported_profiles(kept: Any) -> list[dict[str, Any]]:
    """``reported.chargingProfiles`` (profile id -> summary) as a list by id, without null fields."""
    if not isinstance(kept, dict):
        return []
    listed = [
        {"id": int(profile_id), **{key: value for key, value in summary.items() if value is not None}}
        for profile_id, summary in kept.items()
        if isinstance(summary, dict) and str(profile_id).lstrip("-").isdigit()
    ]
    return sorted(listed, key=lambda profile: int(profile["id"]))


@charging_profiles.get("/charge-points/<station_id>/charging-profiles/<profile_id>")
@requires(Scope.READ)
@operation("One kept profile", {200: (ChargingProfile, "The profile")}, path=ProfilePath, errors=(404,))
def get_profile(station_id: str, profile_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    wanted = _profile_id(profile_id)
    status, listed = bus().registry(RegistryMethod.PROFILE_LIST, {"chargePointId": station_id})
    for profile in listed.get("chargingProfiles", []) if status == 200 else []:
        if profile.get("id") == wanted:
            return jsonify(profile), 200
    raise ApiError(404, f"Charging profile not found: {wanted}")


@charging_profiles.put("/charge-points/<station_id>/charging-profiles/<profile_id>")
@requires(Scope.COMMAND)
@operation(
    "Send a profile (SetChargingProfile, waited up to 10 s); kept when the station accepts it",
    {200: (ChargingProfile, "Accepted and kept")},
    body=ChargingProfile,
    path=ProfilePath,
    errors=(404, 409, 415, 429, 502, 504),
)
def put_profile(station_id: str, profile_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    body = json_body(request)
    wanted = _profile_id(profile_id)
    if body.get("id", wanted) != wanted:
        raise ApiError(400, "the body's id differs from the path's")
    try:
        profile = parse_profile({**body, "id": wanted})
        _leave_sites_to_the_allocator(station_id, profile)
        limit_commands(station_id)
        version = connected_version(station_id)
        payload = to_version(profile, version.value)
    except InvalidProfile as error:
        raise ApiError(400, str(error)) from None
    _room_for(station_id, wanted)
    result = _call(station_id, "SetChargingProfile", payload, version)
    base = {"chargePointId": station_id, "id": wanted, "action": "SetChargingProfile"}
    if result is None or result.get("state") != CommandState.ANSWERED.value:
        return answer_of(result, WAIT_SECONDS, base)
    answer = result.get("payload", {})
    if answer.get("status") != "Accepted":
        raise ApiError(409, f"the station answered {answer.get('status')}: the profile is not in force")
    ask_registry(RegistryMethod.PROFILE_PUT, {"chargePointId": station_id, "profile": profile.as_json()})
    return jsonify({**profile.as_json(), "result": answer}), 200


@charging_profiles.delete("/charge-points/<station_id>/charging-profiles/<profile_id>")
@requires(Scope.COMMAND)
@operation(
    "Clear a profile (ClearChargingProfile, waited for up to 10 s)",
    {200: (JsonObject, "The station's answer")},
    path=ProfilePath,
    errors=(404, 409, 429, 502, 504),
)
def delete_profile(station_id: str, profile_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    wanted = _profile_id(profile_id)
    limit_commands(station_id)
    version = connected_version(station_id)
    payload = {"id": wanted} if version is OcppVersion.V16 else {"chargingProfileId": wanted}
    result = _call(station_id, "ClearChargingProfile", payload, version)
    base = {"chargePointId": station_id, "id": wanted, "action": "ClearChargingProfile"}
    if result is None or result.get("state") != CommandState.ANSWERED.value:
        return answer_of(result, WAIT_SECONDS, base)
    _, removed = bus().registry(RegistryMethod.PROFILE_DELETE, {"chargePointId": station_id, "id": wanted})
    return jsonify(
        {**base, "deleted": bool(removed.get("deleted")), "result": result.get("payload", {})}
    ), 200
