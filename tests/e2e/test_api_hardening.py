"""remote-api answers malformed or probing requests with a JSON error, never a 500 or a traceback."""

from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from tests.support.api import Api
from tests.support.system import API_TOKEN, COMMAND_TOKEN, READ_TOKEN, System

pytestmark = pytest.mark.e2e


def raw_request(base_url: str, method: str, path: str, headers: list[tuple[str, str]]) -> tuple[int, str]:
    """One request with exactly these header lines (duplicates included), as requests cannot send."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_duplicate_authorization_header_is_400(system: System) -> None:
    before = system.processes["remote-api"].log_text().count("Traceback")
    for second in (f"Bearer {API_TOKEN}", "Bearer not-a-token", "Basic YWRtaW46YWRtaW4="):
        status, body = raw_request(
            system.api_url,
            "GET",
            "/charge-points",
            [("Authorization", f"Bearer {API_TOKEN}"), ("Authorization", second)],
        )
        assert status == 400, body
        assert json.loads(body) == {"error": "More than one Authorization header"}
    assert system.processes["remote-api"].log_text().count("Traceback") == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        '{"chargePointId":"CP-DEEP","extra":' + "[" * 40 + "]" * 40 + "}",
    ],
    ids=["arrays-5000", "objects-5000", "object-41"],
)
def test_deeply_nested_json_is_400(api: Api, body: str) -> None:
    response = api.post("/charge-points", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "Invalid JSON body: nested deeper than 32 levels"}


def test_nesting_within_the_limit_is_accepted(api: Api) -> None:
    station_id = f"CP-{uuid.uuid4().hex[:12]}"
    body = {"chargePointId": station_id, "extra": json.loads("[" * 30 + "]" * 30)}
    assert api.post("/charge-points", json=body).status_code == 201


def test_read_scope_sees_id_token_values_masked(system: System) -> None:
    admin = Api(system.api_url)
    value = f"RFID{uuid.uuid4().hex[:12].upper()}"
    assert admin.request("PUT", f"/id-tokens/{value}", json={"status": "Accepted"}).status_code in (200, 201)
    try:
        read = Api(system.api_url, token=READ_TOKEN).get("/id-tokens")
        assert read.status_code == 200
        assert read.json()["masked"] is True
        assert value not in read.text
        assert f"****{value[-4:]}" in [record["idToken"] for record in read.json()["idTokens"]]
        for token in (COMMAND_TOKEN, API_TOKEN):
            full = Api(system.api_url, token=token).get("/id-tokens")
            assert "masked" not in full.json()
            assert value in [record["idToken"] for record in full.json()["idTokens"]]
        # Whoever knows a value may look it up: the answer tells nothing the caller did not know.
        one = Api(system.api_url, token=READ_TOKEN).get(f"/id-tokens/{value}")
        assert one.json()["idToken"] == value
    finally:
        admin.delete(f"/id-tokens/{value}")


@pytest.mark.parametrize("token", [READ_TOKEN, COMMAND_TOKEN, API_TOKEN])
@pytest.mark.parametrize("path", ["/no-such-route", "/v1/charge-points/CP-1/nothing", "/v2/charge-points"])
def test_unknown_route_is_404_for_every_token(system: System, token: str, path: str) -> None:
    response = Api(system.api_url, token=token).post(path, json={})
    assert response.status_code == 404, response.text
    assert response.json()["error"]


def test_unknown_route_still_needs_a_token(system: System) -> None:
    response = Api(system.api_url, token=None).get("/no-such-route")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid bearer token"}


def test_wrong_method_is_405_for_every_token(system: System) -> None:
    for token in (READ_TOKEN, COMMAND_TOKEN, API_TOKEN):
        response = Api(system.api_url, token=token).request("PATCH", "/id-tokens")
        assert response.status_code == 405, response.text
        assert response.json()["error"]


@pytest.mark.parametrize(
    "value", ["Bearer", "Bearer ", "Bearer \xff\xfe", "bearer  x", "Bearer " + "a" * 7000]
)
def test_odd_authorization_header_is_401(system: System, value: str) -> None:
    status, body = raw_request(system.api_url, "GET", "/charge-points", [("Authorization", value)])
    assert status == 401, body
    assert json.loads(body) == {"error": "Missing or invalid bearer token"}
