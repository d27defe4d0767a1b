"""The smart-charging part of the OpenAPI document: sites, limits, external limits, charging profiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

SITE_ID: Schema = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,48}$"}
LIMIT: Schema = {
    "type": "object",
    "description": "Exactly one of amps (per phase) or watts (all phases together)",
    "properties": {
        "amps": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 100000},
        "watts": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
        "phases": {"type": "integer", "enum": [1, 3], "default": 3},
    },
}
SITE_BODY: Schema = {
    "type": "object",
    "required": ["limit"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "limit": LIMIT,
        "schedule": {
            "type": "array",
            "maxItems": 96,
            "description": "Limits from a start on (strictly increasing); before the first, the static limit",
            "items": {
                "type": "object",
                "required": ["start", "limit"],
                "properties": {"start": {"type": "string", "format": "date-time"}, "limit": LIMIT},
            },
        },
        "parent": SITE_ID,
        "timeZone": {
            "type": "string",
            "description": "IANA time zone; billing uses it for this site's stations",
        },
    },
}
EXTERNAL: Schema = {
    "type": "object",
    "required": ["limit", "expires"],
    "properties": {"limit": LIMIT, "expires": {"type": "string", "format": "date-time"}},
}
SITE: Schema = {
    "type": "object",
    "required": ["id", "name", "limit"],
    "properties": {
        **SITE_BODY["properties"],
        "id": SITE_ID,
        "externalLimit": EXTERNAL,
        "limitNow": {
            "type": "object",
            "description": "Amps per phase L1, L2, L3 in force now (schedule and external limit applied)",
            "properties": {"amps": {"type": "array", "items": {"type": "number"}}},
        },
        "stations": {"type": "array", "items": {"type": "string"}},
    },
}
MEMBERSHIP_PROPERTIES: Schema = {
    "site": {**SITE_ID, "nullable": True, "description": "The station's site; null leaves it"},
    "evses": {
        "type": "object",
        "description": 'Single EVSEs in another site: {"1": {"site": id | null}}',
        "additionalProperties": {"type": "object", "properties": {"site": {**SITE_ID, "nullable": True}}},
    },
}


ALLOCATED: Schema = {
    "type": "object",
    "required": ["chargePointId", "transactionId", "evseId", "amps", "state"],
    "properties": {
        "chargePointId": {"type": "string"},
        "transactionId": {"type": "string"},
        "evseId": {"type": "integer"},
        "amps": {"type": "number", "description": "Per phase, as sent in the TxProfile"},
        "state": {
            "type": "string",
            "enum": ["sent", "accepted", "rejected", "lost"],
            "description": "rejected (or answered with an error): counted at the station's maximum",
        },
        "capAmps": {
            "type": "number",
            "nullable": True,
            "description": "Spare capacity: capped at its draw + 1 A",
        },
    },
}
PERIOD: Schema = {
    "type": "object",
    "required": ["start", "limit"],
    "properties": {
        "start": {"type": "integer", "minimum": 0, "description": "Seconds from the schedule's start"},
        "limit": {"type": "number", "minimum": 0},
        "phases": {"type": "integer", "enum": [1, 3]},
    },
}
PROFILE: Schema = {
    "type": "object",
    "description": "One model for 1.6 and 2.0.1 (translated per the station's version)",
    "required": ["purpose", "schedule"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "stackLevel": {"type": "integer", "minimum": 0, "maximum": 100},
        "purpose": {"type": "string", "enum": ["ChargingStationMaxProfile", "TxDefaultProfile", "TxProfile"]},
        "kind": {"type": "string", "enum": ["Absolute", "Recurring", "Relative"]},
        "recurrency": {"type": "string", "enum": ["Daily", "Weekly"]},
        "evseId": {"type": "integer", "minimum": 0, "maximum": 1000},
        "transactionId": {"type": "string", "minLength": 1, "maxLength": 36},
        "validFrom": {"type": "string", "format": "date-time"},
        "validTo": {"type": "string", "format": "date-time"},
        "schedule": {
            "type": "object",
            "required": ["rateUnit", "periods"],
            "properties": {
                "rateUnit": {"type": "string", "enum": ["A", "W"]},
                "startSchedule": {"type": "string", "format": "date-time"},
                "duration": {"type": "integer", "minimum": 1},
                "periods": {"type": "array", "minItems": 1, "maxItems": 24, "items": PERIOD},
            },
        },
    },
}


def site_paths(
    operation: Callable[..., Schema],
    json: Callable[[Schema, str], Schema],
    errors: Callable[..., dict[str, Schema]],
    path_parameter: Callable[[str, Schema], Schema],
) -> dict[str, Schema]:
    site = path_parameter("site_id", SITE_ID)
    station = path_parameter("station_id", {"type": "string", "minLength": 1, "maxLength": 48})
    profile_id = path_parameter("profile_id", {"type": "integer", "minimum": 1, "maximum": 2147483647})
    return {
        "/charge-points/{station_id}/charging-profiles": {
            "parameters": [station],
            "get": operation(
                "The charging profiles set through the API that the station accepted",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "chargingProfiles"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "chargingProfiles": {"type": "array", "items": PROFILE},
                            },
                        },
                        "The profiles",
                    )
                }
                | errors(404),
            ),
        },
        "/charge-points/{station_id}/charging-profiles/{profile_id}": {
            "parameters": [station, profile_id],
            "get": operation("One kept profile", "read", {"200": json(PROFILE, "The profile")} | errors(404)),
            "put": operation(
                "Send a profile (SetChargingProfile, waited up to 10 s); kept when the station accepts it",
                "command",
                {"200": json(PROFILE, "Accepted and kept")} | errors(404, 409, 415, 429, 502, 504),
                PROFILE,
            ),
            "delete": operation(
                "Clear a profile (ClearChargingProfile, waited for up to 10 s)",
                "command",
                {"200": json({"type": "object"}, "The station's answer")} | errors(404, 409, 429, 502, 504),
            ),
        },
        "/sites": {
            "get": operation(
                "List sites",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["sites"],
                            "properties": {"sites": {"type": "array", "items": SITE}},
                        },
                        "Every site",
                    )
                }
                | errors(),
            )
        },
        "/sites/{site_id}": {
            "parameters": [site],
            "get": operation(
                "Show a site, its limit now and its stations",
                "read",
                {"200": json(SITE, "The site")} | errors(404),
            ),
            "put": operation(
                "Create or replace a site; 400 on zero/negative limits, a cycle or a missing parent",
                "admin",
                {"200": json(SITE, "Replaced"), "201": json(SITE, "Created")} | errors(415),
                SITE_BODY,
            ),
            "delete": operation(
                "Delete a site without child sites or stations",
                "admin",
                {"200": json({"type": "object"}, "Deleted")} | errors(404, 409),
            ),
        },
        "/sites/{site_id}/allocation": {
            "parameters": [site],
            "get": operation(
                "What the allocator sent to each transaction of the site's stations, and their answers",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["id", "transactions"],
                            "properties": {
                                "id": {"type": "string"},
                                "transactions": {"type": "array", "items": ALLOCATED},
                            },
                        },
                        "The allocation",
                    )
                }
                | errors(404),
            ),
        },
        "/sites/{site_id}/external-limit": {
            "parameters": [site],
            "put": operation(
                "Set an external limit (grid operator, energy manager) until it expires (<= 7 days ahead)",
                "admin",
                {"200": json(SITE, "Set")} | errors(404, 415),
                EXTERNAL,
            ),
            "delete": operation(
                "Clear the external limit", "admin", {"200": json(SITE, "Cleared")} | errors(404)
            ),
        },
    }
