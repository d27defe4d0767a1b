"""The OpenAPI document is built from the routes: every route of the app is in it, and a route
without ``@operation`` (or with the wrong path parameters) cannot be documented."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flask import Flask, Response, jsonify
from typing_extensions import TypedDict

from csms_api.app import create_app
from csms_api.blueprints.health import PUBLIC_ENDPOINTS
from csms_api.bus import ApiBus
from csms_api.config import ApiSettings
from csms_api.models.common import StationPath
from csms_api.openapi import COMMON_ERRORS, UndocumentedRoute, openapi_document, openapi_path
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.config import Environment
from csms_common.events import EVENT_TYPES

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def app() -> Flask:
    """The app the service runs (create_app), without a broker: the bus is never used here."""
    settings = ApiSettings.from_environment(Environment({"OCPP_API_AUTH": "none"}))
    return create_app(settings, bus=cast(ApiBus, object()))


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    return openapi_document(app, PUBLIC_ENDPOINTS)


def test_every_route_and_method_of_the_app_is_documented(app: Flask, document: dict[str, Any]) -> None:
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        # The /v1 aliases are the same operations; the document lists each path once.
        path = openapi_path(rule.rule.removeprefix("/v1"))
        served |= {(path, method.lower()) for method in (rule.methods or set()) - IGNORED_METHODS}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented
    assert len(documented) >= 40


def test_every_operation_answers_json_errors_and_names_its_scope(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation_object in item.items():
            responses = operation_object["responses"]
            if operation_object.get("security") == []:
                continue  # the public probes, metrics and this document
            assert {str(status) for status in COMMON_ERRORS} <= set(responses), (path, method)
            assert operation_object["description"].startswith("Needs a token with the "), (path, method)
            for status, response in responses.items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_the_scope_in_the_document_is_the_one_the_view_requires(document: dict[str, Any]) -> None:
    assert "admin scope" in document["paths"]["/charge-points"]["post"]["description"]
    assert "read scope" in document["paths"]["/charge-points"]["get"]["description"]
    assert "command scope" in document["paths"]["/remote-start-transaction"]["post"]["description"]


def test_models_give_the_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    station = schemas["Station"]
    assert set(station["required"]) == {
        "chargePointId",
        "registrationStatus",
        "createdAt",
        "connected",
        "connection",
    }
    assert station["properties"]["connection"] == {
        "anyOf": [{"$ref": "#/components/schemas/Connection"}, {"type": "null"}]
    }
    start = document["paths"]["/remote-start-transaction"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RemoteStart"
    }
    (wait,) = start["parameters"]
    assert wait["name"] == "wait" and wait["schema"] == {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 60,
    }
    # Event types come from the code's own enum, for events and webhooks alike.
    assert set(schemas["EventType"]["enum"]) == EVENT_TYPES
    assert schemas["Event"]["properties"]["type"] == {"$ref": "#/components/schemas/EventType"}
    assert schemas["CreateWebhook"]["properties"]["types"]["items"] == {
        "$ref": "#/components/schemas/EventType"
    }
    (station_id,) = document["paths"]["/charge-points/{station_id}"]["get"]["parameters"]
    assert station_id == {
        "name": "station_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 48},
    }


def _app_with(view_decorators: list[Any], rule: str) -> Flask:
    app = Flask(__name__)

    def view(**_: str) -> tuple[Response, int]:
        return jsonify({}), 200

    for decorate in reversed(view_decorators):
        view = decorate(view)
    app.add_url_rule(rule, "view", view)
    return app


class Answer(TypedDict):
    ok: bool


def test_a_route_without_operation_cannot_be_documented() -> None:
    app = _app_with([requires(Scope.READ)], "/sites")
    with pytest.raises(UndocumentedRoute, match="/sites"):
        openapi_document(app, frozenset())


def test_a_route_whose_path_parameters_differ_from_the_declared_ones_cannot_be_documented() -> None:
    app = _app_with([operation("Show a site", {200: (Answer, "The site")})], "/sites/<site_id>")
    with pytest.raises(UndocumentedRoute, match="site_id"):
        openapi_document(app, frozenset())
    app = _app_with(
        [operation("Show a site", {200: (Answer, "The site")}, path=StationPath)], "/sites/<site_id>"
    )
    with pytest.raises(UndocumentedRoute, match="station_id"):
        openapi_document(app, frozenset())


def test_a_documented_route_appears_with_its_models() -> None:
    app = _app_with(
        [
            requires(Scope.READ),
            operation("Show a station's site", {200: (Answer, "The site")}, path=StationPath),
        ],
        "/sites/<station_id>",
    )
    document = openapi_document(app, frozenset())
    get = document["paths"]["/sites/{station_id}"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Answer"
    }
    assert document["components"]["schemas"]["Answer"]["required"] == ["ok"]
