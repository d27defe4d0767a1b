"""Authentication, versioning and error shape of the remote-api."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_requests_without_the_token_are_401(system: System, token: str | None) -> None:
    api = Api(system.api_url, token=token)
    for method, path in [
        ("GET", "/charge-points"),
        ("POST", "/remote-start-transaction"),
        ("POST", "/remote-stop-transaction"),
        ("GET", "/charge-points/CP001/shadow"),
    ]:
        response = api.request(method, path, json={"chargePointId": "CP001"})
        assert response.status_code == 401, path
        assert response.json() == {"error": "Missing or invalid bearer token"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_probes_and_metrics_need_no_token(system: System) -> None:
    api = Api(system.api_url, token=None)
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ready"}
    assert "csms_api_requests_total" in api.get("/metrics").text


def test_v1_prefix_and_api_version_header(api: Api, station_id: str) -> None:
    created = api.post("/v1/charge-points", json={"chargePointId": station_id}, headers={"API-Version": "v1"})
    assert created.status_code == 201
    assert api.get(f"/v1/charge-points/{station_id}").json()["chargePointId"] == station_id
    unsupported = api.get("/charge-points", headers={"API-Version": "v2"})
    assert unsupported.status_code == 400
    assert unsupported.json() == {"error": "Unsupported API-Version: v2; supported: v1"}


def test_unknown_route_and_method_are_json(api: Api) -> None:
    missing = api.get("/no-such-thing")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error"}
    wrong_method = api.get("/remote-start-transaction")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"error"}


def test_oversized_body_is_413(api: Api) -> None:
    response = api.post(
        "/charge-points", data=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert set(response.json()) == {"error"}


def test_api_refuses_to_start_without_a_token(system: System) -> None:
    service = system.start(
        "remote-api", label="remote-api-no-token", OCPP_API_TOKEN="", OCPP_API_TOKENS_FILE=""
    )
    code = service.process.wait(timeout=20)
    assert code != 0
    assert "OCPP_API_TOKEN is not set" in service.log_text()
