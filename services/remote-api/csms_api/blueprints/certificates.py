"""Station certificates: what the CA issued to a station, and revoking one.

The records, the revocation list and the CA key are the shadow service's; these views check the
request, ask it over ``csms/registry/{method}`` and pass its answer through.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify

from csms_api.blueprints.stations import bus
from csms_api.bodies import station_id_parameter
from csms_api.errors import ApiError
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

certificates = Blueprint("certificates", __name__)

_SERIAL = re.compile(r"^[0-9a-fA-F]{1,40}$")


def _ask(method: RegistryMethod, body: dict[str, Any]) -> tuple[Response, int]:
    status, answer = bus().registry(method, body)
    if status >= 400:
        raise ApiError(status, str(answer.get("error", "request failed")))
    return jsonify(answer), status


@certificates.get("/charge-points/<station_id>/certificates")
@requires(Scope.READ)
def list_certificates(station_id: str) -> tuple[Response, int]:
    return _ask(RegistryMethod.CERTIFICATE_LIST, {"chargePointId": station_id_parameter(station_id)})


@certificates.delete("/charge-points/<station_id>/certificates/<serial>")
@requires(Scope.ADMIN)
def revoke_certificate(station_id: str, serial: str) -> tuple[Response, int]:
    if not _SERIAL.match(serial):
        raise ApiError(400, "Invalid serialNumber: 1 to 40 hex digits")
    body = {"chargePointId": station_id_parameter(station_id), "serialNumber": serial.lower()}
    return _ask(RegistryMethod.CERTIFICATE_REVOKE, body)
