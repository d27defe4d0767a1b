"""Share a site tree's limits among its transactions, per phase, so no site or ancestor is exceeded.

Order of work:
1. fixed demands (a station offline keeps its last allocation; one that rejected our profile is
   counted at its physical maximum) are taken out of every site and phase they draw on;
2. admission, highest priority first, then EVs that still charge before idle ones (seen drawing less
   than the minimum: full, or waiting for a departure timer), then first come: a transaction gets its
   minimum (6 A by default) if every site and phase it draws on still has it, else it is paused (0 A);
3. filling, priority tier by tier: the admitted transactions of a tier rise together from their
   minimum (max-min fair: equal shares unless a site, phase or the transaction's own cap stops one)
   until every one of them is stopped.
Shares are rounded down to 0.1 A so rounding never adds up past a limit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from csms_common.smart_charging.limits import PhaseAmps
from csms_common.smart_charging.sites import Site, ancestors

DEFAULT_MIN_AMPS = 6.0
"""IEC 61851-1: below 6 A the pilot signal cannot ask an EV to charge."""
STEP = 0.1
_EPSILON = 1e-9

Constraint = tuple[str, int]
"""(site id, phase index)."""


@dataclass(frozen=True)
class Demand:
    """One transaction asking for current."""

    key: str
    site: str
    max_amps: float
    phases: tuple[int, ...] = (0, 1, 2)
    min_amps: float = DEFAULT_MIN_AMPS
    priority: int = 0
    arrival: float = 0.0
    """Earlier arrivals are admitted first within a priority."""
    cap_amps: float | None = None
    """A lower ceiling than max_amps: what the EV was seen to draw, or what it asked for."""
    fixed_amps: float | None = None
    """Counted as drawing exactly this and never changed (offline, or rejected our profile)."""


@dataclass(frozen=True)
class Allocation:
    amps: Mapping[str, float]
    paused: frozenset[str]
    used: Mapping[Constraint, float] = field(default_factory=dict)
    """Amps counted per (site, phase), fixed demands included."""


def _floor(value: float) -> float:
    return math.floor(value / STEP + 1e-6) * STEP if value > 0 else 0.0


def allocate(
    sites: Mapping[str, Site], limits: Mapping[str, PhaseAmps], demands: Sequence[Demand]
) -> Allocation:
    """Each demand's amps (0 = paused); demands in unknown sites are paused."""
    residual: dict[Constraint, float] = {}
    for site_id in sites:
        limit = limits.get(site_id, (0.0, 0.0, 0.0))
        for phase in range(3):
            residual[(site_id, phase)] = limit[phase]
    constraints: dict[str, tuple[Constraint, ...]] = {}
    amps: dict[str, float] = {}
    paused: set[str] = set()
    for demand in demands:
        chain = ancestors(sites, demand.site) if demand.site in sites else ()
        constraints[demand.key] = tuple((site, phase) for site in chain for phase in demand.phases)
    for demand in demands:
        if demand.fixed_amps is not None:
            amps[demand.key] = demand.fixed_amps
            for constraint in constraints[demand.key]:
                residual[constraint] -= demand.fixed_amps
    movable = sorted(
        (d for d in demands if d.fixed_amps is None), key=lambda d: (-d.priority, _idle(d), d.arrival, d.key)
    )
    admitted: list[Demand] = []
    for demand in movable:
        own = constraints[demand.key]
        if own and all(residual[c] + _EPSILON >= demand.min_amps for c in own):
            admitted.append(demand)
            amps[demand.key] = demand.min_amps
            for constraint in own:
                residual[constraint] -= demand.min_amps
        else:
            amps[demand.key] = 0.0
            paused.add(demand.key)
    tiers: dict[int, list[Demand]] = defaultdict(list)
    for demand in admitted:
        tiers[demand.priority].append(demand)
    for priority in sorted(tiers, reverse=True):
        _fill(tiers[priority], constraints, residual, amps)
    rounded = {key: (value if key in paused else _floor(value)) for key, value in amps.items()}
    for demand in demands:
        if demand.fixed_amps is not None:
            rounded[demand.key] = demand.fixed_amps
    used: dict[Constraint, float] = defaultdict(float)
    for demand in demands:
        for constraint in constraints[demand.key]:
            used[constraint] += rounded[demand.key]
    return Allocation(rounded, frozenset(paused), dict(used))


def _idle(demand: Demand) -> bool:
    return demand.cap_amps is not None and demand.cap_amps < demand.min_amps


def _ceiling(demand: Demand) -> float:
    ceiling = demand.max_amps if demand.cap_amps is None else min(demand.max_amps, demand.cap_amps)
    return max(ceiling, demand.min_amps)


def _fill(
    tier: Sequence[Demand],
    constraints: Mapping[str, tuple[Constraint, ...]],
    residual: dict[Constraint, float],
    amps: dict[str, float],
) -> None:
    """Progressive filling: raise every rising demand by the largest equal step any limit allows."""
    rising = {d.key: _ceiling(d) for d in tier if _ceiling(d) - amps[d.key] > _EPSILON}
    while rising:
        sharing: dict[Constraint, int] = defaultdict(int)
        for key in rising:
            for constraint in constraints[key]:
                sharing[constraint] += 1
        step = min(ceiling - amps[key] for key, ceiling in rising.items())
        for constraint, count in sharing.items():
            step = min(step, max(residual[constraint], 0.0) / count)
        for key in rising:
            amps[key] += step
            for constraint in constraints[key]:
                residual[constraint] -= step
        full = {c for c in sharing if residual[c] <= _EPSILON}
        rising = {
            key: ceiling
            for key, ceiling in rising.items()
            if ceiling - amps[key] > _EPSILON and not any(c in full for c in constraints[key])
        }
