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
    }


def merge_paths(paths: dict[str, Schema], more: dict[str, Schema]) -> dict[str, Schema]:
    """``paths`` with ``more``'s operations added, path item by path item."""
    merged = dict(paths)
    for path, item in more.items():
        merged[path] = {**merged.get(path, {}), **item}
    return merged
