"""Security-profile upgrade (OCPP 2.0.1 A05; 1.6 security whitepaper): ``POST
/charge-points/{id}/security-profile {"target": 2|3}``.

The station is told first, over its current connection, and the registry is raised only once it has
accepted: 1.6 ChangeConfiguration ``SecurityProfile``; 2.x SetNetworkProfile (slot
``networkSlot``, ``ocppCsmsUrl`` = API_STATION_WSS_URL, the target profile), SetVariables
``OCPPCommCtrlr.NetworkConfigurationPriority`` = that slot, then Reset OnIdle. Then its registered
profile is raised and its open session closed (1008): from now on only the new profile gets in,
a downgrade attempt with the old credentials is refused at the handshake.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.calls import connected_version, limit_commands, validated, wait_slot
from csms_api.errors import ApiError
from csms_api.models.certificates import SecurityProfileUpgrade, SecurityProfileUpgraded
from csms_api.models.common import StationPath
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.commands import CommandState
from csms_common.ocpp.frames import Call, new_message_id
from csms_common.ocpp.versions import OcppVersion
from csms_common.topics import RegistryMethod

security_profiles = Blueprint("security_profiles", __name__)

STEP_WAIT_SECONDS = 15.0
DEFAULT_NETWORK_SLOT = 1


def _call(station_id: str, version: OcppVersion, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one call and wait for its answer; 502/504 (with what happened) unless the station answered."""
    call = validated(Call(new_message_id(), action, payload), version)
    with wait_slot(STEP_WAIT_SECONDS):
        result = bus().send_call(station_id, call, version.value, STEP_WAIT_SECONDS)
    if result is None or result.get("state") != CommandState.ANSWERED.value:
        state = (result or {}).get("state", "no answer")
        raise ApiError(504 if result is None else 502, f"{action} not answered: {state}; profile unchanged")
    answer: dict[str, Any] = result.get("payload") or {}
    return answer


def _accepted(action: str, answer: dict[str, Any], field: str = "status") -> None:
    status = answer.get(field)
    if status not in ("Accepted", "RebootRequired"):
        raise ApiError(409, f"The station answered {action} with {status!r}; profile unchanged")


@security_profiles.post("/charge-points/<station_id>/security-profile")
@requires(Scope.ADMIN)
@operation(
    "Upgrade the station's security profile: the station is told over its current connection (1.6 "
    "ChangeConfiguration SecurityProfile; 2.x SetNetworkProfile, SetVariables, Reset); once it accepted, the "
    "registry is raised and the session closed; only the new profile gets in afterwards",
    {200: (SecurityProfileUpgraded, "Upgraded")},
    body=SecurityProfileUpgrade,
    path=StationPath,
    errors=(404, 409, 415, 429, 502, 504),
)
def upgrade_security_profile(station_id: str) -> tuple[Response, int]:
    station_id = station_id_parameter(station_id)
    body = json_body(request)
    target = body.get("target")
    if target not in (2, 3) or isinstance(target, bool):
        raise ApiError(400, "Invalid target: 2 or 3")
    slot = body.get("networkSlot", DEFAULT_NETWORK_SLOT)
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot <= 8:
        raise ApiError(400, "Invalid networkSlot: an integer from 0 to 8")
    status, station = bus().registry(RegistryMethod.GET, {"chargePointId": station_id})
    if status != 200:
        raise ApiError(status, str(station.get("error", "request failed")))
    current = int(station.get("securityProfile") or 0)
    if target <= current:
        raise ApiError(409, f"The station is on security profile {current}; only upgrades are done here")
    if target == 2 and not station.get("hasPassword"):
        raise ApiError(409, "Security profile 2 needs a password: PUT /charge-points/{id}/password first")
    limit_commands(station_id)
    version = connected_version(station_id)
    steps: list[str] = []
    if version is OcppVersion.V16:
        answer = _call(
            station_id, version, "ChangeConfiguration", {"key": "SecurityProfile", "value": str(target)}
        )
        _accepted("ChangeConfiguration", answer)
        steps.append("ChangeConfiguration")
    else:
        url = current_app.config.get("CSMS_STATION_WSS_URL")
        if not url:
            raise ApiError(
                409, "API_STATION_WSS_URL is not configured: the station would not know where to go"
            )
        connection = {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": url,
            "messageTimeout": 30,
            "securityProfile": target,
            "ocppInterface": "Wired0",
        }
        answer = _call(
            station_id,
            version,
            "SetNetworkProfile",
            {"configurationSlot": slot, "connectionData": connection},
        )
        _accepted("SetNetworkProfile", answer)
        variables = {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "NetworkConfigurationPriority"},
                    "attributeValue": str(slot),
                }
            ]
        }
        answer = _call(station_id, version, "SetVariables", variables)
        results = answer.get("setVariableResult") or [{}]
        _accepted("SetVariables", results[0], "attributeStatus")
        answer = _call(station_id, version, "Reset", {"type": "OnIdle"})
        if answer.get("status") not in ("Accepted", "Scheduled"):
            raise ApiError(
                409, f"The station answered Reset with {answer.get('status')!r}; profile unchanged"
            )
        steps += ["SetNetworkProfile", "SetVariables", "Reset"]
    status, updated = bus().registry(
        RegistryMethod.UPDATE, {"chargePointId": station_id, "securityProfile": target}
    )
    if status != 200:
        raise ApiError(status, str(updated.get("error", "request failed")))
    bus().disconnect(station_id, "security profile upgraded")
    return jsonify(
        {"chargePointId": station_id, "securityProfile": target, "previous": current, "steps": steps}
    ), 200
