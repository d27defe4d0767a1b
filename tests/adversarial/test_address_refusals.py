"""An address whose handshakes keep being refused is refused at accept time, and every refusal is held.

Attack: one source address retrying wrong credentials as fast as it is answered. After its budget of
refused handshakes it gets 429 as soon as it connects, before its request is read (no registry question,
no HTTP parsing, no log line each), until the budget refills; another address is not affected; and each
refusal is answered only after GATEWAY_REFUSAL_HOLD, so a client that retries at once is slowed."""

from __future__ import annotations

import asyncio
import time

import pytest
import requests
import websockets

from tests.support.adversary import basic, extra_gateway, gateway_url, handshake_seconds
from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-3"
BURST = 5
RATE = 0.25
HOLD = 0.3
ATTACKER = "127.0.0.77"


def counter(metrics: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith(prefix))


async def refusal(url: str, headers: dict[str, str], source: str) -> tuple[int, str | None, float]:
    """(status, Retry-After, seconds) of one handshake."""
    started = time.monotonic()
    try:
        async with websockets.connect(
            url,
            subprotocols=["ocpp2.0.1"],
            additional_headers=headers,
            local_addr=(source, 0),
            open_timeout=10,
        ):
            return 101, None, time.monotonic() - started
    except websockets.InvalidStatus as error:
        return (
            error.response.status_code,
            error.response.headers.get("Retry-After"),
            time.monotonic() - started,
        )


def test_an_address_refused_often_is_refused_at_accept_time(
    system: System, api: Api, station_id: str
) -> None:
    response = api.post("/charge-points", json={"chargePointId": station_id, "password": PASSWORD})
    assert response.status_code == 201, response.text
    settings = {
        "GATEWAY_REFUSED_ADDRESS_RATE": str(RATE),
        "GATEWAY_REFUSED_ADDRESS_BURST": str(BURST),
        "GATEWAY_REFUSAL_HOLD": str(HOLD),
        "GATEWAY_REGISTRATION_CACHE": "0",
    }
    with extra_gateway(system, "gateway-refusals", **settings) as gateway:
        url = f"{gateway_url(gateway)}/{station_id}"
        wrong, right = basic(station_id, "wrong-password-1234567"), basic(station_id, PASSWORD)

        async def scenario() -> tuple[list[tuple[int, str | None, float]], int, float, int]:
            refused = [await refusal(url, wrong, ATTACKER) for _ in range(BURST + 3)]
            registry_after_burst = counter(
                requests.get(f"{gateway.admin_url}/metrics", timeout=5).text,
                "csms_gateway_auth_failures_total",
            )
            elsewhere, _ = await handshake_seconds(url, right)  # from 127.0.0.1
            await asyncio.sleep(1.0 / RATE + 0.2)
            again, _, _ = await refusal(url, right, ATTACKER)
            return refused, elsewhere, registry_after_burst, again

        refused, elsewhere, auth_failures, again = asyncio.run(scenario())
        metrics = requests.get(f"{gateway.admin_url}/metrics", timeout=5).text
        log = gateway.log_text()
    at_accept = counter(metrics, 'csms_gateway_budget_exceeded_total{budget="refused_address"}')
    print(
        f"\naddress refusals: {[(status, retry, round(seconds * 1000)) for status, retry, seconds in refused]} "
        f"(status, Retry-After, ms); {at_accept:.0f} refused at accept time; another address: {elsewhere}; "
        f"the first address after {1 / RATE:g} s with the right password: {again}"
    )
    statuses = [status for status, _, _ in refused]
    assert statuses[:BURST] == [401] * BURST
    assert statuses[BURST:] == [429] * 3
    assert all(retry is not None and int(retry) >= 1 for _, retry, _ in refused[BURST:])
    assert all(seconds >= HOLD for _, _, seconds in refused), "every refusal is held"
    assert at_accept == 3
    assert auth_failures == BURST, "the accept-time refusals asked nothing and counted no login"
    assert elsewhere == 101
    assert again == 101
    assert log.count("source address refused at accept time") == 1
