"""The certificates part of the OpenAPI document: issued station certificates and revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

BINARY: Schema = {"type": "string", "format": "binary"}
COMMAND: Schema = {
    "type": "object",
    "required": ["messageId", "chargePointId", "action", "state"],
    "properties": {
        "messageId": {"type": "string"},
        "chargePointId": {"type": "string"},
        "action": {"type": "string"},
        "state": {"type": "string"},
        "result": {"type": "object"},
    },
}
INVENTORY: Schema = {
    "type": "object",
    "required": ["chargePointId", "certificates", "updatedAt"],
    "properties": {
        "chargePointId": {"type": "string"},
        "status": {"type": ["string", "null"]},
        "certificates": {"type": "array", "items": {"type": "object"}},
        "truncated": {"type": "boolean"},
        "updatedAt": {"type": ["string", "null"], "format": "date-time"},
    },
}

CERTIFICATE: Schema = {
    "type": "object",
    "required": ["serialNumber", "chargePointId", "subject", "notBefore", "notAfter", "status"],
    "properties": {
        "serialNumber": {"type": "string", "description": "hex"},
        "chargePointId": {"type": "string"},
        "certificateType": {"type": "string"},
        "subject": {"type": "string"},
        "issuer": {"type": "string"},
        "keyType": {"type": "string", "enum": ["RSA", "EC", "other"]},
        "keyBits": {"type": "integer"},
        "notBefore": {"type": "string", "format": "date-time"},
        "notAfter": {"type": "string", "format": "date-time"},
        "issuedAt": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["issued", "revoked"]},
        "revokedAt": {"type": "string", "format": "date-time"},
        "certificate": {"type": "string", "description": "PEM"},
        "certificateSignedMessageId": {"type": ["string", "null"]},
    },
}


def certificate_paths(
    operation: Callable[..., Schema],
    json: Callable[[Schema, str], Schema],
    errors: Callable[..., dict[str, Schema]],
    path_parameter: Callable[[str, Schema], Schema],
) -> dict[str, Schema]:
    station = path_parameter("station_id", {"type": "string", "minLength": 1, "maxLength": 48})
    serial = path_parameter("serial", {"type": "string", "pattern": "^[0-9a-fA-F]{1,40}$"})
    return {
        "/charge-points/{station_id}/certificates": {
            "parameters": [station],
            "get": operation(
                "Certificates the CA issued to the station (SignCertificate), oldest first",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "certificates"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "certificates": {"type": "array", "items": CERTIFICATE},
                            },
                        },
                        "The station's issued certificates",
                    )
                }
                | errors(),
            ),
        },
        "/charge-points/{station_id}/security-profile": {
            "parameters": [station],
            "post": operation(
                "Upgrade the station's security profile: the station is told over its current connection "
                "(1.6 ChangeConfiguration SecurityProfile; 2.x SetNetworkProfile, SetVariables "
                "NetworkConfigurationPriority, Reset) and once it accepted, the registry is raised and the "
                "session closed; only the new profile gets in afterwards",
                "admin",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "securityProfile", "previous", "steps"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "securityProfile": {"type": "integer"},
                                "previous": {"type": "integer"},
                                "steps": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "Upgraded",
                    )
                }
                | errors(404, 409, 415, 429, 502, 504),
                {
                    "type": "object",
                    "required": ["target"],
                    "properties": {
                        "target": {"type": "integer", "enum": [2, 3]},
                        "networkSlot": {"type": "integer", "minimum": 0, "maximum": 8},
                    },
                },
            ),
        },
        "/charge-points/{station_id}/certificates/install": {
            "parameters": [station],
            "post": operation(
                "InstallCertificate: a root certificate for the station to trust (as commands/{action}: "
                "202, or the station's answer with ?wait)",
                "command",
                {"200": json(COMMAND, "Answered"), "202": json(COMMAND, "Sent")}
                | errors(404, 409, 415, 429, 502, 504),
                {
                    "type": "object",
                    "required": ["certificateType", "certificate"],
                    "properties": {
                        "certificateType": {"type": "string"},
                        "certificate": {"type": "string", "maxLength": 5500, "description": "PEM"},
                    },
                },
            ),
        },
        "/charge-points/{station_id}/installed-certificates": {
            "parameters": [station],
            "get": operation(
                "The station's installed certificates from its last GetInstalledCertificateIds answer",
                "read",
                {"200": json(INVENTORY, "The inventory (empty, updatedAt null, before the first answer)")}
                | errors(),
            ),
        },
        "/charge-points/{station_id}/installed-certificates/refresh": {
            "parameters": [station],
            "post": operation(
                "GetInstalledCertificateIds; its answer becomes the inventory",
                "command",
                {"200": json(COMMAND, "Answered"), "202": json(COMMAND, "Sent")}
                | errors(404, 409, 429, 502, 504),
            ),
        },
        "/charge-points/{station_id}/installed-certificates/delete": {
            "parameters": [station],
            "post": operation(
                "DeleteCertificate: the certificate certificateHashData names",
                "command",
                {"200": json(COMMAND, "Answered"), "202": json(COMMAND, "Sent")}
                | errors(404, 409, 415, 429, 502, 504),
                {
                    "type": "object",
                    "required": ["certificateHashData"],
                    "properties": {"certificateHashData": {"type": "object"}},
                },
            ),
        },
        "/ocsp": {
            "post": {
                "summary": "The built-in CA's OCSP responder (RFC 6960); no token needed",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/ocsp-request": {"schema": BINARY},
                        "application/octet-stream": {"schema": BINARY},
                    },
                },
                "responses": {
                    "200": {
                        "description": "The signed OCSP response (good, revoked; unauthorized: another CA)",
                        "content": {"application/ocsp-response": {"schema": BINARY}},
                    }
                }
                | errors(404),
            }
        },
        "/charge-points/{station_id}/certificates/{serial}": {
            "parameters": [station, serial],
            "delete": operation(
                "Revoke an issued certificate: on the CRL (the gateway refuses it at the TLS handshake) "
                "and revoked in OCSP answers",
                "admin",
                {"200": json(CERTIFICATE, "Revoked (again: unchanged)")} | errors(404),
            ),
        },
    }
