"""Re-allocation time for a site of 100 stations (real 2.0.1 clients, one transaction each): from the API
call that changes the limit to the moment every station holds its new profile."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import uuid

import pytest

from tests.support.api import Api
from tests.support.charging import ChargingStation201, charging201
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e

STATIONS = 100
ROUNDS = 10
BUDGET_SECONDS = 1.0


def test_100_station_site_reallocates_within_a_second(system: System, api: Api) -> None:
    asyncio.run(scale(system, api))


async def scale(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site-100-{run}"
    ids = [f"CP-SCALE-{run}-{n:03d}" for n in range(STATIONS)]
    assert api.request("PUT", f"/sites/{site}", json={"limit": {"amps": 10 * STATIONS}}).status_code == 201
    for station_id in ids:
        api.register(station_id)
        assert api.request("PATCH", f"/charge-points/{station_id}", json={"site": site}).status_code == 200
    async with contextlib.AsyncExitStack() as stack:
        stations: list[ChargingStation201] = []
        for station_id in ids:
            station = await stack.enter_async_context(charging201(system.gateway_url, station_id))
            await station.start_transaction(f"tx-{station_id}")
            stations.append(station)

        async def all_at(amps: float) -> bool | NotYet:
            limits = [s.profiles.tx_limit(f"tx-{s.id}") for s in stations]
            wrong = [limit for limit in limits if limit != amps]
            return not wrong or NotYet(f"{len(wrong)} not at {amps} A, e.g. {wrong[:3]}")

        await wait_until_async(lambda: all_at(10.0), timeout=60, message="100 stations at 10 A")
        per_change: list[float] = []
        per_station: list[float] = []
        loop = asyncio.get_running_loop()
        for round_number in range(ROUNDS):
            amps = 8.0 if round_number % 2 == 0 else 10.0
            before = {s.id: len(s.profiles.applied) for s in stations}
            started = loop.time()
            response = await api.arequest("PUT", f"/sites/{site}", json={"limit": {"amps": amps * STATIONS}})
            assert response.status_code == 200
            await wait_until_async(lambda amps=amps: all_at(amps), timeout=30, message=f"all at {amps} A")
            arrivals = [s.profiles.applied[before[s.id]].at - started for s in stations]
            per_station.extend(arrivals)
            per_change.append(max(arrivals))
    per_station.sort()
    p99_station = per_station[int(len(per_station) * 0.99) - 1]
    print(
        f"\n{STATIONS}-station site, {ROUNDS} limit changes: every station told within "
        f"median {statistics.median(per_change) * 1000:.0f} ms, worst {max(per_change) * 1000:.0f} ms; "
        f"per station p50 {statistics.median(per_station) * 1000:.0f} ms, p99 {p99_station * 1000:.0f} ms"
    )
    assert p99_station < BUDGET_SECONDS, f"p99 {p99_station:.2f} s"
