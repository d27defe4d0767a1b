"""Table: site trees, limits and transactions → each transaction's amps (hand-computed)."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.limits import PhaseAmps, parse_limit
from csms_common.smart_charging.sites import Site

L1, L2, L3 = (0,), (1,), (2,)


def site(site_id: str, amps: float, parent: str | None = None, phases: int = 3) -> Site:
    return Site(site_id, site_id, parse_limit({"amps": amps, "phases": phases}), parent=parent)


def tx(key: str, where: str = "depot", **fields: Any) -> Demand:
    return Demand(key=key, site=where, max_amps=fields.pop("max_amps", 32.0), **fields)


CASES: list[tuple[str, list[Site], list[Demand], dict[str, float]]] = [
    ("three-share-32", [site("depot", 32)], [tx("a"), tx("b"), tx("c")], {"a": 10.6, "b": 10.6, "c": 10.6}),
    ("two-share-32", [site("depot", 32)], [tx("a"), tx("b")], {"a": 16.0, "b": 16.0}),
    ("alone-up-to-max", [site("depot", 32)], [tx("a", max_amps=16)], {"a": 16.0}),
    (
        "16A-pauses-the-latest",
        [site("depot", 16)],
        [tx("a", arrival=1), tx("b", arrival=2), tx("c", arrival=3)],
        {"a": 8.0, "b": 8.0, "c": 0.0},
    ),
    (
        "priority-admitted-and-filled-first",
        [site("depot", 16)],
        [tx("a", arrival=1), tx("b", arrival=2), tx("c", arrival=3, priority=1)],
        {"c": 10.0, "a": 6.0, "b": 0.0},
    ),
    (
        "capped-ev-leaves-spare",
        [site("depot", 32)],
        [tx("a", cap_amps=8), tx("b"), tx("c")],
        {"a": 8.0, "b": 12.0, "c": 12.0},
    ),
    (
        "cap-below-minimum-still-gets-minimum",
        [site("depot", 32)],
        [tx("a", cap_amps=2), tx("b")],
        {"a": 6.0, "b": 26.0},
    ),
    (
        "parent-limit-binds",
        [site("depot", 40), site("hall-a", 32, "depot"), site("hall-b", 32, "depot")],
        [tx("a", "hall-a"), tx("b", "hall-a"), tx("c", "hall-b"), tx("d", "hall-b")],
        {"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.0},
    ),
    (
        "child-limit-binds-spare-to-sibling",
        [site("depot", 40), site("hall-a", 20, "depot"), site("hall-b", 32, "depot")],
        [tx("a", "hall-a"), tx("b", "hall-a"), tx("c", "hall-a"), tx("d", "hall-b")],
        {"a": 6.6, "b": 6.6, "c": 6.6, "d": 20.0},
    ),
    (
        "single-phase-evs-per-phase",
        [site("depot", 32)],
        [tx("a"), tx("b", phases=L1), tx("c", phases=L2), tx("d", phases=L2)],
        {"a": 10.6, "b": 21.3, "c": 10.6, "d": 10.6},
    ),
    (
        "offline-keeps-its-share",
        [site("depot", 32)],
        [tx("a", fixed_amps=20.0), tx("b"), tx("c")],
        {"a": 20.0, "b": 6.0, "c": 6.0},
    ),
    (
        "rejected-at-max-pauses-others",
        [site("depot", 32)],
        [tx("a", fixed_amps=32.0), tx("b")],
        {"a": 32.0, "b": 0.0},
    ),
    (
        "single-phase-site-has-no-L2",
        [site("depot", 32, phases=1)],
        [tx("a"), tx("b", phases=L1)],
        {"a": 0.0, "b": 32.0},
    ),
    (
        "idle-ev-yields-its-minimum",
        [site("depot", 12)],
        [tx("full", arrival=1, cap_amps=1.0), tx("b", arrival=2), tx("c", arrival=3)],
        {"full": 0.0, "b": 6.0, "c": 6.0},
    ),
    ("unknown-site-paused", [site("depot", 32)], [tx("a", "nowhere")], {"a": 0.0}),
    ("custom-minimum", [site("depot", 10)], [tx("a", min_amps=4), tx("b", min_amps=4)], {"a": 5.0, "b": 5.0}),
]


@pytest.mark.parametrize(("sites", "demands", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_allocation(sites: list[Site], demands: list[Demand], expected: dict[str, float]) -> None:
    tree = {s.id: s for s in sites}
    limits: dict[str, PhaseAmps] = {s.id: s.limit.per_phase for s in sites}
    result = allocate(tree, limits, demands)
    assert {k: round(v, 6) for k, v in result.amps.items()} == expected
    assert result.paused == {k for k, v in expected.items() if v == 0 and k not in _fixed(demands)}
    for (site_id, phase), used in result.used.items():
        assert used <= limits[site_id][phase] + 1e-9 or _fixed(demands), (site_id, phase, used)


def _fixed(demands: list[Demand]) -> set[str]:
    return {d.key for d in demands if d.fixed_amps is not None}


def test_watts_limit_is_amps_per_phase() -> None:
    limit = parse_limit({"watts": 22080, "phases": 3})
    assert limit.per_phase == pytest.approx((32.0, 32.0, 32.0))
    result = allocate({"depot": Site("depot", "d", limit)}, {"depot": limit.per_phase}, [tx("a"), tx("b")])
    assert result.amps == {"a": 16.0, "b": 16.0}
