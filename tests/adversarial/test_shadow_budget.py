"""Attack: one station tries to grow its shadow document without bound (issue 12, point 2).

What main allowed: new EVSE, connector and reservation ids in MeterValues/StatusNotification
(up to 1 MiB a frame) each added keys, and meter values were kept whole: 60 frames made a 24 MB
document, after which each 60-byte Heartbeat cost 0.78 s of shadow-service CPU, the shadow
service reached 545 MB and other stations' handshakes slowed to 0.5 s.

Now: EVSE and connector ids above HANDLER_MAX_EVSE_ID / HANDLER_MAX_CONNECTOR_ID get
PropertyConstraintViolation (a transaction keeps no per-EVSE copy), meter values are kept as
bounded summaries, id tokens without their unbounded lists, reservations are capped, and the
shadow service refuses any update that would make a document larger than its budget. This test
fills every EVSE and connector the limits allow with the largest meter values a frame can hold,
adds ids beyond them and 40 reservations, then prints the document's size against its budget,
the shadow service's CPU per Heartbeat and its memory, and checks a well-behaved station's p99
once the document is full (within 2x of its idle p99 measured before and after; while it fills, with
the gateway's byte budget off, it is printed only) and a new station's handshake time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import websockets
from redis import Redis

from csms_shadow.storage.keys import Keys
from tests.support.api import Api
from tests.support.budgets import heartbeat_probe, latency_kept, measure_idle, private_system
from tests.support.raw_calls import call
from tests.support.system import System

pytestmark = pytest.mark.e2e

MAX_DOCUMENT_BYTES = 131072
MAX_DOCUMENT_KEYS = 8192
MAX_EVSE_ID = 16
MAX_CONNECTOR_ID = 8
MAX_RESERVATIONS = 32
FRAME_LIMIT = 1_048_576
ATTACK_RATE = 15.0
"""Frames per second, under the gateway's GATEWAY_STATION_RATE (20): this test is about storage."""
PERIOD = 0.05
IDLE_SAMPLES = 60
HEARTBEATS = 40
HUGE_FRAMES = 10
STEADY_FRAMES = 100
TIMESTAMP = "2026-12-01T10:00:00Z"

MEASURANDS = [
    "Current.Export", "Current.Import", "Current.Offered", "Energy.Active.Export.Register",
    "Energy.Active.Import.Register", "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval", "Energy.Active.Import.Interval", "Energy.Active.Net",
    "Frequency", "Power.Active.Export", "Power.Active.Import", "Power.Factor", "Power.Offered",
    "Power.Reactive.Export", "Power.Reactive.Import", "SoC", "Voltage",
]  # fmt: skip
PHASES = ["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"]
LOCATIONS = ["Body", "Cable", "EV", "Inlet", "Outlet"]


@pytest.fixture(scope="module")
def shadow_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, Redis]]:
    with private_system(Path(tmp_path_factory.mktemp("shadow-budget")), {}, {}) as running:
        yield running


def meter_value(samples: int) -> dict[str, Any]:
    """A meter value of ``samples`` sampled values, cycling through every measurand/phase/location."""
    combos = itertools.cycle(itertools.product(MEASURANDS, PHASES, LOCATIONS))
    values = []
    for _ in range(samples):
        measurand, phase, location = next(combos)
        values.append({
            "value": 12345.678,
            "measurand": measurand,
            "phase": phase,
            "location": location,
            "unitOfMeasure": {"unit": "Wh", "multiplier": 0},
        })  # fmt: skip
    return {"timestamp": TIMESTAMP, "sampledValue": values}


