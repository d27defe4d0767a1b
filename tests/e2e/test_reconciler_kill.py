"""The reconciler killed mid-rollout (docs/fleet.md, crash safety): the shadow service is SIGKILLed
while desired configuration goes out to 20 real 1.6 stations, and restarted with the same MQTT
session. Every station must end with every key, each (key, value) received exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, running
from tests.support.system import System, own_system

pytestmark = pytest.mark.e2e

STATIONS = 20
KEYS = 5
ANSWER_DELAY = 0.2
"""Each ChangeConfiguration takes the station this long, so calls are in flight when the kill comes."""
SHADOW_ENV = {
    "RECONCILE_INTERVAL": "1",
    "RECONCILE_STALE_SECONDS": "8",
    "SHADOW_CLIENT_ID": "shadow-kill-test",
}


class SlowStation16(Station16):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.changes: list[tuple[str, str]] = []

    @on("ChangeConfiguration")
    async def on_change_configuration(self, key: str, value: str) -> call_result16.ChangeConfiguration:
        self.changes.append((key, value))
        await asyncio.sleep(ANSWER_DELAY)
        return call_result16.ChangeConfiguration(status="Accepted")


@pytest.fixture(scope="module")
def reconciling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with own_system(
        tmp_path_factory, "reconcile", {"shadow": SHADOW_ENV, "gateway": {"GATEWAY_CALL_TIMEOUT": "5"}}
    ) as system:
        yield system


def test_killed_mid_rollout_no_call_twice_none_forgotten(reconciling: System) -> None:
    system = reconciling
    api = Api(system.api_url)
    site = f"kill-{uuid.uuid4().hex[:8]}"
    station_ids = [f"CP-K{index:02}-{uuid.uuid4().hex[:6]}" for index in range(STATIONS)]
    for station_id in station_ids:
        api.register(station_id)
        assert (
            api.request("PATCH", f"/charge-points/{station_id}", json={"labels": {"site": site}}).status_code
            == 200
        )
    wanted = {f"Key{index}": f"value-{index}" for index in range(KEYS)}

    async def scenario() -> tuple[list[SlowStation16], float]:
        async with contextlib.AsyncExitStack() as stack:
            stations = []
            for station_id in station_ids:
                ws = await stack.enter_async_context(
                    websockets.connect(f"{system.gateway_url}/{station_id}", subprotocols=["ocpp1.6"])
                )
                station = await stack.enter_async_context(running(SlowStation16(station_id, ws)))
                await station.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
                stations.append(station)
            response = await api.arequest(
                "PATCH",
                "/fleet/shadow",
                params={"selector": f"site={site}"},
                json={"state": {"desired": {"configuration": wanted}}},
            )
            assert response.status_code == 200 and response.json()["applied"] == STATIONS
            await asyncio.sleep(0.6)
            sent_before_kill = sum(len(station.changes) for station in stations)
            system.processes["shadow"].stop(signal.SIGKILL)
            print(f"killed the shadow service after {sent_before_kill} of {STATIONS * KEYS} calls")
            assert 0 < sent_before_kill < STATIONS * KEYS, "the kill must come mid-rollout"
            killed_at = time.monotonic()
            await asyncio.sleep(1.0)
            old = system.processes["shadow"]
            fresh = system.start("shadow", **{key: old.env[key] for key in SHADOW_ENV})
            await asyncio.to_thread(system.wait_ready, fresh)

            async def all_in_sync() -> bool | NotYet:
                # Right after the restart an answer may be 503 (the service not yet subscribed): not yet.
                status = (await api.aget("/fleet/status", params={"selector": f"site={site}"})).json()
                return True if status.get("inSync") == STATIONS else NotYet(status)

            await wait_until_async(all_in_sync, 40, interval=0.2, message="every station in sync")
            recovered = time.monotonic() - killed_at
            # Nothing more arrives afterwards either (a late duplicate would show here).
            await asyncio.sleep(2.0)
            return stations, recovered

    stations, recovered = asyncio.run(scenario())
    duplicated = sum(len(station.changes) - len(set(station.changes)) for station in stations)
    forgotten = sum(len(set(wanted.items()) - set(station.changes)) for station in stations)
    print(
        f"after the kill: all {STATIONS} stations in sync in {recovered:.1f} s; duplicated {duplicated}, forgotten {forgotten}"
    )
    assert (duplicated, forgotten) == (0, 0)
    for station in stations:
        assert sorted(station.changes) == sorted(wanted.items())
