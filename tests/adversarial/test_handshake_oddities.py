"""Odd handshakes (issue 12, point 10): two Authorization headers, a client certificate with two CNs.

Each is refused with a 4xx, never a 500, and the gateway keeps serving a well-behaved station."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websockets

from scripts.pki import Pki, make_pki
from tests.support.adversary import extra_gateway, tls_listener
from tests.support.api import Api
from tests.support.system import ServiceProcess, System

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def certificate_with_subject(pki: Pki, name: str, subject: str) -> tuple[Path, Path]:
    """A client certificate with ``subject`` (e.g. two CNs), signed by the tests' CA."""
    cert, key, request = (pki.directory / f"{name}{suffix}" for suffix in (".pem", ".key", ".csr"))
    for command in (
        ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(request), "-subj", subject],
        ["x509", "-req", "-in", str(request), "-CA", str(pki.ca), "-CAkey", str(pki.directory / "ca.key"),
         "-CAcreateserial", "-out", str(cert), "-days", "30"],
    ):  # fmt: skip
        subprocess.run(["openssl", *command], check=True, capture_output=True)
    return cert, key


async def status_of(
    url: str, headers: list[tuple[str, str]] | None = None, tls: ssl.SSLContext | None = None
) -> int:
    """101 when the connection opens and answers a Heartbeat, else the HTTP status of the refusal."""
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


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki-oddities"))


@pytest.fixture(scope="module")
def tls_gateway(system: System, pki: Pki) -> Iterator[ServiceProcess]:
    with extra_gateway(
        system,
        "gateway-oddities",
        extra_ports=("GATEWAY_TLS_PORT",),
        **tls_listener(pki),
        GATEWAY_REGISTRATION_CACHE="0",
        GATEWAY_REFUSAL_HOLD="0",
    ) as gateway:
        yield gateway


def server_errors(gateway: ServiceProcess) -> int:
    """Handshakes websockets answered with 500: it logs each exception our handshake code raised."""
    log = gateway.log_text()
    return log.count("process_request failed") + log.count("opening handshake failed")


def test_two_authorization_headers_are_401_not_500(
    api: Api, tls_gateway: ServiceProcess, station_id: str
) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "password": PASSWORD})
    assert response.status_code == 201, response.text
    url = f"ws://127.0.0.1:{tls_gateway.env['GATEWAY_PORT']}/{station_id}"
    right, wrong = basic(station_id, PASSWORD), basic(station_id, "not-the-password-at-all")

    async def scenario() -> list[int]:
        return [
            await status_of(url, [("Authorization", right), ("Authorization", right)]),
            await status_of(url, [("Authorization", wrong), ("Authorization", right)]),
            await status_of(url, [("Authorization", right), ("Authorization", wrong)]),
            await status_of(url, [("Authorization", right)]),
        ]

    statuses = asyncio.run(scenario())
    metrics = requests.get(f"{tls_gateway.admin_url}/metrics", timeout=5).text
    print(f"\ntwo Authorization headers: {statuses[:3]}; one: {statuses[3]}")
    assert statuses == [401, 401, 401, 101]
    assert 'csms_gateway_auth_failures_total{reason="malformed"} 3.0' in metrics
    assert server_errors(tls_gateway) == 0


def test_a_certificate_with_two_common_names_is_refused(
    api: Api, tls_gateway: ServiceProcess, pki: Pki, station_id: str
) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "securityProfile": 3})
    assert response.status_code == 201, response.text
    url = f"wss://127.0.0.1:{tls_gateway.env['GATEWAY_TLS_PORT']}/{station_id}"

    def tls_with(cert: Path, key: Path) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(pki.ca))
        context.load_cert_chain(str(cert), str(key))
        return context

    both = certificate_with_subject(pki, f"{station_id}-two-cn", f"/CN={station_id}/CN=CP-other")
    reversed_ = certificate_with_subject(pki, f"{station_id}-two-cn-b", f"/CN=CP-other/CN={station_id}")

    async def scenario() -> list[int]:
        return [
            await status_of(url, tls=tls_with(*both)),
            await status_of(url, tls=tls_with(*reversed_)),
            await status_of(url, tls=tls_with(*pki.client(station_id))),
        ]

    statuses = asyncio.run(scenario())
    print(f"\ncertificates with two CNs: {statuses[:2]}; with the one CN: {statuses[2]}")
    assert statuses == [401, 401, 101]
    assert server_errors(tls_gateway) == 0
