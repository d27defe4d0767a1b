"""ISO 15118 charging needs shaping a transaction's demand: evMinCurrent, energy by departure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.ev_needs import EvDemand, energy_need_amps, ev_demand
from csms_common.smart_charging.limits import parse_limit
from csms_common.smart_charging.sites import Site

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def test_the_energy_need_is_energy_over_hours_volts_and_phases() -> None:
    # 13.8 kWh in 2 h on three phases of 230 V: 13800 / (2 * 230 * 3) = 10 A.
    assert energy_need_amps(13_800, NOW + timedelta(hours=2), NOW, 3) == pytest.approx(10.0)
    assert energy_need_amps(13_800, NOW + timedelta(hours=2), NOW, 1) == pytest.approx(30.0)
    assert energy_need_amps(13_800, NOW, NOW, 3) is None, "departure reached: no need computed"
    assert energy_need_amps(13_800, NOW - timedelta(minutes=1), NOW, 3) is None


def test_the_need_caps_the_demand_between_the_minimum_and_ev_max() -> None:
    in_2h = NOW + timedelta(hours=2)
    assert ev_demand(32, 6, 13_800, in_2h, NOW, 3, 6.0) == EvDemand(pytest.approx(10.0), 6.0)
    assert ev_demand(8, 6, 13_800, in_2h, NOW, 3, 6.0) == EvDemand(8.0, 6.0), "never above evMaxCurrent"
    # 2.76 kWh in 2 h: 2 A needed, floored at the minimum (6 A, or the EV's own 7 A).
    assert ev_demand(32, None, 2_760, in_2h, NOW, 3, 6.0) == EvDemand(6.0, 6.0)
    assert ev_demand(32, 7, 2_760, in_2h, NOW, 3, 6.0) == EvDemand(7.0, 7.0)
    assert ev_demand(None, None, 13_800, in_2h, NOW, 3, 6.0).cap_amps == pytest.approx(10.0)


def test_without_departure_or_energy_only_ev_max_and_min_count() -> None:
    assert ev_demand(16, 10, 13_800, None, NOW, 3, 6.0) == EvDemand(16.0, 10.0)
    assert ev_demand(16, 10, None, NOW + timedelta(hours=1), NOW, 3, 6.0) == EvDemand(16.0, 10.0)
    assert ev_demand(16, 10, 13_800, NOW - timedelta(hours=1), NOW, 3, 6.0) == EvDemand(16.0, 10.0)
    assert ev_demand(None, None, None, None, NOW, 3, 6.0) == EvDemand(None, 6.0)


def test_an_ev_minimum_below_the_floor_or_above_its_maximum_is_ignored() -> None:
    assert ev_demand(16, 4, None, None, NOW, 3, 6.0).min_amps == 6.0
    assert ev_demand(16, 20, None, None, NOW, 3, 6.0).min_amps == 6.0, "contradicts evMaxCurrent"
    assert ev_demand(16, True, None, None, NOW, 3, 6.0).min_amps == 6.0


def test_in_a_32a_site_the_spare_of_an_ev_needing_little_goes_to_the_other() -> None:
    sites = {"s": Site("s", "s", parse_limit({"amps": 32, "phases": 3}))}
    limits = {"s": (32.0, 32.0, 32.0)}
    need = ev_demand(32, 6, 13_800, NOW + timedelta(hours=2), NOW, 3, 6.0)
    got = allocate(
        sites,
        limits,
        [
            Demand("ev", "s", 32, min_amps=need.min_amps, cap_amps=need.cap_amps, arrival=1),
            Demand("other", "s", 32, arrival=2),
        ],
    ).amps
    assert got == {"ev": pytest.approx(10.0), "other": pytest.approx(22.0)}


def test_an_allocation_below_the_ev_minimum_pauses_it_rather_than_drive_it_lower() -> None:
    sites = {"s": Site("s", "s", parse_limit({"amps": 32, "phases": 3}))}
    limits = {"s": (20.0, 20.0, 20.0)}
    need = ev_demand(32, 16, None, None, NOW, 3, 6.0)
    got = allocate(
        sites,
        limits,
        [
            Demand("first", "s", 32, cap_amps=10, arrival=1),
            Demand("ev", "s", 32, min_amps=need.min_amps, cap_amps=need.cap_amps, arrival=2),
        ],
    )
    assert got.amps["ev"] == 0.0 and "ev" in got.paused, "20 - 6 = 14 A left, below its 16 A minimum"
    assert got.amps["first"] == pytest.approx(10.0)
