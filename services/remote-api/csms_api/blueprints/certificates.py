"""Station certificates: what the CA issued to a station, revoking one, and the CA's OCSP responder.

The records, the revocation list and the CA key are the shadow service's; these views check the
request, ask it over ``csms/shadow/certificates/{method}`` and pass its answer through. ``/ocsp`` is public
(RFC 6960: relying parties have no API token); its requests are small and bounded.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from typing import Any

from cryptography import x509
from flask import Blueprint, Response, request

from csms_api.blueprints.commands import wait_parameter
from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.calls import (
    connected_version,
    limit_commands,
    send_action,
)
from csms_api.errors import ApiError
from csms_api.models.certificates import (
    CertificatePath,
    DeleteInstalledCertificate,
    InstallCertificate,
    InstalledCertificates,
    IssuedCertificate,
    IssuedCertificates,
    OcspPath,
    RefreshInstalledCertificates,
)
from csms_api.models.commands import CommandResult
from csms_api.models.common import StationPath, WaitQuery
from csms_api.operations import Answer, operation
from csms_api.registry_calls import ask_registry
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

certificates = Blueprint("certificates", __name__)

_SERIAL = re.compile(r"^[0-9a-fA-F]{1,40}$")


@certificates.get("/charge-points/<station_id>/certificates")
@requires(Scope.READ)
@operation(
    "Certificates the CA issued to the station (SignCertificate), oldest first",
    {200: (IssuedCertificates, "The station's issued certificates")},
    path=StationPath,
    errors=(404,),
)
def list_certificates(station_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.CERTIFICATE_LIST, {"chargePointId": station_id_parameter(station_id)})


@certificates.delete("/charge-points/<station_id>/certificates/<serial>")
@requires(Scope.ADMIN)
@operation(
    "Revoke an issued certificate: on the CRL (refused at the TLS handshake) and revoked in OCSP answers",
    {200: (IssuedCertificate, "Revoked (again: unchanged)")},
    path=CertificatePath,
    errors=(404,),
)
def revoke_certificate(station_id: str, serial: str) -> tuple[Response, int]:
    if not _SERIAL.match(serial):
        raise ApiError(400, "Invalid serialNumber: 1 to 40 hex digits")
    body = {"chargePointId": station_id_parameter(station_id), "serialNumber": serial.lower()}
    return ask_registry(RegistryMethod.CERTIFICATE_REVOKE, body)


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
@operation(
    "The built-in CA's OCSP responder (RFC 6960, DER request as the body); no token needed",
    {200: Answer(bytes, "The signed OCSP response", "application/ocsp-response")},
    errors=(400, 404),
)
def ocsp_post() -> Response:
    return _ocsp(request.get_data(cache=False))


@certificates.get("/ocsp/<path:encoded>")
@operation(
    "The built-in CA's OCSP responder, GET form (base64 request in the path); no token needed",
    {200: Answer(bytes, "The signed OCSP response", "application/ocsp-response")},
    path=OcspPath,
    errors=(400, 404),
)
def ocsp_get(encoded: str) -> Response:
    try:
        der = base64.b64decode(urllib.parse.unquote(encoded), validate=True)
    except ValueError as error:  # binascii.Error, or characters outside ASCII
        raise ApiError(400, "The path must be a base64 OCSP request") from error
    return _ocsp(der)


# ------------------------------------------------------ installed certificates

MAX_CERTIFICATE_CHARACTERS = 5500
"""InstallCertificateRequest.certificate: string[0..5500] (2.0.1; 1.6 security extension alike)."""


def _send(station_id: str, action: str, payload: dict[str, Any]) -> tuple[Response, int]:
    """A CSMS call as ``POST .../commands/{action}`` sends it: rate-limited, schema-checked, ``?wait``."""
    limit_commands(station_id)
    wait = wait_parameter()
    return send_action(station_id, action, payload, connected_version(station_id), wait)


@certificates.post("/charge-points/<station_id>/certificates/install")
@requires(Scope.COMMAND)
@operation(
    "InstallCertificate: a root certificate for the station to trust (202 sent, or the answer with ?wait)",
    {200: (CommandResult, "Answered"), 202: (CommandResult, "Sent")},
    body=InstallCertificate,
    path=StationPath,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def install_certificate(station_id: str) -> tuple[Response, int]:
    """InstallCertificate: a root certificate (PEM, one certificate) for the station to trust."""
    station_id = station_id_parameter(station_id)
    body = json_body(request)
    pem, certificate_type = body.get("certificate"), body.get("certificateType")
    if not isinstance(pem, str) or not 0 < len(pem) <= MAX_CERTIFICATE_CHARACTERS:
        raise ApiError(
            400, f"Invalid certificate: a PEM certificate of at most {MAX_CERTIFICATE_CHARACTERS} characters"
        )
    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise ApiError(400, "Invalid certificate: not a PEM X.509 certificate") from error
    if not isinstance(certificate_type, str):
        raise ApiError(400, "Missing required parameter: certificateType")
    return _send(station_id, "InstallCertificate", {"certificateType": certificate_type, "certificate": pem})


@certificates.post("/charge-points/<station_id>/installed-certificates/delete")
@requires(Scope.COMMAND)
@operation(
    "DeleteCertificate: the certificate certificateHashData names",
    {200: (CommandResult, "Answered"), 202: (CommandResult, "Sent")},
    body=DeleteInstalledCertificate,
    path=StationPath,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def delete_installed_certificate(station_id: str) -> tuple[Response, int]:
    """DeleteCertificate: the one ``certificateHashData`` names (as GetInstalledCertificateIds listed it)."""
    station_id = station_id_parameter(station_id)
    hash_data = json_body(request).get("certificateHashData")
    if not isinstance(hash_data, dict):
        raise ApiError(400, "Missing required parameter: certificateHashData")
    return _send(station_id, "DeleteCertificate", {"certificateHashData": hash_data})


@certificates.post("/charge-points/<station_id>/installed-certificates/refresh")
@requires(Scope.COMMAND)
@operation(
    "GetInstalledCertificateIds; its answer becomes the inventory",
    {200: (CommandResult, "Answered"), 202: (CommandResult, "Sent")},
    body=RefreshInstalledCertificates,
    body_required=False,
    path=StationPath,
    query=WaitQuery,
    errors=(404, 409, 415, 429, 502, 504),
)
def refresh_installed_certificates(station_id: str) -> tuple[Response, int]:
    """GetInstalledCertificateIds; its answer becomes the inventory of ``GET .../installed-certificates``."""
    station_id = station_id_parameter(station_id)
    body = json_body(request) if request.content_length else {}
    payload = {key: body[key] for key in ("certificateType",) if key in body}
    return _send(station_id, "GetInstalledCertificateIds", payload)


@certificates.get("/charge-points/<station_id>/installed-certificates")
@requires(Scope.READ)
@operation(
    "The station's installed certificates from its last GetInstalledCertificateIds answer",
    {200: (InstalledCertificates, "The inventory (empty, updatedAt null, before the first answer)")},
    path=StationPath,
    errors=(404,),
)
def installed_certificates(station_id: str) -> tuple[Response, int]:
    """The inventory from the station's last GetInstalledCertificateIds answer (kept by the shadow)."""
    return ask_registry(
        RegistryMethod.CERTIFICATE_INVENTORY, {"chargePointId": station_id_parameter(station_id)}
    )
