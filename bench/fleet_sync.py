"""``make bench-fleet``: desired configuration to 1,000 connected 2.0.1 stations, time until all in sync.

Starts Mosquitto, Redis and the four services (as ``make bench`` does), registers and connects
``--stations`` raw WebSocket stations (one asyncio process; each boots, then answers SetVariables
with Accepted for every item), sends one ``PATCH /fleet/shadow?selector=`` with ``--keys``
configuration keys, and polls ``GET /fleet/status`` until every station is in sync. Prints and
writes to ``bench/results/`` the time to all in sync and the PATCH's own latency. Target (issue 15):
1,000 stations in sync within 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import websockets

from bench import infra

RESULTS = Path(__file__).resolve().parent / "results"


async def connect(url: str, station_id: str) -> websockets.ClientConnection:
    """Connect as a station does: a 503 (registry busy during the ramp) is tried again a second later."""
    for _ in range(60):
        try:
            return await websockets.connect(
                f"{url}/{station_id}",
                subprotocols=[websockets.Subprotocol("ocpp2.0.1")],
                open_timeout=60,
            )
        except websockets.InvalidStatus as error:
            if error.response.status_code != 503:
                raise
            await asyncio.sleep(1.0)
    raise TimeoutError(f"{station_id} could not connect")


async def station(
    url: str, station_id: str, booted: asyncio.Event, stop: asyncio.Event, answered: list[int]
) -> None:
    async with await connect(url, station_id) as ws:
        boot = [
            2,
            uuid.uuid4().hex,
            "BootNotification",
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
        ]
        await ws.send(json.dumps(boot))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            frame = json.loads(raw)
            if frame[0] == 3 and frame[1] == boot[1]:
                booted.set()
            elif frame[0] == 2:
                _, message_id, action, payload = frame
                if action == "SetVariables":
                    result: dict[str, Any] = {
                        "setVariableResult": [
                            {
                                "attributeStatus": "Accepted",
                                "component": item["component"],
                                "variable": item["variable"],
                            }
                            for item in payload["setVariableData"]
                        ]
                    }
                else:
                    result = {"status": "Accepted"}
                await ws.send(json.dumps([3, message_id, result]))
                answered.append(1)


async def run(stations: int, keys: int, api: str, gateway: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {infra.API_TOKEN}"}
    session = requests.Session()
    prefix = f"FLEET-{uuid.uuid4().hex[:6]}"
    station_ids = [f"{prefix}-{index:05}" for index in range(stations)]
    for station_id in station_ids:
        response = session.post(
            f"{api}/charge-points", json={"chargePointId": station_id}, headers=headers, timeout=10
        )
        response.raise_for_status()
    stop = asyncio.Event()
    booted = [asyncio.Event() for _ in station_ids]
    answered: list[int] = []
    tasks = []
    for index, station_id in enumerate(station_ids):
        tasks.append(asyncio.create_task(station(gateway, station_id, booted[index], stop, answered)))
        if index % 10 == 9:
            await asyncio.sleep(0.1)  # 100 handshakes/s
    deadline = time.monotonic() + 180
    while not all(event.is_set() for event in booted):
        failures = [str(task.exception())[:120] for task in tasks if task.done() and task.exception()]
        if failures or time.monotonic() > deadline:
            count = sum(event.is_set() for event in booted)
            raise RuntimeError(f"{count} of {stations} booted; {len(failures)} failed, e.g. {failures[:3]}")
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # the boots' shadow updates settle
    desired = {"configuration": {f"OCPPCommCtrlr.Bench{index}": str(index) for index in range(keys)}}
    started = time.monotonic()
    response = await asyncio.to_thread(
        session.patch,
        f"{api}/fleet/shadow",
        params={"selector": ""},
        json={"state": {"desired": desired}},
        headers=headers,
        timeout=60,
    )
    patch_seconds = time.monotonic() - started
    response.raise_for_status()
    applied = response.json()["applied"]
    status: dict[str, Any] = {}
    status_errors = 0
    while time.monotonic() - started < 120:
        status = (
            await asyncio.to_thread(session.get, f"{api}/fleet/status", headers=headers, timeout=30)
        ).json()
        if status.get("inSync") == stations:
            break
        if "inSync" not in status:
            status_errors += 1
        # Each status read decodes every matched shadow: polled gently, so the measurement costs
        # the shadow service little (the time is known to 0.5 s).
        await asyncio.sleep(0.5)
    in_sync_seconds = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "stations": stations,
        "keys": keys,
        "applied": applied,
        "patchSeconds": round(patch_seconds, 3),
        "allInSyncSeconds": round(in_sync_seconds, 3),
        "inSync": status.get("inSync"),
        "pending": status.get("pending"),
        "failed": status.get("failed"),
        "callsAnswered": len(answered),
        "statusErrors": status_errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=2)
    arguments = parser.parse_args()
    with infra.crowd_system("fleet", arguments.stations) as (_, system):
        result = asyncio.run(run(arguments.stations, arguments.keys, system.api_url, system.gateway_url))
    result.update(date=datetime.now(UTC).isoformat(timespec="seconds"), cores=os.cpu_count())
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    name = f"{datetime.now(UTC):%Y-%m-%d}-fleet-sync-{arguments.stations}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    verdict = (
        "met" if result["inSync"] == arguments.stations and result["allInSyncSeconds"] <= 10 else "MISSED"
    )
    print(f"{arguments.stations} stations in sync in {result['allInSyncSeconds']} s (target 10 s): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
