"""Phase rotation and single-phase EVs: which site phases a transaction is counted on."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.limits import parse_limit
from csms_common.smart_charging.phases import ev_phases, grid_phases, metered_phases
from csms_common.smart_charging.sites import Site


@pytest.mark.parametrize(
    ("rotation", "phases", "expected"),
    [
        ("RST", 1, (0,)),
        ("RTS", 1, (0,)),
        ("SRT", 1, (1,)),
        ("STR", 1, (1,)),
        ("TRS", 1, (2,)),
        ("TSR", 1, (2,)),
        ("STR", 2, (1, 2)),
        ("TRS", 2, (0, 2)),
        ("STR", 3, (0, 1, 2)),
        (None, 1, (0, 1, 2)),
        ("Unknown", 1, (0, 1, 2)),
    ],
)
def test_grid_phases(rotation: str | None, phases: int, expected: tuple[int, ...]) -> None:
    assert grid_phases(rotation, phases) == expected


def meter(l1: Any, l2: Any, l3: Any) -> dict[str, Any]:
    return {
        "timestamp": "2026-01-01T00:00:00Z",
        "sampledValue": [
            {"value": value, "measurand": "Current.Import", "phase": phase}
            for phase, value in (("L1", l1), ("L2", l2), ("L3", l3))
            if value is not None
        ],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (meter(16, 0, 0), 1),
        (meter("16.0", "0.2", "0.1"), 1),
        (meter(16, 16, 0), 2),
        (meter(16, 16, 16), 3),
        (meter(16, 0, 16), 3),
        (meter(0, 0, 0), None),
        (meter(16, None, None), None),
        (meter("x", 0, 0), None),
        ({"sampledValue": [{"value": 16, "measurand": "Current.Import"}]}, None),
        ("garbage", None),
    ],
)
def test_metered_phases(value: Any, expected: int | None) -> None:
    assert metered_phases(value) == expected


def test_ev_phases() -> None:
    assert ev_phases(None, None, None) == 3, "nothing known: three phases, the safe assumption"
    assert ev_phases(1, None, None) == 1, "a single-phase EVSE"
    assert ev_phases(None, "AC_single_phase", 3) == 1, "what the EV asked for comes before the meter"
    assert ev_phases(None, "DC", None) == 3
    assert ev_phases(None, None, 1) == 1
    assert ev_phases(1, "AC_three_phase", None) == 1, "never more than the EVSE has"
    assert ev_phases(None, "garbage", 2) == 2


def test_single_phase_evs_on_different_phases_share_per_phase() -> None:
    """A 3-phase 20 A site: two single-phase EVs on L1 share 20 A, one on L2 takes 20 A alone, and a
    three-phase EV is counted on every phase; no phase sum exceeds 20 A."""
    sites = {"depot": Site("depot", "Depot", parse_limit({"amps": 20, "phases": 3}))}
    limits = {"depot": (20.0, 20.0, 20.0)}
    demands = [
        Demand("a", "depot", 32.0, grid_phases("RST", 1), arrival=1),
        Demand("b", "depot", 32.0, grid_phases("RTS", 1), arrival=2),
        Demand("c", "depot", 32.0, grid_phases("STR", 1), arrival=3),
    ]
    allocation = allocate(sites, limits, demands)
    assert dict(allocation.amps) == {"a": 10.0, "b": 10.0, "c": 20.0}
    unknown = [*demands[:2], Demand("c", "depot", 32.0, grid_phases(None, 1), arrival=3)]
    shared = allocate(sites, limits, unknown)
    assert sum(shared.amps.values()) <= 20.0 + 1e-9, "an unknown rotation counts the EV on every phase"
    with_three = [*demands, Demand("d", "depot", 32.0, grid_phases("TRS", 3), arrival=4)]
    mixed = allocate(sites, limits, with_three)
    for phase in range(3):
        assert mixed.used[("depot", phase)] <= 20.0 + 1e-9
    assert {key: round(amps, 1) for key, amps in mixed.amps.items()} == {
        "a": 6.6, "b": 6.6, "c": 13.3, "d": 6.6,
    }, "L1 shared by three (20/3, rounded down), L2's rest to c"  # fmt: skip


def test_rotations_reported_by_a_16_station() -> None:
    from csms_common.smart_charging.phases import reported_rotations

    assert reported_rotations({"ConnectorPhaseRotation": "1.RST, 2.STR,3.Unknown, x.RST, 4"}) == {
        "1": "RST",
        "2": "STR",
    }
    # Connector 0 (the station's meter) is on the grid as STR: connector 1's RST is the grid's STR.
    assert reported_rotations({"ConnectorPhaseRotation": "0.STR, 1.RST, 2.RTS"}) == {"1": "STR", "2": "SRT"}
    assert reported_rotations({"ConnectorPhaseRotation": "0.RST"}) == {}
    assert reported_rotations(None) == {} and reported_rotations({"ConnectorPhaseRotation": 3}) == {}


def test_rotations_reported_by_a_2x_station() -> None:
    from csms_common.smart_charging.phases import reported_rotations

    configuration = {
        "EVSE/1.PhaseRotation": "TRS",
        "EVSE/2.PhaseRotation": "NotApplicable",
        "EVSE/x.PhaseRotation": "RST",
        "EVSE/3.PhaseRotation.Target": "RST",
        "OCPPCommCtrlr.HeartbeatInterval": "300",
    }
    assert reported_rotations(configuration) == {"1": "TRS"}
    # The station is on the grid as RTS: EVSE L1 is the station's T = its L3, on the grid's S, and so on.
    assert reported_rotations({**configuration, "ChargingStation.PhaseRotation": "RTS"}) == {"1": "SRT"}
