"""Reading and checking request bodies and path ids, with the reference's exact error messages."""

from __future__ import annotations

from typing import Any

from flask import Request

from csms_api.errors import ApiError
from csms_common.station_id import InvalidStationId, validate_station_id

MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays a body may have; OCPP payloads need fewer than ten levels."""


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 400 for anything else."""
    body: dict[str, Any] = json_of(request, dict, "Request body must be a JSON object")
    return body


def json_of(request: Request, kind: type, refused: str) -> Any:
    """The body as JSON of ``kind`` (400 ``refused`` if it is JSON of another kind) nested at most
    MAX_JSON_DEPTH levels; 400 for anything else."""
    try:
        body = request.get_json(silent=True, force=True)
    except RecursionError as error:
        # The parser recurses per nesting level: thousands of "[" exhaust the stack before it ends.
        raise ApiError(400, f"Invalid JSON body: nested deeper than {MAX_JSON_DEPTH} levels") from error
    if body is None:
        raise ApiError(400, "Invalid JSON body")
    if not isinstance(body, kind):
        raise ApiError(400, refused)
    if nesting_depth(body) > MAX_JSON_DEPTH:
        raise ApiError(400, f"Invalid JSON body: nested deeper than {MAX_JSON_DEPTH} levels")
    return body


def nesting_depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def required(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is None or value == "":
        raise ApiError(400, f"Missing required parameter: {name}")
    return value


def station_id_parameter(value: Any, name: str = "chargePointId") -> str:
    try:
        return validate_station_id(value)
    except InvalidStationId as error:
        raise ApiError(400, f"Invalid {name}: {error}") from error


def positive_integer(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, f"Invalid {name}: must be a positive integer")
    return value


def optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"Invalid {name}: must be a non-empty string")
    return value
