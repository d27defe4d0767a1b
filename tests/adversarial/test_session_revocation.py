"""An open session does not outlive its credentials: a password change or a switch to Rejected
closes it (1008); a deployment-wide minimum profile refuses weaker stations."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.support.adversary import basic, extra_gateway, gateway_url, handshake_seconds
from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.parametrize(
    ("change", "body", "reason", "reconnect"),
    [
        # The old password no longer opens a session.
        ("PUT", {"password": "another-password-9876"}, "credentials changed", 401),
        # A Rejected station may connect again, and its BootNotification is answered Rejected
        # (OCPP's way of telling it); only BootNotification is processed until then.
        ("PATCH", {"registrationStatus": "Rejected"}, "registration rejected", 101),
    ],
)
def test_a_credential_change_closes_the_open_session(
    system: System, api: Api, station_id: str, change: str, body: dict[str, str], reason: str, reconnect: int
) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "password": PASSWORD})
    assert response.status_code == 201 and response.json()["securityProfile"] == 1
    path = f"/charge-points/{station_id}" + ("/password" if change == "PUT" else "")

    async def scenario() -> tuple[int | None, str | None]:
        async with websockets.connect(
            f"{system.gateway_url}/{station_id}",
            subprotocols=["ocpp2.0.1"],
            additional_headers=basic(station_id, PASSWORD),
        ) as ws:
            answer = await api.arequest(change, path, json=body)
            assert answer.status_code == 200, answer.text
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            received = closed.value.rcvd
            return (received.code, received.reason) if received else (None, None)

    code, why = asyncio.run(scenario())
    print(f"\nrevocation: {change} {body} closed the open session with {code} {why!r}")
    assert (code, why) == (1008, reason)
    status, _ = asyncio.run(
        handshake_seconds(f"{system.gateway_url}/{station_id}", basic(station_id, PASSWORD))
    )
    assert status == reconnect


def test_a_station_below_the_minimum_profile_is_refused(system: System, api: Api, station_id: str) -> None:
    unprotected, protected = f"{station_id}-p0", f"{station_id}-p1"
    api.register(unprotected)
    response = api.post("/charge-points", json={"chargePointId": protected, "password": PASSWORD})
    assert response.status_code == 201
    with extra_gateway(system, "gateway-min-profile", GATEWAY_MIN_SECURITY_PROFILE="1") as gateway:
        url = gateway_url(gateway)
        refused, _ = asyncio.run(handshake_seconds(f"{url}/{unprotected}"))
        accepted, _ = asyncio.run(handshake_seconds(f"{url}/{protected}", basic(protected, PASSWORD)))
    print(f"\nminimum profile 1: profile-0 station {refused}, profile-1 station {accepted}")
    assert (refused, accepted) == (401, 101)
