"""The OpenAPI 3.0 document of the remote-api, served at ``/openapi.json``.

Written by hand next to the views, and checked against the running API by
schemathesis in the test suite: every documented response must match, and no
undocumented status may appear.
"""

from __future__ import annotations

from typing import Any

from csms_api.openapi_billing import billing_paths
from csms_api.openapi_sites import MEMBERSHIP_PROPERTIES, site_paths

Schema = dict[str, Any]

STATION_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 48}

PASSWORD: Schema = {"type": "string", "minLength": 16, "maxLength": 40}

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}

STATION: Schema = {
    "type": "object",
    "required": ["chargePointId", "registrationStatus", "createdAt", "connected", "connection"],
    "properties": {
        "chargePointId": {"type": "string"},
        "registrationStatus": {"type": "string", "enum": ["Accepted", "Pending", "Rejected"]},
        "securityProfile": {"type": "integer", "enum": [0, 1, 2, 3]},
        "hasPassword": {"type": "boolean"},
        "createdAt": {"type": "string"},
        "connected": {"type": "boolean"},
        "connection": {
            "type": "object",
            "nullable": True,
            "properties": {
                "protocol": {"type": "string"},
                "gatewayInstance": {"type": "string"},
                "sessionId": {"type": "string"},
                "since": {"type": "string"},
            },
        },
        "lastDisconnectedAt": {"type": "string"},
    },
}

SHADOW: Schema = {
    "type": "object",
    "required": ["state", "metadata", "version", "timestamp"],
    "properties": {
        "state": {
            "type": "object",
            "required": ["reported"],
            "properties": {"reported": {"type": "object"}},
        },
        "metadata": {"type": "object"},
        "version": {"type": "integer"},
        "timestamp": {"type": "integer"},
    },
}

ID_TOKEN: Schema = {
    "type": "object",
    "required": ["idToken", "status", "updatedAt"],
    "properties": {
        "idToken": {"type": "string"},
        "status": {"type": "string", "enum": ["Accepted", "Blocked", "Expired", "Invalid"]},
        "expiryDate": {"type": "string"},
        "groupIdToken": {"type": "string"},
        "chargingPriority": {"type": "integer", "minimum": 0, "maximum": 9},
        "updatedAt": {"type": "string"},
    },
}

COMMAND_ANSWER: Schema = {
    "type": "object",
    "required": ["messageId", "chargePointId", "state"],
    "properties": {
        "messageId": {"type": "string"},
        "chargePointId": {"type": "string"},
        "action": {"type": "string"},
        "state": {"type": "string", "enum": ["sent", "answered", "error", "timeout", "rejected", "closed"]},
        "result": {"type": "object"},
        "error": {"type": "string"},
        "errorCode": {"type": "string"},
        "errorDescription": {"type": "string"},
        "errorDetails": {"type": "object"},
    },
}

COMMAND_RECORD: Schema = {
    "type": "object",
    "required": ["messageId", "state", "chargePointId"],
    "properties": {
        "messageId": {"type": "string"},
        "chargePointId": {"type": "string"},
        "state": COMMAND_ANSWER["properties"]["state"],
        "action": {"type": "string"},
        "request": {"type": "object"},
        "payload": {"type": "object"},
        "errorCode": {"type": "string"},
        "errorDescription": {"type": "string"},
        "reason": {"type": "string"},
    },
}

TRANSACTION: Schema = {
    "type": "object",
    "required": ["transactionId"],
    "properties": {
        "transactionId": {"type": "string"},
        "status": {"type": "string"},
        "remoteStartMessageId": {"type": "string"},
    },
}

REMOTE_START_ANSWER: Schema = {
    "type": "object",
    "required": ["message", "messageId", "chargePointId"],
    "properties": {
        "message": {"type": "string"},
        "messageId": {"type": "string"},
        "chargePointId": {"type": "string"},
        "remoteStartId": {"type": "integer"},
        "transactionId": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "state": {"type": "string"},
        "result": {"type": "object"},
        "error": {"type": "string"},
    },
}

EVENT_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 41}

EVENT: Schema = {
    "type": "object",
    "required": ["id", "type", "time", "chargePointId", "payload"],
    "properties": {
        "id": {"type": "string", "description": "<milliseconds>-<sequence>; increasing"},
        "type": {"type": "string"},
        "time": {"type": "string"},
        "chargePointId": {"type": "string", "nullable": True},
        "payload": {"type": "object"},
    },
}

