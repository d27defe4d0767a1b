"""The SDK's typed models against the API's OpenAPI document, and one version for API and SDKs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from csms_api.app import documented_app
from csms_api.blueprints.health import PUBLIC_ENDPOINTS
from csms_api.openapi import openapi_document
from csms_sdk import __version__, models
from csms_sdk.session import API_VERSION

ROOT = Path(__file__).resolve().parents[3]

DOCUMENT = openapi_document(documented_app(), PUBLIC_ENDPOINTS)


@pytest.mark.parametrize(
    "model",
    [
        models.Station,
        models.Connection,
        models.Shadow,
        models.IdToken,
        models.CommandResult,
        models.CommandRecord,
        models.Transaction,
        models.RemoteTransactionResult,
        models.StationDeleted,
        models.IdTokenDeleted,
        models.PasswordSet,
        models.Event,
        models.EventPage,
        models.Webhook,
        models.WebhookDeleted,
        models.Deliveries,
        models.Redelivered,
        models.Limit,
        models.ScheduledLimit,
        models.ExternalLimit,
        models.LimitNow,
        models.Site,
        models.SiteDeleted,
        models.Allocated,
        models.Allocation,
        models.FailingStation,
        models.FleetStatus,
        models.FailedStation,
        models.FleetDesiredAnswer,
        models.FleetCommandResult,
        models.FleetBatch,
        models.IssuedCertificate,
        models.IssuedCertificates,
        models.InstalledCertificates,
        models.PasswordRotated,
        models.SecurityProfileUpgraded,
        models.ChargingProfile,
        models.ChargingProfileList,
        models.Tariff,
        models.Assignment,
        models.AssignmentList,
        models.Session,
        models.SessionPage,
        models.Cdr,
        models.EvseSite,
    ],
)
def test_model_matches_the_openapi_schema(model: Any) -> None:
    """Each SDK model has the members, and the required ones, of the API's model of the same name."""
    schema = DOCUMENT["components"]["schemas"][model.__name__]
    assert set(model.__annotations__) == set(schema["properties"])
    assert model.__required_keys__ == set(schema.get("required", []))


def test_sdks_and_api_share_one_version() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    package = json.loads((ROOT / "sdk" / "js" / "package.json").read_text())["version"]
    version_ts = (ROOT / "sdk" / "js" / "src" / "version.ts").read_text()
    assert re.search(r'VERSION = "([^"]+)"', version_ts) is not None
    assert __version__ == root == package == re.findall(r'VERSION = "([^"]+)"', version_ts)[0]
    assert f"v{DOCUMENT['info']['version']}" == API_VERSION


def test_the_js_sdk_is_built_from_the_current_openapi_document() -> None:
    """sdk/openapi.json (the input of the JS types) is what the API serves; regenerate with
    ``make sdk-openapi`` after changing a route or a model."""
    committed = json.loads((ROOT / "sdk" / "openapi.json").read_text())
    assert committed == DOCUMENT
