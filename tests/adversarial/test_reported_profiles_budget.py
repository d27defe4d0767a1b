"""Attack: a 2.0.1 station reports charging profiles without end (ReportChargingProfiles needs no request
of ours to be answered): new profile ids in every report, each with three schedules of many periods.

Kept: at most 16 profiles of one report, each with its first schedule's first 24 periods
(``periodsOmitted`` counts the rest), at most SHADOW_MAX_REPORTED_PROFILES (16) in the shadow (the least
recently reported make room); counted in ``csms_handler_budget_rejections_total{reason="charging_profiles"}``
and ``csms_shadow_budget_rejections_total{reason="map_entries"}``. A well-behaved station keeps its latency while the reports come one every 0.4 s (sent back to back, the
gateway's burst of eight 70 KiB frames cost its neighbour's p99 330-580 ms at a load average of 16).

Latency under a shared machine: the attack runs in rounds (at most ROUNDS, like test_auth_failures), each
a full attack of REPORTS reports measured against idle runs just before and after it; the bound holds if
one round keeps it. Every round's reports count for the storage bounds, checked once at the end.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import websockets

from tests.adversarial.test_shadow_budget import budget_rejections
from tests.support.api import Api
from tests.support.budgets import LatencyProbe, heartbeat_probe, latency_kept, measure_idle
from tests.support.polling import NotYet, wait_until_async
from tests.support.raw_calls import call
from tests.support.system import System

pytestmark = pytest.mark.e2e

REPORTS = 20
ATTACK_PERIOD = 0.4
"""Seconds between reports: within the gateway's byte budget (128 KiB/s) after its burst; this test is about
storage, the gateway's own test about the rate (test_station_budgets.py)."""
PROFILES_PER_REPORT = 20
PERIODS = 30
"""Three schedules of 30 periods, 20 profiles: about 1,900 items a frame, under the 5,000 a frame may hold."""
KEPT_PROFILES = 16
KEPT_PERIODS = 24
IDLE_SAMPLES = 40
PERIOD = 0.05
ROUNDS = 3
ROUND_BUDGET = 25.0
"""Seconds a round may take before another is started (about 15 s on an idle machine); with ROUNDS this
keeps the test within ~90 s even under load, and pytest's timeout below ends it if a round hangs."""
MIN_ATTACK_HEARTBEATS = 20
"""The probe must have run throughout the attack (REPORTS x ATTACK_PERIOD = 8 s: ~100 heartbeats idle)."""


@dataclass
class Round:
    idle: LatencyProbe
    probe: LatencyProbe
    idle_after: LatencyProbe
    answers: list[Any]

    def kept(self) -> tuple[bool, str]:
        return latency_kept(self.idle, self.probe, self.idle_after)


def report(number: int) -> list[Any]:
    schedule = {
        "id": 1,
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 60 * n, "limit": 11000} for n in range(PERIODS)],
    }
    profiles = [
        {
            "id": number * 1000 + index,
            "stackLevel": index,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {**schedule, "id": s, "startSchedule": "2026-01-01T00:00:00Z"} for s in (1, 2, 3)
            ],
        }
        for index in range(PROFILES_PER_REPORT)
    ]
    payload = {"requestId": number, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": profiles}
    return [2, f"rcp-{number}", "ReportChargingProfiles", payload]


@pytest.mark.timeout(150)
def test_reported_profiles_are_bounded(system: System, api: Api) -> None:
    attacker, good = f"CP-RCP-{uuid.uuid4().hex[:8]}", f"CP-RCP-ok-{uuid.uuid4().hex[:8]}"
    for station_id in (attacker, good):
        api.register(station_id)
    handler_url = system.processes["ocpp-handler"].admin_url
    shadow_url = system.processes["shadow"].admin_url
    before = (budget_rejections(handler_url), budget_rejections(shadow_url))

    async def one_round(first: int) -> Round:
        idle = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        answers = []
        async with websockets.connect(f"{system.gateway_url}/{attacker}", subprotocols=["ocpp2.0.1"]) as ws:
            boot = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
            await call(ws, [2, "boot", "BootNotification", boot])
            async with heartbeat_probe(system.gateway_url, good, PERIOD) as probe:
                for number in range(first, first + REPORTS):
                    answers.append(await call(ws, report(number)))
                    await asyncio.sleep(ATTACK_PERIOD)
                probe.check_alive()
        idle_after = await measure_idle(system.gateway_url, good, IDLE_SAMPLES, PERIOD)
        return Round(idle, probe, idle_after, answers)

    async def rounds() -> list[Round]:
        done: list[Round] = []
        started = time.monotonic()
        while len(done) < ROUNDS and not (done and done[-1].kept()[0]):
            if done and time.monotonic() - started > ROUND_BUDGET * len(done):
                break  # the machine is too slow for another round within the test's time
            done.append(await one_round(len(done) * REPORTS))
        return done

    measured = asyncio.run(rounds())
    answers = [answer for one in measured for answer in one.answers]
    assert all(answer[0] == 3 for answer in answers), [a for a in answers if a[0] != 3][:2]
    sent = len(answers)
    frame_bytes = len(json.dumps(report(0)))

    async def kept() -> dict[str, Any] | NotYet:
        shadow = (await api.arequest("GET", f"/charge-points/{attacker}/shadow")).json()
        profiles: dict[str, Any] = shadow["state"]["reported"].get("chargingProfiles", {})
        newest = {str((sent - 1) * 1000 + index) for index in range(KEPT_PROFILES)}
        return profiles if set(profiles) == newest else NotYet(sorted(profiles)[:20])

    kept_profiles: dict[str, Any] = asyncio.run(
        wait_until_async(kept, message="the newest report's 16 profiles kept, the rest evicted")
    )
    assert all(len(entry["schedule"]["periods"]) == KEPT_PERIODS for entry in kept_profiles.values())
    assert all(entry["periodsOmitted"] == 3 * PERIODS - KEPT_PERIODS for entry in kept_profiles.values())
    listed = api.get(f"/charge-points/{attacker}/charging-profiles?source=station").json()["chargingProfiles"]
    assert len(listed) == KEPT_PROFILES
    handler_after, shadow_after = budget_rejections(handler_url), budget_rejections(shadow_url)
    cut = handler_after.get("charging_profiles", 0) - before[0].get("charging_profiles", 0)
    evicted = shadow_after.get("map_entries", 0) - before[1].get("map_entries", 0)
    document = api.get(f"/charge-points/{attacker}/shadow").text
    print(
        f"\n{sent} reports in {len(measured)} round(s) of {PROFILES_PER_REPORT} profiles x 3 schedules x {PERIODS} periods "
        f"({frame_bytes / 1024:.0f} KiB a frame): {len(kept_profiles)} profiles kept of {KEPT_PERIODS} periods, "
        f"shadow {len(document) / 1024:.1f} KiB; reports cut {cut:.0f}, entries evicted {evicted:.0f}"
    )
    assert cut >= sent
    assert evicted >= (sent - 1) * KEPT_PROFILES
    for number, one in enumerate(measured):
        print(f"  round {number + 1}: {one.kept()[1]}")
        assert len(one.probe.samples) >= MIN_ATTACK_HEARTBEATS, "the probe did not run through the attack"
    ok, line = measured[-1].kept()
    assert ok, f"no round of {len(measured)} kept the neighbour's latency; last: {line}"
