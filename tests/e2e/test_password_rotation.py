"""POST /charge-points/{id}/password/rotate (docs/fleet.md) with real 2.0.1 and 1.6 stations on
Basic auth: the station is told the new password first, the registry keeps it once accepted, and
the old one no longer opens a connection; a refusal changes nothing."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
import websockets
from ocpp.routing import on
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call_result as call_result201

from tests.support.api import Api
from tests.support.stations import Station16, Station201, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

OLD_PASSWORD = "old-password-0123456789"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


class Rotating201(Station201):
    accept = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.passwords: list[str] = []

    @on("SetVariables")
    async def on_set_variables(self, **payload: Any) -> call_result201.SetVariables:
        item = payload["set_variable_data"][0]
        self.passwords.append(item["attribute_value"])
        return call_result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Accepted" if self.accept else "Rejected",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            ]
        )


class Rotating16(Station16):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.passwords: list[str] = []

    @on("ChangeConfiguration")
    async def on_change_configuration(self, key: str, value: str) -> call_result16.ChangeConfiguration:
        assert key == "AuthorizationKey"
        self.passwords.append(value)
        return call_result16.ChangeConfiguration(status="Accepted")


async def handshake_status(system: System, station_id: str, password: str, version: str) -> int:
    try:
        async with websockets.connect(
            f"{system.gateway_url}/{station_id}",
            subprotocols=[websockets.Subprotocol(f"ocpp{version}")],
            additional_headers=basic(station_id, password),
        ):
            return 101
    except websockets.InvalidStatus as error:
        return int(error.response.status_code)


def register_with_password(api: Api, station_id: str) -> None:
    response = api.post(
        "/charge-points", json={"chargePointId": station_id, "securityProfile": 1, "password": OLD_PASSWORD}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("version", "kind"), [("2.0.1", Rotating201), ("1.6", Rotating16)])
def test_rotation_reaches_the_station_then_the_registry(
    api: Api, system: System, station_id: str, version: str, kind: Any
) -> None:
    register_with_password(api, station_id)

    async def scenario() -> None:
        async with websockets.connect(
            f"{system.gateway_url}/{station_id}",
            subprotocols=[websockets.Subprotocol(f"ocpp{version}")],
            additional_headers=basic(station_id, OLD_PASSWORD),
        ) as ws:
            async with running(kind(station_id, ws)) as station:
                await asyncio.sleep(0.3)  # presence recorded
                response = await api.arequest("POST", f"/charge-points/{station_id}/password/rotate")
                assert response.status_code == 200, response.text
                assert response.json()["rotated"] is True
                assert "password" not in response.json()
                assert len(station.passwords) == 1 and len(station.passwords[0]) == 40
                new_password = station.passwords[0]
                await asyncio.wait_for(ws.wait_closed(), 5)  # the old session is closed
        assert await handshake_status(system, station_id, OLD_PASSWORD, version) == 401
        assert await handshake_status(system, station_id, new_password, version) == 101

    asyncio.run(scenario())


def test_a_refused_rotation_changes_nothing(api: Api, system: System, station_id: str) -> None:
    register_with_password(api, station_id)

    async def scenario() -> None:
        async with websockets.connect(
            f"{system.gateway_url}/{station_id}",
            subprotocols=[websockets.Subprotocol("ocpp2.0.1")],
            additional_headers=basic(station_id, OLD_PASSWORD),
        ) as ws:
            station = Rotating201(station_id, ws)
            station.accept = False
            async with running(station):
                await asyncio.sleep(0.3)
                response = await api.arequest("POST", f"/charge-points/{station_id}/password/rotate")
                assert response.status_code == 409
                assert "Rejected" in response.json()["error"]
        assert await handshake_status(system, station_id, OLD_PASSWORD, "2.0.1") == 101

    asyncio.run(scenario())


def test_rotation_needs_a_connected_station(api: Api, station_id: str) -> None:
    register_with_password(api, station_id)
    assert api.post(f"/charge-points/{station_id}/password/rotate").status_code == 409
    assert api.post("/charge-points/CP-nobody-here/password/rotate").status_code == 404