def attack_frames() -> list[str]:
    """Fill every EVSE and connector the limits allow with the largest meter values a frame may
    carry (just under MAX_ITEMS), then try ids beyond the limits, frames beyond the item limit and
    more reservations than the cap."""
    meter = meter_value(1600)  # 3 items a sample: just under the 5,000 items a frame may hold
    frames: list[list[Any]] = []
    for evse in range(1, MAX_EVSE_ID + 1):
        frames.append([2, f"mv-{evse}", "MeterValues", {"evseId": evse, "meterValue": [meter]}])
        for connector in range(1, MAX_CONNECTOR_ID + 1):
            status = {
                "timestamp": TIMESTAMP,
                "connectorStatus": "Occupied",
                "evseId": evse,
                "connectorId": connector,
            }
            frames.append([2, f"sn-{evse}-{connector}", "StatusNotification", status])
        event = {
            "eventType": "Started",
            "timestamp": TIMESTAMP,
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": f"tx-{evse}"},
            "evse": {"id": evse, "connectorId": 1},
            "idToken": {
                "idToken": "T",
                "type": "NoAuthorization",
                "additionalInfo": [{"additionalIdToken": "x" * 36, "type": "y" * 50}] * 1000,
            },
            "meterValue": [meter_value(1200)],
        }
        frames.append([2, f"te-{evse}", "TransactionEvent", event])
    # Ids beyond the limits: each would be a new key on main.
    for number in range(20):
        evse = 1000 + number
        frames.append([2, f"mv-x{number}", "MeterValues", {"evseId": evse, "meterValue": [meter]}])
        status = {
            "timestamp": TIMESTAMP,
            "connectorStatus": "Faulted",
            "evseId": 1,
            "connectorId": 100 + number,
        }
        frames.append([2, f"sn-x{number}", "StatusNotification", status])
    # Frames of 1 MiB holding more items than a frame may: refused before any schema work.
    huge = meter_value(6900)
    for number in range(HUGE_FRAMES):
        frames.append([2, f"mv-h{number}", "MeterValues", {"evseId": 1, "meterValue": [huge]}])
    for reservation in range(40):
        update = {"reservationId": 5000 + reservation, "reservationUpdateStatus": "Expired"}
        frames.append([2, f"rs-{reservation}", "ReservationStatusUpdate", update])
    texts = [json.dumps(frame) for frame in frames]
    assert max(len(text) for text in texts) < FRAME_LIMIT
    return texts


def steady_frames(count: int) -> list[str]:
    """What the attacker sends once its document is full: calls that each rewrite it."""
    meter = meter_value(16)
    frames: list[list[Any]] = []
    for number in range(count):
        evse = number % MAX_EVSE_ID + 1
        kind = number % 3
        if kind == 0:
            frames.append([2, f"s-{number}", "Heartbeat", {}])
        elif kind == 1:
            status = {"timestamp": TIMESTAMP, "connectorStatus": "Occupied", "evseId": evse, "connectorId": 1}
            frames.append([2, f"s-{number}", "StatusNotification", status])
        else:
            frames.append([2, f"s-{number}", "MeterValues", {"evseId": evse, "meterValue": [meter]}])
    return [json.dumps(frame) for frame in frames]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def budget_rejections(url: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in requests.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(("csms_handler_budget_rejections_total{", "csms_shadow_budget_rejections_total{")):
            labels, value = line.rsplit(" ", 1)
            counts[labels.split('reason="')[1].rstrip('"}')] = float(value)
    return counts


async def handshake_seconds(gateway_url: str, station_id: str) -> float:
    started = time.perf_counter()
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]):
        return time.perf_counter() - started


