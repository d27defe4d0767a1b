"""Reading and checking request bodies and path ids, with the reference's exact error messages."""

from __future__ import annotations

from typing import Any

from flask import Request

from csms_api.errors import ApiError
from csms_common.station_id import InvalidStationId, validate_station_id


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 400 for anything else."""
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise ApiError(400, "Invalid JSON body")
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


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
