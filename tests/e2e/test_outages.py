"""Broker and Redis outages under a connected station, on a private broker, Redis and set of services.

Nothing is acknowledged to a station that was not processed: during a broker outage its
calls get an InternalError (it retries) and its socket stays open; during a Redis outage
the shadow service retries its writes until Redis is back, and new connections get 503.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.support import infra
from tests.support.api import Api
from tests.support.raw_calls import call, heartbeat
from tests.support.system import System, http_status

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def outage_infra(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[infra.RunningService, infra.RunningService]]:
    with (
        infra.mosquitto(tmp_path_factory.mktemp("outage-mosquitto")) as broker,
        infra.redis(tmp_path_factory.mktemp("outage-redis"), persistent=True) as redis,
    ):
        if not broker.command or not redis.command:
            pytest.skip("outage tests restart local broker and Redis processes")
        yield broker, redis


@pytest.fixture(scope="module")
def outage_system(
    outage_infra: tuple[infra.RunningService, infra.RunningService], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    broker, redis = outage_infra
    with System(
        Path(tmp_path_factory.mktemp("outage-services")), broker.url, redis.url, broker.passwords
    ).running() as running:
        yield running


async def until_answered(ws: ClientConnection, prefix: str, seconds: float) -> tuple[list[Any], int]:
    """Retry a Heartbeat like a station would until a CallResult comes; (reply, attempts)."""
    deadline = asyncio.get_running_loop().time() + seconds
    attempts = 0
    while True:
        attempts += 1
        try:
            reply = await call(ws, heartbeat(f"{prefix}-{attempts}"), timeout=2)
            if reply[0] == 3:
                return reply, attempts
        except TimeoutError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no answer after {attempts} attempts")
        await asyncio.sleep(0.3)


def test_broker_outage(
    outage_infra: tuple[infra.RunningService, infra.RunningService], outage_system: System
) -> None:
    broker, _ = outage_infra
    api = Api(outage_system.api_url)
    station_id = "CP-BROKER-OUTAGE"
    api.register(station_id)

    async def scenario() -> tuple[list[Any], int]:
        async with websockets.connect(
            f"{outage_system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]
        ) as ws:
            assert (await call(ws, heartbeat("before"), timeout=5))[0] == 3
            broker.stop()
            await asyncio.sleep(1.0)
            during = await call(ws, heartbeat("during"), timeout=5)
            assert during[:3] == [4, "during", "InternalError"]  # answered, not silently dropped
            assert ws.close_code is None  # the socket stays open while the broker is away
            broker.restart()
            reply, attempts = await until_answered(ws, "after", 30)
            assert reply[0] == 3 and reply[2]["currentTime"].endswith("Z")
            # Subscriptions were restored: a command reaches the station again.
            for _ in range(100):
                if http_status(f"{outage_system.api_url}/readyz") == 200:
                    break
                await asyncio.sleep(0.1)
            response = await api.apost(f"/charge-points/{station_id}/commands/Reset", json={"type": "OnIdle"})
            assert response.status_code == 202, response.text
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame[1] == response.json()["messageId"]
            return during, attempts

    during, attempts = asyncio.run(scenario())
    print(
        f"broker outage: call during outage -> {during[2]}, answered again after {attempts} station retries"
    )
    for name in ("gateway", "ocpp-handler", "shadow", "remote-api"):
        assert outage_system.processes[name].process.poll() is None, name


def test_redis_outage(
    outage_infra: tuple[infra.RunningService, infra.RunningService], outage_system: System
) -> None:
    _, redis = outage_infra
    api = Api(outage_system.api_url)
    station_id = "CP-REDIS-OUTAGE"
    api.register(station_id)

    async def scenario() -> None:
        async with websockets.connect(
            f"{outage_system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]
        ) as ws:
            assert (await call(ws, heartbeat("before"), timeout=5))[0] == 3
            redis.stop()
            # A connected station keeps working: its status goes to the broker, the shadow retries.
            status = [
                2,
                "status-during",
                "StatusNotification",
                {
                    "timestamp": "2024-01-01T10:00:00Z",
                    "connectorStatus": "Faulted",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ]
            assert (await call(ws, status, timeout=5))[0] == 3
            # A new connection cannot be checked against the registry: 503, not "not registered".
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(f"{outage_system.gateway_url}/CP-NEW-DURING-OUTAGE"):
                    pass
            assert refused.value.response.status_code == 503
            redis.restart()
            for _ in range(100):
                response = await api.aget(f"/charge-points/{station_id}/shadow")
                if response.status_code == 200:
                    connector = response.json()["state"]["reported"].get("evses", {}).get("1", {})
                    if connector.get("connectors", {}).get("1", {}).get("status") == "Faulted":
                        break
                await asyncio.sleep(0.1)
            # The update written during the outage was retried until Redis took it.
            assert connector["connectors"]["1"]["status"] == "Faulted"

    asyncio.run(scenario())
    print("redis outage: update during the outage applied after restart, new connection refused with 503")
