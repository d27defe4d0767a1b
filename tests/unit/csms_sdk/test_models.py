"""The SDK's typed models against the API's OpenAPI document, and one version for API and SDKs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from csms_api import openapi
from csms_sdk import __version__, models
from csms_sdk.session import API_VERSION

ROOT = Path(__file__).resolve().parents[3]


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    operation = openapi.openapi_document()["paths"][path][method]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize(
    ("model", "schema"),
    [
        (models.Station, openapi.STATION),
        (models.Connection, openapi.STATION["properties"]["connection"]),
        (models.Shadow, openapi.SHADOW),
        (models.IdToken, openapi.ID_TOKEN),
        (models.CommandResult, openapi.COMMAND_ANSWER),
        (models.CommandRecord, openapi.COMMAND_RECORD),
        (models.Transaction, openapi.TRANSACTION),
        (models.RemoteTransactionResult, openapi.REMOTE_START_ANSWER),
        (models.StationDeleted, response_schema("/charge-points/{station_id}", "delete", "200")),
        (models.IdTokenDeleted, response_schema("/id-tokens/{token}", "delete", "200")),
        (models.PasswordSet, response_schema("/charge-points/{station_id}/password", "put", "200")),
    ],
)
def test_model_matches_the_openapi_schema(model: Any, schema: dict[str, Any]) -> None:
    assert set(model.__annotations__) == set(schema["properties"])
    assert model.__required_keys__ == set(schema.get("required", []))


def test_sdks_and_api_share_one_version() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    package = json.loads((ROOT / "sdk" / "js" / "package.json").read_text())["version"]
    version_ts = (ROOT / "sdk" / "js" / "src" / "version.ts").read_text()
    assert re.search(r'VERSION = "([^"]+)"', version_ts) is not None
    assert __version__ == root == package == re.findall(r'VERSION = "([^"]+)"', version_ts)[0]
    assert f"v{openapi.openapi_document()['info']['version']}" == API_VERSION


def test_the_js_sdk_is_built_from_the_current_openapi_document() -> None:
    """sdk/openapi.json (the input of the JS types) is what the API serves; regenerate with
    ``make sdk-openapi`` after changing csms_api/openapi.py."""
    committed = json.loads((ROOT / "sdk" / "openapi.json").read_text())
    assert committed == openapi.openapi_document()
