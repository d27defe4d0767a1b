"""OCPP security profiles at the gateway (Basic auth, TLS, client certificates) and connection limits."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from scripts.pki import Pki, make_pki
from tests.support.adversary import basic, extra_gateway, tls_listener
from tests.support.api import Api
from tests.support.system import ServiceProcess, System

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-1"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_gateway(system: System, pki: Pki) -> Iterator[ServiceProcess]:
    with extra_gateway(
        system,
        "gateway-tls",
        extra_ports=("GATEWAY_TLS_PORT",),
        **tls_listener(pki),
        GATEWAY_REGISTRATION_CACHE="0",
    ) as gateway:
        yield gateway


def client_tls(pki: Pki, certificate_for: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if certificate_for is not None:
        cert, key = pki.client(certificate_for)
        context.load_cert_chain(str(cert), str(key))
    return context


def handshake(url: str, headers: dict[str, str] | None = None, tls: ssl.SSLContext | None = None) -> int:
    """101 when the connection opens and answers a Heartbeat, else the HTTP status of the refusal."""

    async def attempt() -> int:
        try:
            async with websockets.connect(
                url, subprotocols=["ocpp2.0.1"], additional_headers=headers, ssl=tls
            ) as ws:
                await ws.send('[2,"hb","Heartbeat",{}]')
                reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert reply[:2] == [3, "hb"]
                return 101
        except websockets.InvalidStatus as refused:
            return int(refused.response.status_code)

    return asyncio.run(attempt())


def register(api: Api, station_id: str, profile: int, password: str | None = PASSWORD) -> None:
    body: dict[str, Any] = {"chargePointId": station_id, "securityProfile": profile}
    if password is not None:
        body["password"] = password
    response = api.post("/charge-points", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["securityProfile"] == profile
    assert "passwordHash" not in response.json()


def urls(gateway: ServiceProcess, station_id: str) -> tuple[str, str]:
    return (
        f"ws://127.0.0.1:{gateway.env['GATEWAY_PORT']}/{station_id}",
        f"wss://127.0.0.1:{gateway.env['GATEWAY_TLS_PORT']}/{station_id}",
    )


def test_profile_1_basic_auth(api: Api, tls_gateway: ServiceProcess, pki: Pki, station_id: str) -> None:
    register(api, station_id, 1)
    ws_url, wss_url = urls(tls_gateway, station_id)
    assert handshake(ws_url) == 401
    assert handshake(ws_url, basic(station_id, "wrong-password-123456")) == 401
    assert handshake(ws_url, basic("someone-else", PASSWORD)) == 401
    assert handshake(ws_url, {"Authorization": "Basic !!!"}) == 401
    assert handshake(ws_url, basic(station_id, PASSWORD)) == 101
    assert handshake(wss_url, basic(station_id, PASSWORD), client_tls(pki)) == 101  # stronger is fine


def test_profile_2_needs_tls(api: Api, tls_gateway: ServiceProcess, pki: Pki, station_id: str) -> None:
    register(api, station_id, 2)
    ws_url, wss_url = urls(tls_gateway, station_id)
    assert handshake(ws_url, basic(station_id, PASSWORD)) == 401  # right password, too weak a connection
    assert handshake(wss_url, basic(station_id, "wrong-password-123456"), client_tls(pki)) == 401
    assert handshake(wss_url, basic(station_id, PASSWORD), client_tls(pki)) == 101


def test_profile_3_client_certificate(
    api: Api, tls_gateway: ServiceProcess, pki: Pki, station_id: str
) -> None:
    register(api, station_id, 3, password=None)
    ws_url, wss_url = urls(tls_gateway, station_id)
    assert handshake(wss_url, tls=client_tls(pki, station_id)) == 101
    assert handshake(wss_url, tls=client_tls(pki, "CP-SOMEONE-ELSE")) == 401
    assert handshake(wss_url, tls=client_tls(pki)) == 401
    assert handshake(ws_url) == 401


def test_password_change_takes_effect_at_once(api: Api, tls_gateway: ServiceProcess, station_id: str) -> None:
    register(api, station_id, 1)
    ws_url, _ = urls(tls_gateway, station_id)
    assert handshake(ws_url, basic(station_id, PASSWORD)) == 101
    new_password = "another-password-9876"
    response = api.request("PUT", f"/charge-points/{station_id}/password", json={"password": new_password})
    assert response.status_code == 200 and response.json() == {
        "chargePointId": station_id,
        "hasPassword": True,
    }
    assert handshake(ws_url, basic(station_id, PASSWORD)) == 401
    assert handshake(ws_url, basic(station_id, new_password)) == 101
    short = api.request("PUT", f"/charge-points/{station_id}/password", json={"password": "short"})
    assert short.status_code == 400
    assert short.json() == {"error": "password must be a string of 16 to 40 characters"}


def test_profile_without_password_is_refused(api: Api, station_id: str) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "securityProfile": 1})
    assert response.status_code == 400
    assert response.json() == {"error": "security profile 1 needs a password"}


def test_impostor_never_gets_the_stations_commands(api: Api, system: System, station_id: str) -> None:
    """A station on profile 1 stays connected and gets its command; wrong or no credentials get 401."""
    register(api, station_id, 1)
    url = f"{system.gateway_url}/{station_id}"

    async def scenario() -> None:
        async with websockets.connect(
            url, subprotocols=["ocpp2.0.1"], additional_headers=basic(station_id, PASSWORD)
        ) as genuine:
            for headers in (None, basic(station_id, "guessed-password-0000")):
                with pytest.raises(websockets.InvalidStatus) as refused:
                    async with websockets.connect(
                        url, subprotocols=["ocpp2.0.1"], additional_headers=headers
                    ):
                        pass
                assert refused.value.response.status_code == 401
            response = await api.apost(
                f"/charge-points/{station_id}/commands/Reset", json={"type": "Immediate"}
            )
            assert response.status_code == 202
            frame = json.loads(await asyncio.wait_for(genuine.recv(), 5))
            assert frame[0] == 2 and frame[2] == "Reset"

    asyncio.run(scenario())
    with urllib.request.urlopen(f"{system.processes['gateway'].admin_url}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'csms_gateway_auth_failures_total{reason="rejected"}' in metrics


def test_connection_limits(system: System, api: Api, station_id: str) -> None:
    gateway = system.start(
        "gateway",
        label="gateway-limits",
        GATEWAY_MAX_CONNECTIONS="1",
        GATEWAY_IDLE_TIMEOUT="1",
        GATEWAY_STATION_RATE="5",
        GATEWAY_STATION_BURST="5",
        GATEWAY_MAX_FRAME_BYTES="4096",
    )
    try:
        system.wait_ready(gateway)
        api.register(station_id)
        other = f"{station_id}-2"
        api.register(other)
        base = f"ws://127.0.0.1:{gateway.env['GATEWAY_PORT']}"

        async def scenario() -> None:
            async with websockets.connect(f"{base}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
                # Full: a second station is refused with 503.
                with pytest.raises(websockets.InvalidStatus) as refused:
                    async with websockets.connect(f"{base}/{other}", subprotocols=["ocpp2.0.1"]):
                        pass
                assert refused.value.response.status_code == 503
                # Flooding: 15 calls at 5/s with a burst of 5 take about 2 s, not 0.
                started = time.monotonic()
                for index in range(15):
                    await ws.send(json.dumps([2, f"f{index}", "Heartbeat", {}]))
                    await asyncio.wait_for(ws.recv(), 10)
                assert time.monotonic() - started >= 1.5
                # Too big: closed with 1009.
                await ws.send(json.dumps([2, "big", "DataTransfer", {"vendorId": "x" * 5000}]))
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            # Idle: nothing sent for longer than GATEWAY_IDLE_TIMEOUT → closed with 1001. The slot of
            # the connection closed above is free once the gateway has finished with it (a moment).
            for _ in range(50):
                try:
                    idle = await websockets.connect(f"{base}/{other}", subprotocols=["ocpp2.0.1"])
                    break
                except websockets.InvalidStatus as error:
                    assert error.response.status_code == 503
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the closed connection's slot was not freed within 2.5 s")
            async with idle:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(idle.recv(), 5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

        asyncio.run(scenario())
    finally:
        gateway.stop()
