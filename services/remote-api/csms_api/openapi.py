"""The OpenAPI 3.1 document of the remote-api, served at ``/openapi.json``, built from the code itself.

Every route of the app's URL map is documented by the ``@operation`` its view carries
(``csms_api.operations``); the bodies' and parameters' JSON Schemas come from their types through
pydantic, and the scope from ``@requires``. A route without ``@operation``, or whose path parameters
differ from its declared ones, makes the build fail (``UndocumentedRoute``), so the document cannot
drift from the routes. Schemathesis checks the running API against it in the test suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema

from csms_api.models.common import Error
from csms_api.operations import JSON, Operation, operation_of
from csms_api.scopes import required_scope

Schema = dict[str, Any]

V1_ALIAS_PREFIX = "v1_"
"""Blueprints registered again under ``/v1`` carry this name prefix; the document lists each path once."""

COMPONENT_REF = "#/components/schemas/{model}"

COMMON_ERRORS = (400, 401, 403, 405, 408, 413, 500, 503)
"""What any protected call may answer: bad input or version, no or weak token, wrong method, a slow or
large body, the broker or the shadow unavailable."""

ERROR_TEXT = {
    400: "Invalid request: missing or invalid parameter, invalid JSON, unsupported API-Version",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope this endpoint needs",
    404: "Not found (station, command, token or route)",
    405: "Method not allowed",
    408: "The request body did not arrive within API_BODY_TIMEOUT",
    409: "Conflict: the station exists already, or is not connected, or the webhook or id-token limit is "
    "reached",
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

_WERKZEUG_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


class UndocumentedRoute(Exception):
    """A route whose view has no ``@operation``, or whose declared path parameters differ from the rule's."""


class _WithoutFieldTitles(GenerateJsonSchema):
    """Pydantic's JSON Schema without a ``title`` on every property (the property's name says it)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


@dataclass(frozen=True)
class Route:
    """One documented (path, method) of the app and the view's contract."""

    path: str
    method: str
    endpoint: str
    view: Callable[..., Any]
    operation: Operation


def openapi_path(rule: str) -> str:
    """``/charge-points/<station_id>`` as OpenAPI writes it: ``/charge-points/{station_id}``."""
    return _WERKZEUG_ARGUMENT.sub(r"{\1}", rule)


def routes(app: Flask) -> Iterator[Route]:
    """Every (path, method) the app serves, except the ``/v1`` aliases; ``UndocumentedRoute`` for a
    route without a contract."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(V1_ALIAS_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        declared = operation_of(view)
        if declared is None:
            raise UndocumentedRoute(f"{rule.rule} ({rule.endpoint}) has no @operation")
        declared_path = set(_properties(declared.path)[0]) if declared.path is not None else set()
        if declared_path != set(rule.arguments):
            raise UndocumentedRoute(
                f"{rule.rule} ({rule.endpoint}) declares path parameters {sorted(declared_path)}, "
                f"the rule has {sorted(rule.arguments)}"
            )
        for method in sorted((rule.methods or set()) - _IGNORED_METHODS):
            yield Route(openapi_path(rule.rule), method.lower(), rule.endpoint, view, declared)


def openapi_document(app: Flask, public_endpoints: frozenset[str]) -> Schema:
    """The whole document (the ``/v1`` aliases behave the same and are not listed twice)."""
    found = list(routes(app))
    keyed: list[tuple[tuple[str, ...], JsonSchemaMode, TypeAdapter[Any]]] = [
        (("error",), "serialization", TypeAdapter(Error))
    ]
    for route in found:
        key = (route.path, route.method)
        if route.operation.body is not None:
            keyed.append(((*key, "body"), "validation", TypeAdapter(route.operation.body)))
        for status, answer in route.operation.answers.items():
            keyed.append(((*key, str(status)), "serialization", TypeAdapter(answer.body)))
    schemas, definitions = TypeAdapter.json_schemas(
        keyed, ref_template=COMPONENT_REF, schema_generator=_WithoutFieldTitles
    )
    by_key = {key: schema for (key, _mode), schema in schemas.items()}
    paths: dict[str, Schema] = {}
    for route in found:
        public = route.endpoint in public_endpoints
        paths.setdefault(route.path, {})[route.method] = _operation_object(route, by_key, public)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "csms remote-api",
            "version": "1",
            "description": "Registry, shadows, id tokens, commands, events, webhooks and billing of a "
            "self-hosted OCPP CSMS. Every path also exists under /v1; an API-Version header other than "
            'v1 is refused. Every error is {"error": "..."}.',
        },
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _operation_object(route: Route, schemas: dict[tuple[str, ...], Schema], public: bool) -> Schema:
    declared = route.operation
    key = (route.path, route.method)
    operation: Schema = {"summary": declared.summary}
    description = (
        [] if public else [f"Needs a token with the {required_scope(route.view).name.lower()} scope."]
    )
    if declared.description:
        description.append(declared.description)
    if description:
        operation["description"] = " ".join(description)
    if public:
        operation["security"] = []
    parameters = [
        *_parameters(declared.path, "path"),
        *_parameters(declared.query, "query"),
        *_parameters(declared.headers, "header"),
    ]
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        operation["requestBody"] = {
            "required": declared.body_required,
            "content": {JSON: {"schema": schemas[(*key, "body")]}},
        }
    responses: Schema = {
        str(status): _content(schemas[(*key, str(status))], answer.description, answer.media_type)
        for status, answer in declared.answers.items()
    }
    errors = set(declared.errors) | (set() if public else set(COMMON_ERRORS))
    for status in sorted(errors - set(declared.answers)):
        responses[str(status)] = _content(schemas[("error",)], ERROR_TEXT[status], JSON)
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _content(schema: Schema, description: str, media_type: str) -> Schema:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _properties(parameters: Any) -> tuple[dict[str, Schema], set[str]]:
    """A parameters TypedDict's members' schemas, and which are required."""
    schema = TypeAdapter(parameters).json_schema(
        ref_template=COMPONENT_REF, schema_generator=_WithoutFieldTitles
    )
    if "$defs" in schema:
        raise UndocumentedRoute(f"parameters must be scalars: {schema['$defs']}")
    return schema.get("properties", {}), set(schema.get("required", []))


def _parameters(parameters: Any, location: str) -> list[Schema]:
    if parameters is None:
        return []
    properties, required = _properties(parameters)
    documented = []
    for name, property_schema in properties.items():
        schema = dict(property_schema)
        parameter: Schema = {"name": name, "in": location, "required": location == "path" or name in required}
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        parameter["schema"] = schema
        documented.append(parameter)
    return documented
