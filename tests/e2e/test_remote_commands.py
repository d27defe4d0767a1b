"""The seed's remote start/stop endpoints, end to end to a real station, for 2.0.1 and 1.6."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from tests.support.api import Api
from tests.support.mqtt_observer import MqttObserver
from tests.support.stations import station16, station201
from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_remote_start_reaches_a_201_station(api: Api, system: System, registered: str) -> None:
    observer = MqttObserver(system.mqtt_url, f"{registered}/call")

    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            response = await api.apost(
                "/remote-start-transaction",
                json={"chargePointId": registered, "idTag": "user-123", "connectorId": 1},
            )
            assert response.status_code == 200
            body = response.json()
            assert body["message"] == "RequestStartTransaction command sent successfully"
            assert body["chargePointId"] == registered
            assert isinstance(body["remoteStartId"], int) and body["remoteStartId"] > 0
            uuid.UUID(body["messageId"])

            action, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert action == "RequestStartTransaction"
            assert payload == {
                "id_token": {"id_token": "user-123", "type": "ISO14443"},
                "evse_id": 1,
                "remote_start_id": body["remoteStartId"],
            }
            frame = json.loads((await asyncio.to_thread(observer.next, 5)).payload)
            assert frame == [
                2,
                body["messageId"],
                "RequestStartTransaction",
                {
                    "idToken": {"idToken": "user-123", "type": "ISO14443"},
                    "evseId": 1,
                    "remoteStartId": body["remoteStartId"],
                },
            ]

    try:
        asyncio.run(scenario())
    finally:
        observer.close()


@pytest.mark.parametrize("transaction_id", [123456789, "123456789", "tx-abc"])
def test_remote_stop_sends_a_string_id_to_201(
    api: Api, system: System, registered: str, transaction_id: int | str
) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            response = await api.apost(
                "/remote-stop-transaction",
                json={"chargePointId": registered, "transactionId": transaction_id},
            )
            assert response.status_code == 200
            body = response.json()
            assert body["message"] == "RequestStopTransaction command sent successfully"
            assert body["transactionId"] == transaction_id
            assert body["chargePointId"] == registered
            action, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert (action, payload) == ("RequestStopTransaction", {"transaction_id": str(transaction_id)})

    asyncio.run(scenario())


def test_remote_start_without_id_tag_uses_no_authorization(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            response = await api.apost("/remote-start-transaction", json={"chargePointId": registered})
            assert response.status_code == 200
            _, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert payload["id_token"] == {"id_token": "", "type": "NoAuthorization"}
            assert payload["evse_id"] == 1

    asyncio.run(scenario())


def test_remote_start_and_stop_for_a_16_station(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station16(system.gateway_url, registered) as station:
            start = await api.apost(
                "/remote-start-transaction",
                json={"chargePointId": registered, "idTag": "user-123", "connectorId": 2},
            )
            assert start.status_code == 200
            assert start.json()["message"] == "RemoteStartTransaction command sent successfully"
            assert "remoteStartId" not in start.json()
            action, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert (action, payload) == ("RemoteStartTransaction", {"id_tag": "user-123", "connector_id": 2})

            stop = await api.apost(
                "/remote-stop-transaction", json={"chargePointId": registered, "transactionId": "42"}
            )
            assert stop.status_code == 200
            action, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert (action, payload) == ("RemoteStopTransaction", {"transaction_id": 42})

            refused = await api.apost(
                "/remote-stop-transaction", json={"chargePointId": registered, "transactionId": "tx-abc"}
            )
            assert refused.status_code == 400
            assert refused.json() == {"error": "Invalid transactionId: OCPP 1.6 transaction ids are integers"}
            no_tag = await api.apost("/remote-start-transaction", json={"chargePointId": registered})
            assert no_tag.status_code == 400

    asyncio.run(scenario())


def test_calls_wait_for_the_outstanding_one(api: Api, system: System, registered: str) -> None:
    """OCPP allows one outstanding CSMS call per station: the second is written after the first's answer."""

    async def scenario() -> None:
        async with station201(system.gateway_url, registered, answer_delay=0.5) as station:
            first = await api.apost(
                "/remote-start-transaction", json={"chargePointId": registered, "idTag": "a"}
            )
            second = await api.apost(
                "/remote-stop-transaction", json={"chargePointId": registered, "transactionId": "t1"}
            )
            assert first.status_code == second.status_code == 200
            action1, _, at1 = await asyncio.wait_for(station.received.get(), 5)
            action2, _, at2 = await asyncio.wait_for(station.received.get(), 5)
            assert (action1, action2) == ("RequestStartTransaction", "RequestStopTransaction")
            assert at2 - at1 >= 0.45

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/remote-start-transaction", {"idTag": "x"}, "Missing required parameter: chargePointId"),
        ("/remote-stop-transaction", {"transactionId": 1}, "Missing required parameter: chargePointId"),
        ("/remote-stop-transaction", {"chargePointId": "CP001"}, "Missing required parameter: transactionId"),
        (
            "/remote-start-transaction",
            {"chargePointId": "CP001", "connectorId": 0},
            "Invalid connectorId: must be a positive integer",
        ),
        (
            "/remote-start-transaction",
            {"chargePointId": "CP001", "idTag": 5},
            "Invalid idTag: must be a non-empty string",
        ),
        (
            "/remote-stop-transaction",
            {"chargePointId": "CP001", "transactionId": True},
            "Invalid transactionId: must be a string or an integer",
        ),
        (
            "/remote-start-transaction",
            {"chargePointId": "bad/id"},
            "Invalid chargePointId: station id must not contain '/'",
        ),
    ],
)
def test_bad_requests_are_400(api: Api, path: str, body: dict[str, object], message: str) -> None:
    response = api.post(path, json=body)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_unknown_and_offline_stations(api: Api, station_id: str) -> None:
    unknown = api.post("/remote-start-transaction", json={"chargePointId": station_id})
    assert unknown.status_code == 404
    assert unknown.json() == {"error": f"Charge point not found: {station_id}"}
    api.register(station_id)
    offline = api.post("/remote-stop-transaction", json={"chargePointId": station_id, "transactionId": 1})
    assert offline.status_code == 409
    assert offline.json() == {"error": f"Charge point not connected: {station_id}"}


def test_id_tag_too_long_for_the_schema_is_400(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered):
            response = await api.apost(
                "/remote-start-transaction", json={"chargePointId": registered, "idTag": "x" * 40}
            )
            assert response.status_code == 400
            assert response.json()["error"].startswith("Invalid RequestStartTransaction payload:")

    asyncio.run(scenario())


def test_broker_down_is_500_failed_to_publish(system: System) -> None:
    from tests.support.infra import free_port

    dead_broker = f"mqtt://127.0.0.1:{free_port()}"
    api_process = system.start(
        "remote-api", label="remote-api-no-broker", MQTT_URL=dead_broker, API_REQUEST_TIMEOUT="1"
    )
    try:
        from tests.support.system import http_status

        for _ in range(200):
            if http_status(f"{api_process.admin_url}/healthz") == 200:
                break
            asyncio.run(asyncio.sleep(0.05))
        assert http_status(f"{api_process.admin_url}/readyz") == 503
        api = Api(api_process.admin_url)
        response = api.post("/remote-start-transaction", json={"chargePointId": "CP001", "idTag": "user-123"})
        assert response.status_code == 500
        assert response.json()["error"].startswith("Failed to publish message: ")
    finally:
        api_process.stop()