@pytest.mark.timeout(300)
def test_one_station_cannot_grow_its_shadow_without_bound(shadow_system: tuple[System, Redis]) -> None:
    system, redis = shadow_system
    api = Api(system.api_url)
    attacker, good, newcomer = (f"CP-{name}-{uuid.uuid4().hex[:6]}" for name in "SGN")
    for station in (attacker, good, newcomer):
        api.register(station)
    frames = attack_frames()
    shadow_pid = system.processes["shadow"].process.pid

    async def send_paced(ws: Any, texts: list[str]) -> list[str]:
        """Send at ATTACK_RATE, then read every answer; the error codes among them."""
        for text in texts:
            await ws.send(text)
            await asyncio.sleep(1 / ATTACK_RATE)
        codes = []
        for _ in texts:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if reply[0] == 4:
                codes.append(reply[2])
        return codes

    async def scenario() -> dict[str, Any]:
        handshake_idle = await handshake_seconds(system.gateway_url, newcomer)
        idle = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        async with websockets.connect(
            f"{system.gateway_url}/{attacker}", subprotocols=["ocpp2.0.1"], max_size=None
        ) as ws:
            async with heartbeat_probe(system.gateway_url, good, PERIOD) as fill_probe:
                errors = await send_paced(ws, frames)
            await asyncio.sleep(1.0)
            # The document is as full as it gets: every further call rewrites it.
            cpu_before = cpu_seconds(shadow_pid)
            async with heartbeat_probe(system.gateway_url, good, PERIOD) as steady_probe:
                steady_errors = await send_paced(ws, steady_frames(STEADY_FRAMES))
            assert steady_errors == []
            steady_cpu = (cpu_seconds(shadow_pid) - cpu_before) / STEADY_FRAMES
            cpu_before = cpu_seconds(shadow_pid)
            started = time.perf_counter()
            for number in range(HEARTBEATS):
                assert (await call(ws, [2, f"hb-{number}", "Heartbeat", {}]))[0] == 3
            heartbeat_wall = (time.perf_counter() - started) / HEARTBEATS
            await asyncio.sleep(0.5)
            heartbeat_cpu = (cpu_seconds(shadow_pid) - cpu_before) / HEARTBEATS
        handshake_after = await handshake_seconds(system.gateway_url, newcomer)
        idle_after = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        return {
            "idle": idle,
            "idle_after": idle_after,
            "fill": fill_probe,
            "steady": steady_probe,
            "errors": errors,
            "steady_cpu": steady_cpu,
            "heartbeat_cpu": heartbeat_cpu,
            "heartbeat_wall": heartbeat_wall,
            "handshakes": (handshake_idle, handshake_after),
        }

    result = asyncio.run(scenario())
    document = redis.get(Keys("csms:").shadow(attacker))
    assert document is not None
    reported = json.loads(document)["state"]["reported"]
    print(
        f"shadow document after {len(frames)} attack frames ({sum(map(len, frames)) / 1e6:.1f} MB sent): "
        f"{len(document) / 1024:.1f} KB of {MAX_DOCUMENT_BYTES / 1024:.0f} KB budget (main: 24 MB after 60)"
    )
    print(
        f"evses {len(reported.get('evses', {}))} (limit {MAX_EVSE_ID}), reservations "
        f"{len(reported.get('reservations', {}))} (cap {MAX_RESERVATIONS}), refused: "
        f"{result['errors'].count('PropertyConstraintViolation')} PropertyConstraintViolation, "
        f"{result['errors'].count('FormatViolation')} FormatViolation (frames over the item limit)"
    )
    print(f"budget rejections: handler {budget_rejections(system.processes['ocpp-handler'].admin_url)}")
    print(f"budget rejections: shadow {budget_rejections(system.processes['shadow'].admin_url)}")
    assert len(document) <= MAX_DOCUMENT_BYTES
    assert len(reported["evses"]) == MAX_EVSE_ID
    assert all(len(evse["connectors"]) == MAX_CONNECTOR_ID for evse in reported["evses"].values())
    assert len(reported["reservations"]) == MAX_RESERVATIONS
    assert all(len(evse["lastMeterValue"]["sampledValue"]) <= 16 for evse in reported["evses"].values())
    assert (
        sorted(result["errors"]) == ["FormatViolation"] * HUGE_FRAMES + ["PropertyConstraintViolation"] * 40
    )

    rss = rss_mb(shadow_pid)
    print(
        f"attacker's Heartbeat after the attack: {result['heartbeat_cpu'] * 1000:.1f} ms of shadow CPU, "
        f"{result['heartbeat_wall'] * 1000:.1f} ms round trip (main: 780 ms of CPU); shadow RSS {rss:.0f} MB"
    )
    assert result["heartbeat_cpu"] < 0.05
    assert rss < 256

    kept, line = latency_kept(result["idle"], result["steady"], result["idle_after"])
    kept_while_filling, fill_line = latency_kept(result["idle"], result["fill"], result["idle_after"])
    before, after = result["handshakes"]
    print(
        f"while the attacker fills its document (frames of up to 5,000 items at {ATTACK_RATE:.0f}/s: "
        f"per-frame work, bounded by MAX_ITEMS, at the gateway's frame rate): {fill_line}"
    )
    print(
        f"while it rewrites its full document at {ATTACK_RATE:.0f} calls/s "
        f"({result['steady_cpu'] * 1000:.1f} ms of shadow CPU a call): {line}"
    )
    print(
        f"a new station's handshake: {before * 1000:.0f} ms before, {after * 1000:.0f} ms after (main: 500 ms)"
    )
    assert kept
    # Not asserted: the p99 while the document fills. STORAGE_ONLY_GATEWAY turns the gateway's byte budget
    # off so that 1 MiB frames reach the storage budgets; at 15 of them a second (1.4 MB/s, 11x the default
    # GATEWAY_STATION_BYTE_RATE) the 2 cores parse and validate JSON flat out, and the neighbour's p99 was
    # 190-237 ms against 27-125 ms idle (docs/budgets-storage.md). With the byte budget on, the gateway slows
    # such a station (test_station_budgets.py[bytes] asserts the neighbour's p99 there).
    print(f"p99 kept within 2x while filling: {kept_while_filling} (not asserted, see above)")
    assert after <= max(2 * before, 0.1)
