"""``make bench-redis-memory``: Redis memory per station with realistic shadows (README, Scaling).

Starts Mosquitto, Redis and the four services (as ``make bench`` does), registers ``--stations``
stations through remote-api, and has each connect as a 2.0.1 station that boots, reports two
connectors' status, runs one whole transaction (Started, two Updated with meter values, Ended) and
sends a Heartbeat. Redis's ``used_memory`` (``INFO memory``) before registering and after the last
answer, divided by the stations, is the memory one station costs; ``MEMORY USAGE`` of one station's
keys shows where it goes. Printed and written to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import requests

from bench import infra
from bench.fleet_sync import connect
from csms_shadow.storage.keys import Keys
from tests.support.transactions import transaction_events

RESULTS = Path(__file__).resolve().parent / "results"
KEY_PREFIX = "csms:"


def station_calls(station_id: str) -> list[tuple[str, dict[str, Any]]]:
    """What a station sends in its first minutes: boot, two connectors' status, a transaction, a heartbeat."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    boot = {
        "chargingStation": {
            "model": "AC-22",
            "vendorName": "Vendor",
            "serialNumber": station_id,
            "firmwareVersion": "1.4.2",
        },
        "reason": "PowerUp",
    }
    statuses = [
        (
            "StatusNotification",
            {"timestamp": now, "connectorStatus": "Available", "evseId": evse, "connectorId": 1},
        )
        for evse in (1, 2)
    ]
    transaction = [
        ("TransactionEvent", event)
        for event in transaction_events(f"{station_id}-tx", int(time.time()) % 86_400)
    ]
    return [("BootNotification", boot), *statuses, *transaction, ("Heartbeat", {})]


async def station(url: str, station_id: str, errors: Counter[str]) -> int:
    """Send the calls one at a time, each answered before the next, a CallError answer sent again
    with the same message id as a station does (counted in ``errors`` by action and code); the
    number answered."""
    answered = 0
    async with await connect(url, station_id) as ws:
        for action, payload in station_calls(station_id):
            message_id = uuid.uuid4().hex
            for _ in range(20):
                await ws.send(json.dumps([2, message_id, action, payload]))
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                while not (frame[0] in (3, 4) and frame[1] == message_id):
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame[0] == 3:
                    answered += 1
                    break
                errors[f"{action}: {frame[2]} {frame[3]}"[:160]] += 1
                await asyncio.sleep(0.5)
    return answered


async def run_stations(gateway: str, station_ids: list[str], concurrency: int, errors: Counter[str]) -> int:
    limit = asyncio.Semaphore(concurrency)

    async def one(station_id: str) -> int:
        async with limit:
            return await station(gateway, station_id, errors)

    return sum(await asyncio.gather(*(one(station_id) for station_id in station_ids)))


def station_key_bytes(client: redis.Redis, station_id: str) -> dict[str, int]:
    keys = Keys(KEY_PREFIX)
    named = {
        "registry record": keys.station(station_id),
        "shadow": keys.shadow(station_id),
        "presence": keys.presence(station_id),
        "transaction records": keys.transactions(station_id),
        "transaction order": keys.transaction_order(station_id),
        "open transactions": keys.open_transactions(station_id),
    }
    return {name: int(client.memory_usage(key) or 0) for name, key in named.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    arguments = parser.parse_args()
    with infra.crowd_system("redis-memory", arguments.stations) as (server, system):
        client = redis.Redis.from_url(server.url)
        before = int(client.info("memory")["used_memory"])
        keys_before = int(client.dbsize())
        session = requests.Session()
        headers = {"Authorization": f"Bearer {infra.API_TOKEN}"}
        station_ids = [f"MEM-{index:06}" for index in range(arguments.stations)]
        for station_id in station_ids:
            session.post(
                f"{system.api_url}/charge-points",
                json={"chargePointId": station_id},
                headers=headers,
                timeout=10,
            ).raise_for_status()
        errors: Counter[str] = Counter()
        answered = asyncio.run(run_stations(system.gateway_url, station_ids, arguments.concurrency, errors))
        expected = arguments.stations * len(station_calls("x"))
        # The last answers' shadow updates and records are written right after the answer.
        deadline = time.monotonic() + 30
        sample = station_ids[-1]
        while time.monotonic() < deadline and not client.exists(Keys(KEY_PREFIX).transactions(sample)):
            time.sleep(0.2)
        after = int(client.info("memory")["used_memory"])
        result = {
            "stations": arguments.stations,
            "callsAnswered": answered,
            "callsSent": expected,
            "callErrorsRetried": dict(errors),
            "usedMemoryBefore": before,
            "usedMemoryAfter": after,
            "bytesPerStation": round((after - before) / arguments.stations),
            "keysPerStation": round((int(client.dbsize()) - keys_before) / arguments.stations, 2),
            "oneStationKeys": station_key_bytes(client, sample),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cores": os.cpu_count(),
        }
        client.close()
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-redis-memory-{arguments.stations}.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(f"{arguments.stations} stations: {result['bytesPerStation']} bytes of Redis memory each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
