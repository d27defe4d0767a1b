"""Asking the shadow service over ``csms/shadow/{resource}/{method}`` and passing its answer on: the one
way every resource view that the shadow service owns (sites, tariffs, certificates, fleet, campaigns)
answers."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from csms_api.blueprints.stations import bus
from csms_api.errors import ApiError
from csms_common.topics import RegistryMethod


def registry_answer(status: int, body: dict[str, Any]) -> tuple[Response, int]:
    """The shadow service's answer as the API's: its JSON on success, ``{"error": ...}`` with its status."""
    if status >= 400:
        raise ApiError(status, str(body.get("error", "request failed")))
    return jsonify(body), status


def ask_registry(method: RegistryMethod, body: dict[str, Any]) -> tuple[Response, int]:
    """Ask the shadow service and answer with what it said."""
    return registry_answer(*bus().registry(method, body))
