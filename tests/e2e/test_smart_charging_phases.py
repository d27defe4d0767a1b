"""Phase rotation end to end: single-phase EVs on a 3-phase site are counted on the grid phase their
EVSE's L1 is wired to (PATCH /charge-points/{id} evses.{id}.phaseRotation), so EVs on different phases
do not share, and the per-phase sums stay within the limit. Real 1.6 and 2.0.1 stations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from ocpp.v201 import call as call201

from tests.e2e.test_smart_charging import Share, join, limits_when, put_site
from tests.support.api import Api
from tests.support.charging import charging16, charging201
from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_single_phase_evs_on_different_phases(system: System, api: Api) -> None:
    asyncio.run(rotations(system, api))


async def rotations(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site-phases-{run}"
    l1, l2, l1_again = f"CP-PH-{run}-rst", f"CP-PH-{run}-str", f"CP-PH-{run}-rts"
    for station_id in (l1, l2, l1_again):
        api.register(station_id)
    await put_site(api, site, 20)
    wiring = {
        l1: {"phaseRotation": "RST", "phases": 1},  # a single-phase EVSE on L1
        l2: {"phaseRotation": "STR"},  # its L1 on the site's L2: the meter will show a 1-phase EV
        l1_again: {"phaseRotation": "RTS"},  # its L1 on L1: the EV says AC_single_phase (ISO 15118)
    }
    for station_id, evse in wiring.items():
        response = await api.arequest(
            "PATCH", f"/charge-points/{station_id}", json={"site": site, "evses": {"1": evse}}
        )
        assert response.status_code == 200, response.text
        assert response.json()["wiring"] == {"1": evse}
    bad = await api.arequest("PATCH", f"/charge-points/{l1}", json={"evses": {"1": {"phaseRotation": "ABC"}}})
    assert bad.status_code == 400 and "phaseRotation" in bad.json()["error"], bad.text

    async with (
        charging201(system.gateway_url, l1) as first,
        charging16(system.gateway_url, l2) as second,
        charging201(system.gateway_url, l1_again) as third,
    ):
        await first.start_transaction(f"tx-{run}-a")
        tx16 = await second.start_transaction()
        shares: list[Share] = [(first, f"tx-{run}-a"), (second, tx16)]
        limits = await limits_when(
            shares, lambda got: got == [10.0, 10.0], "the 1.6 EV's phases unknown: counted on L1 too"
        )
        print(f"\n1-phase EVSE on L1 + an EV of unknown phases: {limits} A")
        await second.report_current(tx16, 10.0, phases=1)
        limits = await limits_when(
            shares, lambda got: got == [20.0, 20.0], "the meter shows one phase: L1 and L2 each 20 A"
        )
        print(f"the 1.6 EV draws on its L1 only (site L2): {limits} A")

        await third.start_transaction(f"tx-{run}-c")
        shares.append((third, f"tx-{run}-c"))
        assert await third.notify_needs(max_current=32, transfer="AC_single_phase") == "Accepted"
        limits = await limits_when(
            shares,
            lambda got: got == [10.0, 20.0, 10.0],
            "two single-phase EVs on L1 share its 20 A; the one on L2 keeps 20 A",
        )
        print(f"a second EV on L1 (AC_single_phase, rotation RTS): {limits} A")
        per_phase = [limits[0] + limits[2], limits[1], 0.0]
        assert all(amps <= 20.0 for amps in per_phase), per_phase


def test_the_stations_own_phase_rotation_is_used(system: System, api: Api) -> None:
    asyncio.run(reported_rotations(system, api))


async def reported_rotations(system: System, api: Api) -> None:
    """No operator wiring: two 2.0.1 stations say their EVSE 1's PhaseRotation in a NotifyReport."""
    run = uuid.uuid4().hex[:8]
    site = f"site-reported-{run}"
    on_l1, on_l2 = f"CP-PH-{run}-own-rst", f"CP-PH-{run}-own-str"
    for station_id in (on_l1, on_l2):
        api.register(station_id)
    await put_site(api, site, 20)
    for station_id in (on_l1, on_l2):
        await join(api, station_id, site)
    async with (
        charging201(system.gateway_url, on_l1) as first,
        charging201(system.gateway_url, on_l2) as second,
    ):
        shares: list[Share] = [(first, f"tx-{run}-a"), (second, f"tx-{run}-b")]
        for station, tx in shares:
            await station.start_transaction(tx)
            assert await station.notify_needs(max_current=32, transfer="AC_single_phase") == "Accepted"
        limits = await limits_when(
            shares, lambda got: got == [10.0, 10.0], "rotations unknown: both counted on every phase"
        )
        print(f"\ntwo single-phase EVs, rotations unknown: {limits} A")
        for station, rotation in ((first, "RST"), (second, "STR")):
            await station.call(
                call201.NotifyReport(
                    request_id=1,
                    generated_at=datetime.now(UTC).isoformat(),
                    seq_no=0,
                    report_data=[
                        {
                            "component": {"name": "EVSE", "evse": {"id": 1}},
                            "variable": {"name": "PhaseRotation"},
                            "variable_attribute": [{"type": "Actual", "value": rotation}],
                        }
                    ],
                )
            )
        limits = await limits_when(
            shares,
            lambda got: got == [20.0, 20.0],
            "the stations' own EVSE/1.PhaseRotation: one EV on L1, one on L2, 20 A each",
            timeout=12.0,  # a reported configuration does not wake the allocator: its 5 s pass does
        )
        print(f"NotifyReport EVSE/1.PhaseRotation RST and STR: {limits} A")
