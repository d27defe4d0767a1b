"""The fleet part of the OpenAPI document: desired state (docs/fleet.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

STATUS_ENTRY: Schema = {
    "type": "object",
    "properties": {"status": {"type": "string"}, "value": {"type": "string"}},
}
DESIRED: Schema = {
    "type": "object",
    "nullable": True,
    "description": "Only managed properties; null deletes a key (or, for desired itself, all of it)",
    "additionalProperties": False,
    "properties": {
        "configuration": {
            "type": "object",
            "nullable": True,
            "description": '1.6: {"<Key>": "value"}; 2.x: {"<Component>[/<evse>[/<connector>]].<Variable>'
            '[.<attributeType>]": "value"}; at most 256 keys',
            "additionalProperties": {"type": "string", "nullable": True, "maxLength": 1000},
        },
        "availability": {
            "type": "object",
            "nullable": True,
            "description": 'EVSE id (1.6 connector id; "0" = the whole station) → Operative | Inoperative',
            "additionalProperties": {
                "type": "string",
                "nullable": True,
                "enum": ["Operative", "Inoperative"],
            },
        },
    },
}
DESIRED_BODY: Schema = {
    "type": "object",
    "required": ["state"],
    "properties": {
        "state": {
            "type": "object",
            "required": ["desired"],
            "additionalProperties": False,
            "properties": {"desired": DESIRED},
        }
    },
}
SHADOW_WITH_DESIRED: Schema = {
    "type": "object",
    "required": ["state", "metadata", "version", "timestamp"],
    "properties": {
        "state": {
            "type": "object",
            "properties": {
                "reported": {"type": "object"},
                "desired": {"type": "object"},
                "delta": {"type": "object", "description": "Desired values not reported (yet)"},
            },
        },
        "metadata": {"type": "object"},
        "version": {"type": "integer"},
        "timestamp": {"type": "integer"},
    },
}


SELECTOR: Schema = {
    "name": "selector",
    "in": "query",
    "description": "Kubernetes label selector, e.g. site=depot-1,model in (X,Y); empty matches every station",
    "schema": {"type": "string", "maxLength": 1024},
}
FLEET_DESIRED_ANSWER: Schema = {
    "type": "object",
    "required": ["selector", "matched", "applied", "failed", "failedOmitted"],
    "properties": {
        "selector": {"type": "string"},
        "matched": {"type": "integer"},
        "applied": {"type": "integer"},
        "failed": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "object",
                "properties": {
                    "chargePointId": {"type": "string"},
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                },
            },
        },
        "failedOmitted": {"type": "integer"},
    },
}
FLEET_STATUS: Schema = {
    "type": "object",
    "required": ["selector", "total", "inSync", "pending", "failed", "offline", "failing", "failingOmitted"],
    "properties": {
        "selector": {"type": "string"},
        "total": {"type": "integer"},
        "inSync": {"type": "integer"},
        "pending": {"type": "integer"},
        "failed": {"type": "integer"},
        "offline": {"type": "integer"},
        "failing": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "object",
                "properties": {
                    "chargePointId": {"type": "string"},
                    "connected": {"type": "boolean"},
                    "reasons": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "failingOmitted": {"type": "integer"},
    },
}


FLEET_BATCH: Schema = {
    "type": "object",
    "required": ["batchId", "action", "selector", "createdAt", "matched", "sent", "results"],
    "properties": {
        "batchId": {"type": "string"},
        "action": {"type": "string"},
        "selector": {"type": "string"},
        "createdAt": {"type": "string"},
        "matched": {"type": "integer"},
        "sent": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "results": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "required": ["chargePointId", "state"],
                "properties": {
                    "chargePointId": {"type": "string"},
                    "state": {
                        "type": "string",
                        "description": "offline, invalid, sent, answered, error, timeout, closed, rejected",
                    },
                    "messageId": {"type": "string"},
                    "error": {"type": "string"},
                    "payload": {"type": "object"},
                    "errorCode": {"type": "string"},
                    "errorDescription": {"type": "string"},
                },
            },
        },
    },
}


def fleet_paths(
    operation: Callable[..., Schema],
    json: Callable[[Schema, str], Schema],
    errors: Callable[..., dict[str, Schema]],
    path_parameter: Callable[[str, Schema], Schema],
) -> dict[str, Schema]:
    """Path items (or operations to add to existing path items) of the fleet endpoints."""
    return {
        "/charge-points/{station_id}/shadow": {
            "patch": operation(
                "Change the station's desired state (AWS IoT merge); answers the shadow with its delta",
                "admin",
                {"200": json(SHADOW_WITH_DESIRED, "The shadow")} | errors(404, 415),
                DESIRED_BODY,
            ),
        },
        "/fleet/shadow": {
            "patch": operation(
                "Change the desired state of every station the selector matches",
                "admin",
                {"200": json(FLEET_DESIRED_ANSWER, "Applied")} | errors(415),
                DESIRED_BODY,
                parameters=[{**SELECTOR, "required": True}],
            ),
        },
        # One path item: OpenAPI treats /fleet/commands/{action} and /{batch_id} as the same path.
        "/fleet/commands/{target}": {
            "parameters": [
                {
                    **path_parameter("target", {"type": "string", "minLength": 1, "maxLength": 64}),
                    "description": "POST: the OCPP action to send; GET: the batchId a POST answered",
                }
            ],
            "post": operation(
                "Send the same call to every connected station the selector matches (at most 1,000)",
                "command",
                {"202": json(FLEET_BATCH, "Sent; one result per station")} | errors(415),
                {"type": "object", "description": "The call's payload (OCPP JSON of the stations' version)"},
                parameters=[{**SELECTOR, "required": True}],
            ),
            "get": operation(
                "A fleet command batch with each station's call as it is now",
                "read",
                {"200": json(FLEET_BATCH, "The batch")} | errors(404),
            ),
        },
        "/charge-points/{station_id}/password/rotate": {
            "parameters": [path_parameter("station_id", {"type": "string", "minLength": 1, "maxLength": 48})],
            "post": operation(
                "Give a connected station a new Basic-auth password: the station first, then the registry",
                "admin",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "messageId", "rotated", "hasPassword"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "messageId": {"type": "string"},
                                "rotated": {"type": "boolean"},
                                "hasPassword": {"type": "boolean"},
                            },
                        },
                        "Rotated; the station's session was closed",
                    )
                }
                | errors(404, 409, 429, 504),
            ),
        },
        "/fleet/status": {
            "get": operation(
                "How many stations the selector matches are in sync, pending, failed or offline",
                "read",
                {"200": json(FLEET_STATUS, "Status")} | errors(),
                parameters=[SELECTOR],
            ),
        },
    }


def merge_paths(paths: dict[str, Schema], more: dict[str, Schema]) -> dict[str, Schema]:
    """``paths`` with ``more``'s operations added, path item by path item."""
    merged = dict(paths)
    for path, item in more.items():
        merged[path] = {**merged.get(path, {}), **item}
    return merged
