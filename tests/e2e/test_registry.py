"""Station registry through remote-api → MQTT → shadow → Redis, and back."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.support.api import Api
from tests.support.stations import station201
from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_register_list_get_delete(api: Api, station_id: str) -> None:
    created = api.post("/charge-points", json={"chargePointId": station_id})
    assert created.status_code == 201
    assert created.json()["chargePointId"] == station_id
    assert created.json()["connected"] is False

    duplicate = api.post("/charge-points", json={"chargePointId": station_id})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"error": f"Charge point already exists: {station_id}"}

    listed = api.get("/charge-points").json()["chargePoints"]
    assert station_id in [entry["chargePointId"] for entry in listed]

    shown = api.get(f"/charge-points/{station_id}")
    assert shown.status_code == 200
    assert shown.json()["chargePointId"] == station_id

    deleted = api.delete(f"/charge-points/{station_id}")
    assert deleted.status_code == 200
    assert api.get(f"/charge-points/{station_id}").status_code == 404
    assert api.delete(f"/charge-points/{station_id}").status_code == 404
    assert station_id not in [e["chargePointId"] for e in api.get("/charge-points").json()["chargePoints"]]


def test_unknown_station_is_404(api: Api, station_id: str) -> None:
    response = api.get(f"/charge-points/{station_id}")
    assert response.status_code == 404
    assert response.json() == {"error": f"Charge point not found: {station_id}"}
    shadow = api.get(f"/charge-points/{station_id}/shadow")
    assert shadow.status_code == 404
    assert shadow.json() == {"error": f"Charge point not found: {station_id}"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing required parameter: chargePointId"),
        ({"chargePointId": ""}, "Missing required parameter: chargePointId"),
        ({"chargePointId": "a/b"}, "Invalid chargePointId: station id must not contain '/'"),
        ({"chargePointId": "a+b"}, "Invalid chargePointId: station id must not contain '+'"),
        ({"chargePointId": "a#b"}, "Invalid chargePointId: station id must not contain '#'"),
        ({"chargePointId": "x" * 49}, "Invalid chargePointId: station id is longer than 48 characters"),
        ({"chargePointId": 42}, "Invalid chargePointId: station id must be a string"),
        (
            {"chargePointId": "has space"},
            "Invalid chargePointId: station id must not contain whitespace or control characters",
        ),
    ],
)
def test_register_refuses_bad_ids(api: Api, body: dict[str, object], message: str) -> None:
    response = api.post("/charge-points", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_register_refuses_invalid_json(api: Api) -> None:
    response = api.post("/charge-points", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid JSON body"}
    response = api.post("/charge-points", json=["CP001"])
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_presence_is_shown_while_connected(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered):
            for _ in range(100):
                station = (await api.aget(f"/charge-points/{registered}")).json()
                if station["connected"]:
                    break
                await asyncio.sleep(0.05)
            assert station["connected"] is True
            assert station["connection"]["protocol"] == "ocpp2.0.1"
            assert station["connection"]["gatewayInstance"] == "gateway"
        for _ in range(100):
            station = (await api.aget(f"/charge-points/{registered}")).json()
            if not station["connected"]:
                break
            await asyncio.sleep(0.05)
        assert station["connected"] is False
        assert station["connection"] is None
        assert station["lastDisconnectedAt"].endswith("Z")

    asyncio.run(scenario())


def test_delete_drops_the_live_connection(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            response = await api.adelete(f"/charge-points/{registered}")
            assert response.status_code == 200
            assert response.json() == {"chargePointId": registered, "deleted": True}
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008
        # Deregistered: it cannot come back.
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(f"{system.gateway_url}/{registered}"):
                pass
        assert refused.value.response.status_code == 404

    asyncio.run(scenario())
