"""Attack: one station tries to fill Redis (issue 12, point 1), a well-behaved station alongside.

What main allowed: every CallResult/CallError a station sent was kept as a command record for
7 days, answered call or not (60 frames of 1 MiB: +63 MB in 9 s), one station could overwrite
another's record by reusing its message id, a 1.6 MeterValues naming a transaction that was never
started created a record without expiry, and a 2.x event log grew without a cap.

Now: only answers to a call the CSMS made (the gateway attaches its action) are recorded, records
belong to their station, MeterValues never creates a transaction record, open transactions,
records per station and log entries are capped, and every record key expires. This test runs
the attacks against a system of its own (so Redis's INFO memory is the attacker's doing) with
small record budgets, prints what the attacker achieved against the budget, and checks that the
well-behaved station's p99 stays within 2x of its idle p99 measured before the attack.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from redis import Redis

from csms_shadow.storage.keys import Keys
from tests.support.api import Api
from tests.support.budgets import (
    command_keys,
    heartbeat_probe,
    latency_kept,
    measure_idle,
    private_system,
    station_bytes,
    used_memory,
)
from tests.support.raw_calls import call
from tests.support.stations import station201
from tests.support.system import System

pytestmark = pytest.mark.e2e

MAX_DOCUMENT_BYTES = 131072
MAX_TRANSACTIONS = 10
MAX_OPEN = 5
MAX_EVENTS = 10
MAX_RECORD_BYTES = 16384
TOKEN_KEY_BYTES = 256
"""Upper bound of one frame's idempotency key (``applied:{cp}:{token}``, kept SHADOW_DUPLICATE_WINDOW)."""
SHADOW_ENV = {
    "SHADOW_MAX_DOCUMENT_BYTES": str(MAX_DOCUMENT_BYTES),
    "SHADOW_MAX_TRANSACTIONS": str(MAX_TRANSACTIONS),
    "SHADOW_MAX_OPEN_TRANSACTIONS": str(MAX_OPEN),
    "SHADOW_MAX_TRANSACTION_EVENTS": str(MAX_EVENTS),
    "SHADOW_MAX_TRANSACTION_BYTES": str(MAX_RECORD_BYTES),
}
ANSWER_FRAMES = 60
ANSWER_BYTES = 1_000_000
"""Just under the gateway's 1 MiB frame limit."""
ATTACK_RATE = 15.0
"""Frames per second per attacking station, under the gateway's GATEWAY_STATION_RATE (20)."""
PERIOD = 0.05
IDLE_SAMPLES = 60


@pytest.fixture(scope="module")
def budget_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, Redis]]:
    with private_system(Path(tmp_path_factory.mktemp("redis-budget")), SHADOW_ENV, {}) as running:
        yield running


def register(api: Api, station_id: str, status: str = "Accepted") -> None:
    body = {"chargePointId": station_id, "registrationStatus": status}
    response = api.post("/charge-points", json=body)
    assert response.status_code == 201, response.text


async def settle(ws: Any, version: str, prefix: str) -> None:
    """Every frame the station sent before is handled once this call is answered (per-station order)."""
    await call(ws, [2, f"{prefix}-settle", "Heartbeat", {}], timeout=60)
    await asyncio.sleep(1.0)  # the records reach the shadow service a moment after the answer


async def paced(ws: Any, frames: list[str]) -> None:
    """Send at the rate a station may keep up (GATEWAY_STATION_RATE is 20/s): bursts are the
    gateway's budget (frames per second), this test is about what the frames make the system store."""
    for frame in frames:
        await ws.send(frame)
        await asyncio.sleep(1 / ATTACK_RATE)


def started_201(transaction_id: str, seq_no: int, event_type: str = "Started") -> list[Any]:
    return [
        2,
        f"{transaction_id}-{seq_no}",
        "TransactionEvent",
        {
            "eventType": event_type,
            "timestamp": "2026-12-01T10:00:00Z",
            "triggerReason": "Authorized" if event_type == "Started" else "MeterValuePeriodic",
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": transaction_id},
            "evse": {"id": 1, "connectorId": 1},
        },
    ]


