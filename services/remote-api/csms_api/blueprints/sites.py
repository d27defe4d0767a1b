"""Smart charging's sites: ``/sites`` (the site/circuit tree and its limits) and external limits.

The shadow service keeps and checks them; these views pass the request over
``csms/registry/{method}`` and its answer back. A station joins a site with
``PATCH /charge-points/{id}`` (see :mod:`csms_api.blueprints.stations`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body
from csms_api.errors import ApiError
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

sites = Blueprint("sites", __name__)


def ask(method: RegistryMethod, body: dict[str, Any]) -> tuple[Response, int]:
    status, answer = bus().registry(method, body)
    if status >= 400:
        raise ApiError(status, str(answer.get("error", "request failed")))
    return jsonify(answer), status


@sites.get("/sites")
@requires(Scope.READ)
def list_sites() -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_LIST, {})


@sites.get("/sites/<site_id>")
@requires(Scope.READ)
def get_site(site_id: str) -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_GET, {"id": site_id})


@sites.get("/sites/<site_id>/allocation")
@requires(Scope.READ)
def get_allocation(site_id: str) -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_ALLOCATION, {"id": site_id})


@sites.put("/sites/<site_id>")
@requires(Scope.ADMIN)
def put_site(site_id: str) -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_PUT, {"id": site_id, "site": json_body(request)})


@sites.delete("/sites/<site_id>")
@requires(Scope.ADMIN)
def delete_site(site_id: str) -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_DELETE, {"id": site_id})


@sites.put("/sites/<site_id>/external-limit")
@requires(Scope.ADMIN)
def put_external_limit(site_id: str) -> tuple[Response, int]:
    body = json_body(request)
    unknown = set(body) - {"limit", "expires"}
    if unknown or "limit" not in body or "expires" not in body:
        raise ApiError(400, 'body must be {"limit": {"amps"|"watts", "phases"}, "expires": ISO 8601}')
    return ask(RegistryMethod.SITE_EXTERNAL_LIMIT, {"id": site_id, **body})


@sites.delete("/sites/<site_id>/external-limit")
@requires(Scope.ADMIN)
def delete_external_limit(site_id: str) -> tuple[Response, int]:
    return ask(RegistryMethod.SITE_EXTERNAL_LIMIT, {"id": site_id, "limit": None})
