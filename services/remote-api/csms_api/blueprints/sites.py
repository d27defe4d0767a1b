"""Smart charging's sites: ``/sites`` (the site/circuit tree and its limits) and external limits.

The shadow service keeps and checks them; these views pass the request over
``csms/shadow/charging/{method}`` and its answer back. A station joins a site with
``PATCH /charge-points/{id}`` (see :mod:`csms_api.blueprints.stations`).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from csms_api.bodies import json_body
from csms_api.errors import ApiError
from csms_api.models.sites import Allocation, ExternalLimit, Site, SiteBody, SiteDeleted, SiteList, SitePath
from csms_api.operations import operation
from csms_api.registry_calls import ask_registry
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

sites = Blueprint("sites", __name__)


@sites.get("/sites")
@requires(Scope.READ)
@operation("List sites", {200: (SiteList, "Every site")})
def list_sites() -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_LIST, {})


@sites.get("/sites/<site_id>")
@requires(Scope.READ)
@operation(
    "Show a site, its limit now and its stations", {200: (Site, "The site")}, path=SitePath, errors=(404,)
)
def get_site(site_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_GET, {"id": site_id})


@sites.get("/sites/<site_id>/allocation")
@requires(Scope.READ)
@operation(
    "What the allocator sent to each transaction of the site's stations, and their answers",
    {200: (Allocation, "The allocation")},
    path=SitePath,
    errors=(404,),
)
def get_allocation(site_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_ALLOCATION, {"id": site_id})


@sites.put("/sites/<site_id>")
@requires(Scope.ADMIN)
@operation(
    "Create or replace a site; 400 on zero/negative limits, a cycle or a missing parent",
    {200: (Site, "Replaced"), 201: (Site, "Created")},
    body=SiteBody,
    path=SitePath,
    errors=(415,),
)
def put_site(site_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_PUT, {"id": site_id, "site": json_body(request)})


@sites.delete("/sites/<site_id>")
@requires(Scope.ADMIN)
@operation(
    "Delete a site without child sites or stations",
    {200: (SiteDeleted, "Deleted")},
    path=SitePath,
    errors=(404, 409),
)
def delete_site(site_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_DELETE, {"id": site_id})


@sites.put("/sites/<site_id>/external-limit")
@requires(Scope.ADMIN)
@operation(
    "Set an external limit (grid operator, energy manager) until it expires (<= 7 days ahead)",
    {200: (Site, "Set")},
    body=ExternalLimit,
    path=SitePath,
    errors=(404, 415),
)
def put_external_limit(site_id: str) -> tuple[Response, int]:
    body = json_body(request)
    unknown = set(body) - {"limit", "expires"}
    if unknown or "limit" not in body or "expires" not in body:
        raise ApiError(400, 'body must be {"limit": {"amps"|"watts", "phases"}, "expires": ISO 8601}')
    return ask_registry(RegistryMethod.SITE_EXTERNAL_LIMIT, {"id": site_id, **body})


@sites.delete("/sites/<site_id>/external-limit")
@requires(Scope.ADMIN)
@operation("Clear the external limit", {200: (Site, "Cleared")}, path=SitePath, errors=(404,))
def delete_external_limit(site_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SITE_EXTERNAL_LIMIT, {"id": site_id, "limit": None})