@pytest.mark.timeout(300)
def test_one_station_cannot_fill_redis(budget_system: tuple[System, Redis]) -> None:
    system, redis = budget_system
    api = Api(system.api_url)
    rejected, v16, v201, victim, good = (f"CP-{name}-{uuid.uuid4().hex[:6]}" for name in "RAXVG")
    register(api, rejected, "Rejected")
    for station in (v16, v201, victim, good):
        register(api, station)

    async def scenario() -> dict[str, Any]:
        idle = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        async with station201(system.gateway_url, victim):
            # The victim's real command: a record the attacker will try to overwrite.
            answered = await api.apost(
                f"/charge-points/{victim}/commands/Reset?wait=10", json={"type": "Immediate"}
            )
            assert answered.status_code == 200, answered.text
            victim_id = answered.json()["messageId"]
            before_memory, before_commands = used_memory(redis), command_keys(redis)
            async with heartbeat_probe(system.gateway_url, good, PERIOD) as attack_probe:
                async with (
                    websockets.connect(
                        f"{system.gateway_url}/{rejected}", subprotocols=["ocpp2.0.1"], max_size=None
                    ) as ws_rejected,
                    websockets.connect(f"{system.gateway_url}/{v16}", subprotocols=["ocpp1.6"]) as ws16,
                    websockets.connect(f"{system.gateway_url}/{v201}", subprotocols=["ocpp2.0.1"]) as ws201,
                ):
                    blob = "x" * ANSWER_BYTES
                    answers = [
                        json.dumps([3, uuid.uuid4().hex, {"data": blob}]) for _ in range(ANSWER_FRAMES)
                    ]
                    answers.append(json.dumps([4, victim_id, "GenericError", "overwritten", {}]))
                    answers.append(json.dumps([3, victim_id, {"status": "Rejected"}]))
                    meter = {"timestamp": "2026-12-01T10:00:00Z", "sampledValue": [{"value": "1"}]}
                    meter_frames = [
                        json.dumps(
                            [
                                2,
                                f"mv-{number}",
                                "MeterValues",
                                {"connectorId": 1, "transactionId": 900_000 + number, "meterValue": [meter]},
                            ]
                        )
                        for number in range(100)
                    ]
                    events = [json.dumps(started_201(f"tx-{number}", 0)) for number in range(30)]
                    events += [json.dumps(started_201("tx-0", seq_no, "Updated")) for seq_no in range(1, 41)]
                    await asyncio.gather(
                        paced(ws_rejected, answers), paced(ws16, meter_frames), paced(ws201, events)
                    )
                    await asyncio.gather(
                        settle(ws_rejected, "2.0.1", "r"),
                        settle(ws16, "1.6", "a"),
                        settle(ws201, "2.0.1", "x"),
                    )
            victim_record = (await api.aget(f"/commands/{victim_id}")).json()
        idle_after = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        return {
            "idle": idle,
            "idle_after": idle_after,
            "attack": attack_probe,
            "victim_record": victim_record,
            "memory_growth": used_memory(redis) - before_memory,
            "new_commands": command_keys(redis) - before_commands,
        }

    result = asyncio.run(scenario())
    frames = {rejected: ANSWER_FRAMES + 3, v16: 101, v201: 71}
    for station, sent in frames.items():
        budget = MAX_DOCUMENT_BYTES + MAX_TRANSACTIONS * MAX_RECORD_BYTES + sent * TOKEN_KEY_BYTES
        grown = station_bytes(redis, station)
        print(
            f"redis growth from one station ({station}): {grown / 1e6:.3f} MB of {budget / 1e6:.3f} MB budget"
        )
        assert grown <= budget
    print(
        f"redis used_memory growth during the attack: {result['memory_growth'] / 1e6:.2f} MB "
        f"(main: +63 MB for the 60 answers alone); new command records: {result['new_commands']}"
    )
    assert result["new_commands"] == 0, "answers to no call the CSMS made must not be recorded"
    assert result["memory_growth"] < 5_000_000
    assert result["victim_record"]["state"] == "answered"
    assert result["victim_record"]["chargePointId"] == victim

    v16_records = (api.get(f"/charge-points/{v16}/transactions")).json()["transactions"]
    print(f"1.6 MeterValues for 100 transactions never started: {len(v16_records)} records (main: 100)")
    assert v16_records == []

    v201_records = (api.get(f"/charge-points/{v201}/transactions")).json()["transactions"]
    open_records = [record for record in v201_records if record.get("status") != "Ended"]
    logs = {record["transactionId"]: len(record.get("events", [])) for record in v201_records}
    print(
        f"2.x: 30 transactions started, {len(open_records)} recorded (budget {MAX_OPEN} open); "
        f"tx-0's event log after 41 events: {logs.get('tx-0')} entries (budget {MAX_EVENTS}), "
        f"eventsDropped {next(r.get('eventsDropped') for r in v201_records if r['transactionId'] == 'tx-0')}"
    )
    assert len(open_records) <= MAX_OPEN
    assert logs["tx-0"] == MAX_EVENTS
    ttl = redis.ttl(Keys("csms:").transactions(v201))
    print(f"transaction records expire: TTL {ttl} s")
    assert ttl > 0

    kept, line = latency_kept(result["idle"], result["attack"], result["idle_after"])
    print(line)
    assert kept
