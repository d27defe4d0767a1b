"""Spare capacity end to end: an EV drawing less than its share (MeterValues' Current.Import) for the
settling time is capped at its draw + 1 A and the rest goes to the other; when it draws more again, the
cap goes. A private system whose settling time is 2 s of meter time (CHARGING_SPARE_SETTLING=2)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import Api
from tests.support.billing import billing_system
from tests.support.charging import charging201
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spare_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with billing_system(tmp_path_factory, CHARGING_SPARE_SETTLING="2") as system:
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