WEBHOOK: Schema = {
    "type": "object",
    "required": ["id", "url", "types", "createdAt"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "types": {"type": "array", "items": {"type": "string"}},
        "createdAt": {"type": "string"},
        "cursor": {"type": "string"},
        "deadLetters": {"type": "integer"},
        "secret": {"type": "string", "description": "Only when the server generated it; shown once"},
    },
}

_ERROR_TEXT = {
    400: "Invalid request: missing or invalid parameter, invalid JSON, unsupported API-Version",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope this endpoint needs",
    404: "Not found (station, command, token or route)",
    405: "Method not allowed",
    408: "The request body did not arrive within API_BODY_TIMEOUT",
    409: "Conflict: the station exists already, or is not connected, or the webhook limit is reached",
    410: "Gone: the event id is older than the retention",
    413: "Request body larger than API_MAX_BODY_BYTES",
    415: "Unsupported media type",
    429: (
        "Too many commands for this station, or too many ?wait commands held by this token "
        "(Retry-After says when to retry)"
    ),
    500: "Failed to publish message to the broker",
    502: "The station answered with a CallError, or closed before answering",
    503: "The shadow service or the station's call queue is unavailable",
    504: "No answer from the station in time",
}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Schema]:
    common = (400, 401, 403, 405, 408, 413, 500, 503)
    return {str(code): _json(ERROR, _ERROR_TEXT[code]) for code in sorted(set(common + codes))}


def _operation(
    summary: str, scope: str, responses: dict[str, Schema], body: Schema | None = None, **extra: Any
) -> Schema:
    operation: Schema = {"summary": summary, "description": f"Needs a token with the {scope} scope.", **extra}
    operation["responses"] = responses
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def _path_parameter(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema}


WAIT: Schema = {
    "name": "wait",
    "in": "query",
    "required": False,
    "description": "Wait up to this many seconds (0 < wait <= 60) for the station's answer",
    "schema": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 60},
}


def _query_parameter(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


AFTER = _query_parameter("after", EVENT_ID, "Only what came after this id (400 from the future, 410 expired)")
LIMIT = _query_parameter("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size [100]")


def _page(name: str, items: Schema) -> Schema:
    return {
        "type": "object",
        "required": [name, "next"],
        "properties": {name: {"type": "array", "items": items}, "next": {"type": "string"}},
    }


def _event_paths() -> dict[str, Schema]:
    event_filters = [
        _query_parameter("type", {"type": "string"}, "Event types, comma-separated or repeated"),
        _query_parameter("chargePointId", STATION_ID, "Only this station's events"),
    ]
    webhook = _path_parameter("webhook_id", {"type": "string", "minLength": 1, "maxLength": 64})
    return {
        "/events": {
            "get": _operation(
                "The event log, oldest first, after an id; `next` is the id to ask after next time",
                "read",
                {"200": _json(_page("events", EVENT), "A page of events")} | _errors(410),
                parameters=[AFTER, LIMIT, *event_filters],
            )
        },
        "/events/stream": {
            "get": _operation(
                "Live events as Server-Sent Events, from Last-Event-ID (or after; else from now); the stream "
                "ends after API_SSE_MAX_SECONDS with an `end` event, and the client resumes",
                "read",
                {
                    "200": {
                        "description": "An event stream (id, event = type, data = the event as JSON)",
                        "content": {
                            "text/event-stream": {
                                "schema": {
                                    "type": "object",
                                    "description": "One SSE event: an event from the log (data: its JSON), "
                                    "or `end` (data: reason and next) or `error`",
                                    "properties": {
                                        "id": {"type": "string"},
                                        "event": {"type": "string"},
                                        "data": {"type": "string"},
                                        "retry": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    }
                }
                | _errors(410),
                parameters=[
                    AFTER,
                    *event_filters,
                    {"name": "Last-Event-ID", "in": "header", "required": False, "schema": EVENT_ID},
                ],
            )
        },
        "/audit": {
            "get": _operation(
                "The audit log of state-changing API calls (token, scope, route, target, result, time)",
                "admin",
                {"200": _json(_page("records", {"type": "object"}), "A page of audit records")}
                | _errors(410),
                parameters=[AFTER, LIMIT],
            )
        },
        "/webhooks": {
            "get": _operation(
                "List webhooks (never their secrets)",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["webhooks"],
                            "properties": {"webhooks": {"type": "array", "items": WEBHOOK}},
                        },
                        "Every webhook",
                    )
                }
                | _errors(),
            ),
            "post": _operation(
                "Create a webhook: events of the given types are POSTed to url, signed with the secret",
                "admin",
                {"201": _json(WEBHOOK, "Created")} | _errors(409, 415),
                {
                    "type": "object",
                    "required": ["url"],
                    "properties": {
                        "url": {"type": "string", "maxLength": 2048},
                        "types": {"type": "array", "maxItems": 32, "items": {"type": "string"}},
                        "secret": {"type": "string", "minLength": 16, "maxLength": 256},
                    },
                },
            ),
        },
        "/webhooks/{webhook_id}": {
            "parameters": [webhook],
            "get": _operation(
                "Show a webhook", "admin", {"200": _json(WEBHOOK, "The webhook")} | _errors(404)
            ),
            "delete": _operation(
                "Delete a webhook, its delivery log and dead letters",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["id", "deleted"],
                            "properties": {"id": {"type": "string"}, "deleted": {"type": "boolean"}},
                        },
                        "Deleted",
                    )
                }
                | _errors(404),
            ),
        },
        "/webhooks/{webhook_id}/deliveries": {
            "parameters": [webhook],
            "get": _operation(
                "The newest delivery attempts and the dead letters, newest first",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["id", "deliveries", "deadLetters"],
                            "properties": {
                                "id": {"type": "string"},
                                "deliveries": {"type": "array", "items": {"type": "object"}},
                                "deadLetters": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                        "The log",
                    )
                }
                | _errors(404),
            ),
        },
        "/webhooks/{webhook_id}/redeliver": {
            "parameters": [webhook],
            "post": _operation(
                "Deliver events again: the ids given, or every dead letter",
                "admin",
                {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["id", "queued", "refused"],
                            "properties": {
                                "id": {"type": "string"},
                                "queued": {"type": "integer"},
                                "refused": {"type": "integer"},
                            },
                        },
                        "Queued",
                    )
                }
                | _errors(404, 410, 415),
                {
                    "type": "object",
                    "properties": {"eventIds": {"type": "array", "maxItems": 1000, "items": EVENT_ID}},
                },
            ),
        },
    }


