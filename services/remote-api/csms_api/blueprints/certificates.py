"""Station certificates: what the CA issued to a station, revoking one, and the CA's OCSP responder.

The records, the revocation list and the CA key are the shadow service's; these views check the
request, ask it over ``csms/registry/{method}`` and pass its answer through. ``/ocsp`` is public
(RFC 6960: relying parties have no API token); its requests are small and bounded.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from typing import Any

from flask import Blueprint, Response, jsonify, request

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


MAX_OCSP_REQUEST_BYTES = 4096
OCSP_ENDPOINTS = frozenset({"certificates.ocsp_post", "certificates.ocsp_get"})
"""Public: no bearer token (see csms_api.blueprints.health.PUBLIC_ENDPOINTS)."""


def _ocsp(request_der: bytes) -> Response:
    if not request_der or len(request_der) > MAX_OCSP_REQUEST_BYTES:
        raise ApiError(400, f"An OCSP request is 1 to {MAX_OCSP_REQUEST_BYTES} bytes of DER")
    status, answer = bus().registry(
        RegistryMethod.OCSP, {"request": base64.b64encode(request_der).decode("ascii")}
    )
    if status >= 400:
        raise ApiError(status, str(answer.get("error", "request failed")))
    try:
        der = base64.b64decode(str(answer.get("response", "")), validate=True)
    except binascii.Error as error:
        raise ApiError(502, "Invalid answer from the shadow service") from error
    return Response(der, status=200, mimetype="application/ocsp-response")


@certificates.post("/ocsp")
def ocsp_post() -> Response:
    return _ocsp(request.get_data(cache=False))


@certificates.get("/ocsp/<path:encoded>")
def ocsp_get(encoded: str) -> Response:
    try:
        der = base64.b64decode(urllib.parse.unquote(encoded), validate=True)
    except binascii.Error as error:
        raise ApiError(400, "The path must be a base64 OCSP request") from error
    return _ocsp(der)
