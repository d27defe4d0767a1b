"""Registration status (Pending until an operator accepts), id tokens through the API, and OCPP 2.1."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e


def boot_frame(message_id: str = "boot") -> str:
    payload = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
    return json.dumps([2, message_id, "BootNotification", payload])


async def exchange(ws: Any, frame: str) -> list[Any]:
    await ws.send(frame)
    return list(json.loads(await asyncio.wait_for(ws.recv(), 5)))


def test_pending_station_may_only_boot_until_accepted(api: Api, system: System, station_id: str) -> None:
    created = api.post("/charge-points", json={"chargePointId": station_id, "registrationStatus": "Pending"})
    assert created.status_code == 201 and created.json()["registrationStatus"] == "Pending"

    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
            boot = await exchange(ws, boot_frame("boot-1"))
            assert boot[2]["status"] == "Pending"
            refused = await exchange(ws, '[2, "hb-1", "Heartbeat", {}]')
            assert refused[:3] == [4, "hb-1", "SecurityError"]

            accepted = await api.arequest(
                "PATCH", f"/charge-points/{station_id}", json={"registrationStatus": "Accepted"}
            )
            assert accepted.status_code == 200 and accepted.json()["registrationStatus"] == "Accepted"
            # A new id: the same frame again would be a retransmission, answered as before.
            boot = await exchange(ws, boot_frame("boot-2"))
            assert boot[2]["status"] == "Accepted"
            assert (await exchange(ws, '[2, "hb-2", "Heartbeat", {}]'))[:2] == [3, "hb-2"]

    asyncio.run(scenario())


def test_invalid_registration_status_is_400(api: Api, station_id: str) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "registrationStatus": "Maybe"})
    assert response.status_code == 400
    assert response.json() == {"error": "registrationStatus must be one of Accepted, Pending, Rejected"}


def test_id_token_store(api: Api) -> None:
    created = api.request(
        "PUT", "/id-tokens/TOKEN-A1", json={"status": "Blocked", "expiryDate": "2030-01-01T00:00:00Z"}
    )
    assert created.status_code == 201
    assert created.json()["status"] == "Blocked" and created.json()["expiryDate"] == "2030-01-01T00:00:00Z"
    replaced = api.request("PUT", "/id-tokens/TOKEN-A1", json={"status": "Accepted"})
    assert replaced.status_code == 200
    assert api.get("/id-tokens/TOKEN-A1").json()["status"] == "Accepted"
    assert "TOKEN-A1" in [token["idToken"] for token in api.get("/id-tokens").json()["idTokens"]]
    assert api.delete("/id-tokens/TOKEN-A1").status_code == 200
    assert api.get("/id-tokens/TOKEN-A1").status_code == 404
    bad = api.request("PUT", "/id-tokens/TOKEN-A2", json={"status": "Maybe"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "status must be one of Accepted, Blocked, Expired, Invalid"}
    bad_date = api.request(
        "PUT", "/id-tokens/TOKEN-A2", json={"status": "Accepted", "expiryDate": "tomorrow"}
    )
    assert bad_date.status_code == 400
    too_long = api.request("PUT", "/id-tokens/" + "x" * 37, json={"status": "Accepted"})
    assert too_long.status_code == 400


def test_expired_token_is_expired_for_the_station(api: Api, system: System, registered: str) -> None:
    api.request(
        "PUT", "/id-tokens/OLD-TOKEN", json={"status": "Accepted", "expiryDate": "2020-01-01T00:00:00Z"}
    )

    async def scenario() -> list[Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            return await exchange(
                ws,
                json.dumps(
                    [2, "a-1", "Authorize", {"idToken": {"idToken": "OLD-TOKEN", "type": "ISO14443"}}]
                ),
            )

    reply = asyncio.run(scenario())
    assert reply[0] == 3
    assert reply[2]["idTokenInfo"]["status"] == "Expired"


def test_ocpp21_station_boots(system: System, registered: str) -> None:
    async def scenario() -> tuple[str | None, list[Any]]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.1"]) as ws:
            return ws.subprotocol, await exchange(ws, boot_frame())

    subprotocol, boot = asyncio.run(scenario())
    assert subprotocol == "ocpp2.1"
    assert boot[0] == 3 and boot[2]["status"] == "Accepted"
