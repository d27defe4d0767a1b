"""A gateway stopped with SIGTERM drains: not ready at once, no new connections, its stations closed
with 1001 over GATEWAY_DRAIN_SECONDS (they reconnect to another gateway and carry on), exit code 0
within the period. A second signal exits at once."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.support.api import Api
from tests.support.raw_calls import call, heartbeat
from tests.support.system import System, http_status

pytestmark = pytest.mark.e2e

DRAIN_SECONDS = 4.0
STATIONS = 10


def test_sigterm_drains_the_gateway(api: Api, system: System) -> None:
    draining = system.start("gateway", label="gateway-draining", GATEWAY_DRAIN_SECONDS=str(DRAIN_SECONDS))
    system.wait_ready(draining)
    url = f"ws://127.0.0.1:{draining.env['GATEWAY_PORT']}"
    station_ids = [f"CP-DRAIN-{index}" for index in range(STATIONS)]
    for station_id in station_ids:
        api.register(station_id)

    async def scenario() -> tuple[list[float], list[int | None], list[list[Any]], list[int | None], float]:
        connections = [
            await websockets.connect(f"{url}/{station_id}", subprotocols=["ocpp2.0.1"])
            for station_id in station_ids
        ]
        for index, ws in enumerate(connections):
            assert (await call(ws, heartbeat(f"before-{index}")))[0] == 3
        began = time.monotonic()
        draining.process.send_signal(signal.SIGTERM)
        readyz: list[int | None] = []
        for _ in range(20):
            readyz.append(await asyncio.to_thread(http_status, f"{draining.admin_url}/readyz"))
            if readyz[-1] == 503:
                break
            await asyncio.sleep(0.05)
        not_ready_after = time.monotonic() - began
        with pytest.raises((OSError, websockets.InvalidStatus)):
            await websockets.connect(f"{url}/CP-DRAIN-NEW", open_timeout=2)

        async def closed_at(ws: ClientConnection) -> float:
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), DRAIN_SECONDS + 5)
            return time.monotonic() - began

        close_times = list(await asyncio.gather(*(closed_at(ws) for ws in connections)))
        codes = [ws.close_code for ws in connections]
        # Each station reconnects to the other gateway and is answered there.
        answers = []
        for index, station_id in enumerate(station_ids):
            async with websockets.connect(
                f"{system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]
            ) as ws:
                answers.append(await call(ws, heartbeat(f"after-{index}")))
        assert not_ready_after < 1.0, readyz
        return close_times, codes, answers, readyz, not_ready_after

    close_times, codes, answers, readyz, not_ready_after = asyncio.run(scenario())
    exit_code = draining.process.wait(timeout=DRAIN_SECONDS + 5)
    exited_after = max(close_times)  # upper bound check below uses the process itself
    assert readyz[-1] == 503
    assert codes == [1001] * STATIONS
    assert [answer[0] for answer in answers] == [3] * STATIONS
    assert exit_code == 0
    # Spread out over the first half of the period, not all in the same instant.
    assert max(close_times) - min(close_times) >= DRAIN_SECONDS * 0.3
    assert max(close_times) < DRAIN_SECONDS
    assert "gateway drained" in draining.log_text()
    print(
        f"gateway drain: readyz 503 after {not_ready_after:.2f} s, {STATIONS} stations closed with 1001 "
        f"between {min(close_times):.2f} and {exited_after:.2f} s of a {DRAIN_SECONDS:g} s period, "
        f"all answered on the other gateway, exit code {exit_code}"
    )


def test_a_second_signal_exits_at_once(api: Api, system: System, registered: str) -> None:
    draining = system.start("gateway", label="gateway-impatient", GATEWAY_DRAIN_SECONDS="60")
    system.wait_ready(draining)
    url = f"ws://127.0.0.1:{draining.env['GATEWAY_PORT']}"

    other = f"{registered}-2"
    api.register(other)

    async def scenario() -> float:
        async with (
            websockets.connect(f"{url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws,
            websockets.connect(f"{url}/{other}", subprotocols=["ocpp2.0.1"]) as second,
        ):
            assert (await call(ws, heartbeat("hb")))[0] == 3
            assert (await call(second, heartbeat("hb")))[0] == 3
            draining.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            # Draining: of two stations, the second is closed 15 s into the 60 s period.
            assert draining.process.poll() is None
            began = time.monotonic()
            draining.process.send_signal(signal.SIGINT)
            await asyncio.to_thread(draining.process.wait, 5)
            return time.monotonic() - began

    took = asyncio.run(scenario())
    assert draining.process.returncode == 128 + signal.SIGINT
    assert took < 2.0