def _paths() -> dict[str, Schema]:
    station = _path_parameter("station_id", STATION_ID)
    return _event_paths() | {
        "/remote-start-transaction": {
            "post": _operation(
                "Start a transaction on a station (RequestStartTransaction / RemoteStartTransaction)",
                "command",
                {"200": _json(REMOTE_START_ANSWER, "Sent (or answered, with wait)")}
                | _errors(404, 409, 415, 429, 502, 504),
                {
                    "type": "object",
                    "required": ["chargePointId"],
                    "properties": {
                        "chargePointId": STATION_ID,
                        "idTag": {"type": "string"},
                        "connectorId": {"type": "integer", "minimum": 1},
                        "transactionData": {"type": "object"},
                    },
                },
                parameters=[WAIT],
            )
        },
        "/remote-stop-transaction": {
            "post": _operation(
                "Stop a transaction (RequestStopTransaction / RemoteStopTransaction)",
                "command",
                {"200": _json(REMOTE_START_ANSWER, "Sent (or answered, with wait)")}
                | _errors(404, 409, 415, 429, 502, 504),
                {
                    "type": "object",
                    "required": ["chargePointId", "transactionId"],
                    "properties": {
                        "chargePointId": STATION_ID,
                        "transactionId": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                },
                parameters=[WAIT],
            )
        },
        "/charge-points": {
            "get": _operation(
                "List registered stations",
                "read",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["chargePoints"],
                            "properties": {"chargePoints": {"type": "array", "items": STATION}},
                        },
                        "The registry",
                    )
                }
                | _errors(),
            ),
            "post": _operation(
                "Register a station",
                "admin",
                {"201": _json(STATION, "Registered")} | _errors(409, 415),
                {
                    "type": "object",
                    "required": ["chargePointId"],
                    "properties": {
                        "chargePointId": STATION_ID,
                        "registrationStatus": {"type": "string", "enum": ["Accepted", "Pending", "Rejected"]},
                        "securityProfile": {"type": "integer", "enum": [0, 1, 2, 3]},
                        "password": PASSWORD,
                    },
                },
            ),
        },
        "/charge-points/{station_id}/password": {
            "parameters": [station],
            "put": _operation(
                "Set the station's Basic-auth password (security profiles 1 and 2), stored as a scrypt hash",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "hasPassword"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "hasPassword": {"type": "boolean"},
                            },
                        },
                        "Set",
                    )
                }
                | _errors(404, 415),
                {"type": "object", "required": ["password"], "properties": {"password": PASSWORD}},
            ),
        },
        "/charge-points/{station_id}": {
            "parameters": [station],
            "get": _operation(
                "Show a station", "read", {"200": _json(STATION, "The station")} | _errors(404)
            ),
            "patch": _operation(
                "Change a station's registration status, security profile or smart-charging site",
                "admin",
                {"200": _json(STATION, "Updated")} | _errors(404, 415),
                {
                    "type": "object",
                    "properties": {
                        "registrationStatus": {"type": "string", "enum": ["Accepted", "Pending", "Rejected"]},
                        "securityProfile": {"type": "integer", "enum": [0, 1, 2, 3]},
                        **MEMBERSHIP_PROPERTIES,
                    },
                },
            ),
            "delete": _operation(
                "Deregister a station and drop its connection",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "deleted"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "deleted": {"type": "boolean"},
                            },
                        },
                        "Deleted",
                    )
                }
                | _errors(404),
            ),
        },
        "/charge-points/{station_id}/shadow": {
            "parameters": [station],
            "get": _operation(
                "The station's reported state (AWS IoT shadow document)",
                "read",
                {"200": _json(SHADOW, "The shadow")} | _errors(404),
            ),
        },
        "/charge-points/{station_id}/transactions": {
            "parameters": [station],
            "get": _operation(
                "The station's transaction records",
                "read",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["chargePointId", "transactions"],
                            "properties": {
                                "chargePointId": {"type": "string"},
                                "transactions": {"type": "array", "items": TRANSACTION},
                            },
                        },
                        "Records, oldest first",
                    )
                }
                | _errors(404),
            ),
        },
        "/charge-points/{station_id}/commands/{action}": {
            "parameters": [station, _path_parameter("action", {"type": "string", "minLength": 1})],
            "post": _operation(
                "Send any CSMS-initiated OCPP call of the station's version; the body is its payload",
                "command",
                {
                    "200": _json(COMMAND_ANSWER, "Answered (with wait)"),
                    "202": _json(COMMAND_ANSWER, "Sent (without wait)"),
                }
                | _errors(404, 409, 415, 429, 502, 504),
                {"type": "object"},
                parameters=[WAIT],
            ),
        },
        "/commands/{message_id}": {
            "parameters": [
                _path_parameter("message_id", {"type": "string", "minLength": 1, "maxLength": 64})
            ],
            "get": _operation(
                "A command's record", "read", {"200": _json(COMMAND_RECORD, "The record")} | _errors(404)
            ),
        },
        "/id-tokens": {
            "get": _operation(
                "List id tokens",
                "read",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["idTokens"],
                            "properties": {
                                "idTokens": {"type": "array", "items": ID_TOKEN},
                                "masked": {"type": "boolean"},
                            },
                        },
                        "Every token; for read-scope tokens only each value's last four characters "
                        '("****E6F7") and "masked": true',
                    )
                }
                | _errors(),
            )
        },
        "/id-tokens/{token}": {
            "parameters": [_path_parameter("token", {"type": "string", "minLength": 1, "maxLength": 36})],
            "get": _operation(
                "Show an id token", "read", {"200": _json(ID_TOKEN, "The token")} | _errors(404)
            ),
            "put": _operation(
                "Create or replace an id token",
                "admin",
                {"200": _json(ID_TOKEN, "Replaced"), "201": _json(ID_TOKEN, "Created")} | _errors(415),
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": ID_TOKEN["properties"]["status"],
                        "expiryDate": {"type": "string", "format": "date-time"},
                        "groupIdToken": {"type": "string", "minLength": 1, "maxLength": 36},
                        "chargingPriority": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 9,
                            "description": "Smart charging: higher is admitted and filled first (default 0)",
                        },
                    },
                },
            ),
            "delete": _operation(
                "Delete an id token",
                "admin",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["idToken", "deleted"],
                            "properties": {"idToken": {"type": "string"}, "deleted": {"type": "boolean"}},
                        },
                        "Deleted",
                    )
                }
                | _errors(404),
            ),
        },
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "Alive")},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: 200 with a broker connection",
                "security": [],
                "responses": {
                    "200": _json({"type": "object"}, "Ready"),
                    "503": _json({"type": "object"}, "No broker connection"),
                },
            }
        },
    }


def openapi_document() -> Schema:
    """The whole document (the ``/v1`` aliases behave the same and are not listed twice)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "csms remote-api",
            "version": "1",
            "description": "Registry, shadows, id tokens and commands of a self-hosted OCPP CSMS. Every path "
            "also exists under /v1; an API-Version header other than v1 is refused. Every error is "
            '{"error": "..."}.',
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": _paths()
        | billing_paths(_operation, _json, _errors, _path_parameter)
        | site_paths(_operation, _json, _errors, _path_parameter),
    }
