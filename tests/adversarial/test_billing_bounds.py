"""What a station or an API client can make billing store is bounded: samples per session, sessions
per station, tariffs. Measured against the private Redis, and printed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import websockets
from ocpp.v16 import call as call16

from csms_shadow.storage.keys import shared_prefix
from tests.support.api import Api
from tests.support.billing import billing_system
from tests.support.polling import NotYet, wait_until
from tests.support.stations import Station16, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

SAMPLE_CAP = 40
SESSION_CAP = 5
TARIFF_CAP = 6
FLOOD = 300


@pytest.fixture(scope="module")
def bounded_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with billing_system(
        tmp_path_factory,
        BILLING_SAMPLES_PER_SESSION=str(SAMPLE_CAP),
        BILLING_SESSIONS_PER_STATION=str(SESSION_CAP),
        BILLING_MAX_TARIFFS=str(TARIFF_CAP),
    ) as system:
        yield system


def _tariff(tariff_id: str) -> dict[str, object]:
    return {
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3}]}],
    }


def _minute(index: int) -> str:
    return f"2025-01-14T{10 + index // 60:02d}:{index % 60:02d}:00Z"


def test_a_meter_value_flood_keeps_the_sample_log_bounded(bounded_system: System) -> None:
    api = Api(bounded_system.api_url)
    flooder, neighbour = f"CP-FLOOD-{uuid.uuid4().hex[:6]}", f"CP-CALM-{uuid.uuid4().hex[:6]}"
    api.register(flooder)
    api.register(neighbour)
    store = redis.Redis.from_url(bounded_system.redis_url)

    async def scenario() -> tuple[int, float]:
        url = bounded_system.gateway_url
        async with (
            websockets.connect(f"{url}/{flooder}", subprotocols=["ocpp1.6"]) as flood_ws,
            websockets.connect(f"{url}/{neighbour}", subprotocols=["ocpp1.6"]) as calm_ws,
            running(Station16(flooder, flood_ws)) as cp,
            running(Station16(neighbour, calm_ws)) as calm,
        ):
            started = await cp.call(
                call16.StartTransaction(connector_id=1, id_tag="T", meter_start=0, timestamp=_minute(0))
            )
            tx = started.transaction_id

            async def flood() -> None:
                for index in range(1, FLOOD + 1):
                    sampled = [{"value": str(index * 100), "measurand": "Energy.Active.Import.Register"}]
                    await cp.call(
                        call16.MeterValues(
                            connector_id=1,
                            transaction_id=tx,
                            meter_value=[{"timestamp": _minute(index), "sampled_value": sampled}],
                        )
                    )

            async def heartbeats() -> float:
                worst = 0.0
                for _ in range(10):
                    began = time.perf_counter()
                    await calm.call(call16.Heartbeat())
                    worst = max(worst, time.perf_counter() - began)
                    await asyncio.sleep(0.2)
                return worst

            _, worst = await asyncio.gather(flood(), heartbeats())
            await cp.call(
                call16.StopTransaction(
                    meter_stop=(FLOOD + 1) * 100, timestamp=_minute(FLOOD + 1), transaction_id=tx
                )
            )
            return tx, worst

    tx, worst = asyncio.run(scenario())
    session_id = f"{flooder}:{tx}"

    def completed() -> dict[str, Any] | NotYet:
        session: dict[str, Any] = api.get(f"/sessions/{session_id}").json()
        return session if session.get("status") == "completed" else NotYet(session)

    session = wait_until(completed, 15, interval=0.1, message=f"session {session_id} is completed")
    key = f"{shared_prefix('csms:')}session-samples:{session_id}"
    stored = store.memory_usage(key) or 0
    print(
        f"sample log after {FLOOD} MeterValues: {stored / 1024:.1f} KB in Redis (cap {SAMPLE_CAP} messages); "
        f"neighbour's worst Heartbeat {worst * 1000:.0f} ms; energy {session['energyWh']} Wh"
    )
    assert stored < SAMPLE_CAP * 400  # ~ 200 bytes a message, with room
    assert session["energyWh"] == (FLOOD + 1) * 100  # the thinned log still adds up
    assert any("thinned out beyond the cap" in note for note in session["energyNotes"])
    assert worst < 2.0


def test_sessions_per_station_and_tariffs_are_capped(bounded_system: System) -> None:
    api = Api(bounded_system.api_url)
    station = f"CP-MANY-{uuid.uuid4().hex[:6]}"
    api.register(station)

    async def scenario() -> list[int]:
        async with (
            websockets.connect(f"{bounded_system.gateway_url}/{station}", subprotocols=["ocpp1.6"]) as ws,
            running(Station16(station, ws)) as cp,
        ):
            ids = []
            for index in range(SESSION_CAP + 3):
                started = await cp.call(
                    call16.StartTransaction(
                        connector_id=1, id_tag="T", meter_start=0, timestamp=_minute(2 * index)
                    )
                )
                await cp.call(
                    call16.StopTransaction(
                        meter_stop=500,
                        timestamp=_minute(2 * index + 1),
                        transaction_id=started.transaction_id,
                    )
                )
                ids.append(started.transaction_id)
            return ids

    ids = asyncio.run(scenario())

    def newest_listed() -> list[str] | NotYet:
        sessions = api.get("/sessions", params={"chargePointId": station}).json()["sessions"]
        listed = [str(s["transactionId"]) for s in sessions]
        return listed if listed and listed[-1] == str(ids[-1]) else NotYet(listed)

    listed = wait_until(newest_listed, 15, interval=0.1, message="the newest session is listed")
    print(f"{len(ids)} transactions, {len(listed)} sessions kept (cap {SESSION_CAP})")
    assert listed == [str(i) for i in ids[-SESSION_CAP:]]

    answers = [
        api.post("/tariffs", json=_tariff(f"cap-{index}")).status_code for index in range(TARIFF_CAP + 2)
    ]
    print(f"tariff creations: {answers}")
    assert answers.count(201) == TARIFF_CAP and answers[-1] == 409
