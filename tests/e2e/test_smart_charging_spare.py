"""Spare capacity and verification end to end, on a private system whose settling time is 2 s of meter
time (CHARGING_SPARE_SETTLING=2) and which verifies shares (CHARGING_VERIFY=true, after 1 s).

Spare: an EV drawing less than its share (MeterValues' Current.Import) for the settling time is capped at its
draw + 1 A and the rest goes to the other; when it draws more again, the cap goes. Verification: once a share
has held, GetCompositeSchedule is asked (1.6 and 2.0.1) and the answer lands in the shadow's chargingSchedule."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.billing import billing_system
from tests.support.charging import charging16, charging201
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spare_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    settings = {"CHARGING_SPARE_SETTLING": "2", "CHARGING_VERIFY": "true", "CHARGING_VERIFY_AFTER": "1"}
    with billing_system(tmp_path_factory, **settings) as system:
        yield system


def test_an_ev_drawing_less_hands_its_spare_to_the_other(spare_system: System) -> None:
    asyncio.run(spare(spare_system, Api(spare_system.api_url)))


async def spare(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site, slow_id, other_id = f"site-spare-{run}", f"CP-SP-{run}-slow", f"CP-SP-{run}-other"
    assert api.request("PUT", f"/sites/{site}", json={"limit": {"amps": 32}}).status_code == 201
    for station_id in (slow_id, other_id):
        api.register(station_id)
        assert api.request("PATCH", f"/charge-points/{station_id}", json={"site": site}).ok
    async with (
        charging201(system.gateway_url, slow_id) as slow,
        charging201(system.gateway_url, other_id) as other,
    ):
        await slow.start_transaction("tx-slow")
        await other.start_transaction("tx-other")

        async def shares(expected: list[float]) -> list[float | None] | NotYet:
            got = [slow.profiles.tx_limit("tx-slow"), other.profiles.tx_limit("tx-other")]
            return got if got == expected else NotYet(got)

        await wait_until_async(lambda: shares([16.0, 16.0]), message="equal shares of 32 A")
        t0 = datetime.now(UTC)

        def at(seconds: float) -> str:
            return (t0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")

        await slow.report_current("tx-slow", 1, 9.0, at(0))
        await asyncio.sleep(0.5)
        assert [slow.profiles.tx_limit("tx-slow"), other.profiles.tx_limit("tx-other")] == [16.0, 16.0], (
            "not before the settling time"
        )
        await slow.report_current("tx-slow", 2, 9.0, at(3))
        got: list[float | None] = await wait_until_async(
            lambda: shares([10.0, 22.0]), message="the slow EV capped at 9 + 1 A"
        )
        print(f"\nan EV drawing 9 A of its 16 A for 3 s: shares {got} A")
        await slow.report_current("tx-slow", 3, 9.8, at(4))
        got = await wait_until_async(
            lambda: shares([16.0, 16.0]), message="the cap released when it draws more"
        )
        print(f"it draws 9.8 A of its 10 A cap: shares back to {got} A")


async def verified_schedule(api: Api, station_id: str, tx: str, amps: float) -> dict[str, Any] | NotYet:
    shadow = (await api.aget(f"/charge-points/{station_id}/shadow")).json()
    report = ((shadow.get("state") or {}).get("reported") or {}).get("chargingSchedule", {}).get("1") or {}
    schedule = report.get("schedule") or {}
    periods = schedule.get("chargingSchedulePeriod") or [{}]
    if (
        report.get("transactionId") == tx
        and report.get("allocatedAmps") == amps
        and periods[0].get("limit") == amps
    ):
        return dict(report)
    return NotYet(report)


def test_shares_are_verified_by_composite_schedules(spare_system: System) -> None:
    asyncio.run(verification(spare_system, Api(spare_system.api_url)))


async def verification(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site, new_id, old_id = f"site-verify-{run}", f"CP-VF-{run}-201", f"CP-VF-{run}-16"
    assert api.request("PUT", f"/sites/{site}", json={"limit": {"amps": 20}}).status_code == 201
    for station_id in (new_id, old_id):
        api.register(station_id)
        assert api.request("PATCH", f"/charge-points/{station_id}", json={"site": site}).ok
    async with charging201(system.gateway_url, new_id) as new, charging16(system.gateway_url, old_id) as old:
        await new.start_transaction(f"tx-{run}")
        tx16 = await old.start_transaction()
        for station, tx in ((new, f"tx-{run}"), (old, tx16)):
            verified: dict[str, Any] = await wait_until_async(
                lambda station=station, tx=tx: verified_schedule(api, station.id, tx, 10.0),
                timeout=15,  # once the share held CHARGING_VERIFY_AFTER, at the next pass (<= 5 s)
                message=f"{station.id}'s composite schedule (GetCompositeSchedule) in its shadow",
            )
            print(f"\n{station.id}: verified {verified['allocatedAmps']} A, schedule {verified['schedule']}")
