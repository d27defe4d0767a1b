"""remote-api security: scoped tokens stored hashed, CORS for configured origins, per-station rate limits."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.system import COMMAND_TOKEN, CORS_ORIGIN, READ_TOKEN, System, http_status

pytestmark = pytest.mark.e2e


def test_read_token_reads_but_cannot_change(system: System, registered: str) -> None:
    reader = Api(system.api_url, token=READ_TOKEN)
    assert reader.get(f"/charge-points/{registered}").status_code == 200
    assert reader.get(f"/charge-points/{registered}/shadow").status_code == 200
    refused = reader.post("/charge-points", json={"chargePointId": "CP-READ-ONLY"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "Token 'dashboard' lacks the admin scope"}
    command = reader.post("/remote-start-transaction", json={"chargePointId": registered})
    assert command.status_code == 403
    assert command.json() == {"error": "Token 'dashboard' lacks the command scope"}


def test_command_token_sends_commands_but_cannot_register(system: System, registered: str) -> None:
    dispatcher = Api(system.api_url, token=COMMAND_TOKEN)
    # Not connected: the request passed authorization and reached the station check.
    assert dispatcher.post("/remote-start-transaction", json={"chargePointId": registered}).status_code == 409
    assert dispatcher.get("/charge-points").status_code == 200
    assert dispatcher.delete(f"/charge-points/{registered}").status_code == 403
    assert dispatcher.request("PUT", "/id-tokens/ABC", json={"status": "Accepted"}).status_code == 403


def test_unknown_token_is_401_without_hint(system: System) -> None:
    response = Api(system.api_url, token="guess").get("/charge-points")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid bearer token"}


def test_cors_only_for_configured_origins(system: System) -> None:
    api = Api(system.api_url)
    allowed = api.get("/charge-points", headers={"Origin": CORS_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    other = api.get("/charge-points", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = Api(system.api_url, token=None).request(
        "OPTIONS",
        "/remote-start-transaction",
        headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_command_rate_limit_per_station(system: System, station_id: str) -> None:
    service = system.start(
        "remote-api",
        label="remote-api-limited",
        API_COMMAND_RATE="0.5",
        API_COMMAND_BURST="3",
        API_CONNECT_GRACE="0",  # the offline answers must come at once for the timing below
    )
    try:
        system.wait_ready(service)
        api = Api(service.admin_url)
        api.register(station_id)
        statuses = [
            api.post("/remote-start-transaction", json={"chargePointId": station_id}).status_code
            for _ in range(4)
        ]
        # Three fit the burst (each 409: the station is offline), the fourth is limited.
        assert statuses == [409, 409, 409, 429]
        limited = api.post("/remote-stop-transaction", json={"chargePointId": station_id, "transactionId": 1})
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "2"
        assert limited.json() == {"error": f"Too many commands for {station_id}; retry later"}
        # Another station has its own bucket.
        assert api.post("/remote-start-transaction", json={"chargePointId": "CP-OTHER"}).status_code == 404
        # Reads are not limited.
        assert all(api.get(f"/charge-points/{station_id}").status_code == 200 for _ in range(5))
    finally:
        service.stop()


def test_invalid_token_file_refuses_to_start(system: System, tmp_path) -> None:
    bad = tmp_path / "tokens"
    bad.write_text("dashboard:superuser:" + "0" * 64 + "\n")
    service = system.start("remote-api", label="remote-api-bad-tokens", OCPP_API_TOKENS_FILE=str(bad))
    assert service.process.wait(timeout=20) != 0
    assert "unknown scope 'superuser'" in service.log_text()
    assert http_status(f"{service.admin_url}/healthz") is None
