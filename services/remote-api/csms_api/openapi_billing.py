"""The billing part of the OpenAPI document: tariffs, assignments, sessions, CSV export, CDRs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

TARIFF_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 36}
TARIFF: Schema = {
    "type": "object",
    "description": "An OCPI 2.2.1 tariff, plus time_zone (IANA, default UTC)",
    "required": ["id", "currency", "elements"],
    "properties": {
        "id": TARIFF_ID,
        "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        "time_zone": {"type": "string"},
        "start_date_time": {"type": "string", "format": "date-time"},
        "end_date_time": {"type": "string", "format": "date-time"},
        "elements": {
            "type": "array",
            "minItems": 1,
            "maxItems": 32,
            "items": {
                "type": "object",
                "required": ["price_components"],
                "properties": {
                    "price_components": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 8,
                        "items": {
                            "type": "object",
                            "required": ["type", "price"],
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": ["ENERGY", "TIME", "PARKING_TIME", "FLAT"],
                                },
                                "price": {"type": "number", "minimum": 0},
                                "vat": {"type": "number", "minimum": 0, "maximum": 100},
                                "step_size": {"type": "integer", "minimum": 1},
                            },
                        },
                    },
                    "restrictions": {"type": "object"},
                },
            },
        },
    },
}
PRICE: Schema = {
    "type": "object",
    "required": ["excl_vat", "incl_vat"],
    "properties": {"excl_vat": {"type": "number"}, "incl_vat": {"type": "number"}},
}
COST: Schema = {
    "type": "object",
    "nullable": True,
    "required": ["currency", "lines", "totalCost"],
    "properties": {
        "currency": {"type": "string"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "totalCost": PRICE,
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}
SESSION: Schema = {
    "type": "object",
    "required": ["id", "chargePointId", "transactionId", "status", "energyWh", "energyNotes", "cost"],
    "properties": {
        "id": {"type": "string"},
        "chargePointId": {"type": "string"},
        "transactionId": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "awaitingEvents", "completed"]},
        "energyWh": {"type": "number"},
        "energyNotes": {"type": "array", "items": {"type": "string"}},
        "flagged": {"type": "boolean"},
        "cost": COST,
        "samples": {"type": "array", "items": {"type": "object"}},
        "signedMeterValues": {"type": "array", "items": {"type": "object"}},
        "cdr": {"type": "object"},
    },
}
CDR: Schema = {
    "type": "object",
    "description": "An OCPI 2.2.1 CDR",
    "required": ["id", "start_date_time", "end_date_time", "currency", "total_cost", "charging_periods"],
    "properties": {
        "id": {"type": "string"},
        "start_date_time": {"type": "string"},
        "end_date_time": {"type": "string"},
        "currency": {"type": "string"},
        "total_cost": PRICE,
        "total_energy": {"type": "number"},
        "charging_periods": {"type": "array", "items": {"type": "object"}},
    },
}
ASSIGNMENT_BODY: Schema = {
    "type": "object",
    "required": ["tariffIds"],
    "properties": {"tariffIds": {"type": "array", "maxItems": 8, "items": TARIFF_ID}},
}
ASSIGNMENT: Schema = {
    "type": "object",
    "required": ["target", "tariffIds"],
    "properties": {"target": {"type": "string"}, "tariffIds": {"type": "array", "items": {"type": "string"}}},
}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


SESSION_FILTERS = [
    _query("chargePointId", {"type": "string", "minLength": 1, "maxLength": 48}, "Only this station's"),
    _query("idToken", {"type": "string", "minLength": 1, "maxLength": 36}, "Only this token's"),
    _query("from", {"type": "string", "format": "date-time"}, "Started at or after"),
    _query("to", {"type": "string", "format": "date-time"}, "Started at or before"),
]


def billing_paths(
    operation: Callable[..., Schema],
    json: Callable[[Schema, str], Schema],
    errors: Callable[..., dict[str, Schema]],
    path_parameter: Callable[[str, Schema], Schema],
) -> dict[str, Schema]:
    tariff = path_parameter("tariff_id", TARIFF_ID)
    session = path_parameter("session_id", {"type": "string", "minLength": 1, "maxLength": 90})
    assign = operation(
        "Assign tariffs (in order of preference; one currency); an empty list removes the assignment",
        "admin",
        {"200": json(ASSIGNMENT, "Assigned")} | errors(404, 415),
        ASSIGNMENT_BODY,
    )
    return {
        "/tariffs": {
            "get": operation(
                "List tariffs",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["tariffs"],
                            "properties": {"tariffs": {"type": "array", "items": TARIFF}},
                        },
                        "Every tariff",
                    )
                }
                | errors(),
            ),
            "post": operation(
                "Create a tariff (OCPI 2.2.1 shape); refused with the reason when invalid",
                "admin",
                {"201": json(TARIFF, "Created")} | errors(409, 415),
                TARIFF,
            ),
        },
        "/tariffs/{tariff_id}": {
            "parameters": [tariff],
            "get": operation("Show a tariff", "read", {"200": json(TARIFF, "The tariff")} | errors(404)),
            "put": operation(
                "Create or replace a tariff",
                "admin",
                {"200": json(TARIFF, "Replaced"), "201": json(TARIFF, "Created")} | errors(409, 415),
                TARIFF,
            ),
            "delete": operation(
                "Delete a tariff that no assignment uses",
                "admin",
                {"200": json({"type": "object"}, "Deleted")} | errors(404, 409),
            ),
        },
        "/tariff-assignments": {
            "get": operation(
                "Which tariffs apply where: station:{id}, site:{id}, group:{groupIdToken}, default",
                "read",
                {"200": json({"type": "object", "required": ["assignments"]}, "Assignments")} | errors(),
            )
        },
        "/tariff-assignments/default": {"put": assign},
        "/tariff-assignments/stations/{station_id}": {
            "parameters": [path_parameter("station_id", {"type": "string", "minLength": 1, "maxLength": 48})],
            "put": assign,
        },
        "/tariff-assignments/sites/{site_id}": {
            "parameters": [
                path_parameter("site_id", {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,48}$"})
            ],
            "put": assign,
        },
        "/tariff-assignments/groups/{group}": {
            "parameters": [path_parameter("group", {"type": "string", "minLength": 1, "maxLength": 36})],
            "put": assign,
        },
        "/sessions": {
            "get": operation(
                "Billing sessions, oldest start first, paged",
                "read",
                {
                    "200": json(
                        {
                            "type": "object",
                            "required": ["sessions", "nextCursor"],
                            "properties": {
                                "sessions": {"type": "array", "items": SESSION},
                                "nextCursor": {"type": "string", "nullable": True},
                            },
                        },
                        "One page",
                    )
                }
                | errors(),
                parameters=[
                    *SESSION_FILTERS,
                    _query("cursor", {"type": "string"}, "nextCursor of the previous page"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size [50]"),
                ],
            )
        },
        "/sessions.csv": {
            "get": operation(
                "Every matching session as CSV, streamed (for accounting)",
                "read",
                {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}
                | errors(),
                parameters=SESSION_FILTERS,
            )
        },
        "/sessions/{session_id}": {
            "parameters": [session],
            "get": operation(
                "One session ({chargePointId}:{transactionId}) with its cost breakdown",
                "read",
                {"200": json(SESSION, "The session")} | errors(404),
            ),
        },
        "/cdrs/{session_id}": {
            "parameters": [session],
            "get": operation(
                "The OCPI 2.2.1 CDR of a completed, priced session",
                "read",
                {"200": json(CDR, "The CDR")} | errors(404),
            ),
        },
    }
