"""A depot of 100 stations over 24 h in accelerated time, driven through the smart-charging core.

Every 30 s of simulated time: EVs arrive and leave, draw what their profile and their own charger
allow, stations go offline and come back, the depot's schedule and an external limit change the
limit. The allocator re-allocates on each such change, sends only what the hysteresis lets through,
and counts what it cannot steer: an offline station at max(its last allocation, the failsafe), a
station that rejected its profile at its physical maximum. Each step checks every site's phases
against the limit in force: ``exceeded`` counts the samples where the EVs drew more.

    .venv/bin/python -m bench.charging_sim            # prints the counts
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.enforcement import apply_updates, plan_updates
from csms_common.smart_charging.limits import ExternalLimit, PhaseAmps, limit_at, parse_limit
from csms_common.smart_charging.sites import Site, ancestors, parse_site
from csms_common.smart_charging.spare import DrawState, SpareSettings, observe_draw

START = datetime(2026, 1, 5, tzinfo=UTC)
STEP_SECONDS = 30
STATION_MAX_AMPS = 32.0
FAILSAFE_AMPS = 6.0
VOLTAGE = 230.0


@dataclass
class Session:
    station: int
    arrives: float
    leaves: float
    ev_max_amps: float
    ev_phases: int
    need_wh: float
    priority: int
    delivered_wh: float = 0.0


@dataclass
class Sample:
    """One step: the depot's limit and what each site drew on L1, and how many EVs charged / waited."""

    at: float
    depot_limit: float
    drawn: dict[str, float]
    charging: int
    paused: int
    allocations: dict[int, float]


@dataclass
class Result:
    samples: int = 0
    exceeded: int = 0
    worst_excess_amps: float = 0.0
    sessions: int = 0
    profiles_sent: int = 0
    reallocations: int = 0
    allocate_seconds: list[float] = field(default_factory=list)
    delivered_kwh: float = 0.0
    series: list[Sample] = field(default_factory=list)


def depot() -> dict[str, Site]:
    day = START.date().isoformat()
    bodies = {
        "depot": {
            "name": "Bus depot",
            "limit": {"amps": 250, "phases": 3},
            "schedule": [
                {"start": f"{day}T17:00:00Z", "limit": {"amps": 150, "phases": 3}},
                {"start": f"{day}T21:00:00Z", "limit": {"amps": 250, "phases": 3}},
            ],
        },
        "hall-a": {"name": "Hall A", "limit": {"amps": 160, "phases": 3}, "parent": "depot"},
        "hall-b": {"name": "Hall B", "limit": {"amps": 160, "phases": 3}, "parent": "depot"},
    }
    return {site_id: parse_site(site_id, body) for site_id, body in bodies.items()}


def sessions(rng: random.Random, stations: int) -> list[Session]:
    """A morning and an afternoon wave of arrivals, each station used 0-2 times."""
    found: list[Session] = []
    for station in range(stations):
        for arrive_from, arrive_to, stay_min, stay_max in ((6, 10, 2, 9), (12, 20, 1, 6)):
            if rng.random() < 0.7:
                arrives = rng.uniform(arrive_from, arrive_to) * 3600
                stays = rng.uniform(stay_min, stay_max) * 3600
                found.append(
                    Session(
                        station=station,
                        arrives=arrives,
                        leaves=min(arrives + stays, 24 * 3600 - STEP_SECONDS),
                        ev_max_amps=rng.choice((10.0, 16.0, 32.0, 32.0)),
                        ev_phases=rng.choice((1, 3, 3, 3)),
                        need_wh=rng.uniform(10, 60) * 1000,
                        priority=1 if rng.random() < 0.1 else 0,
                    )
                )
    # A station serves one EV at a time: drop overlapping sessions.
    kept: list[Session] = []
    for session in sorted(found, key=lambda s: (s.station, s.arrives)):
        if kept and kept[-1].station == session.station and kept[-1].leaves >= session.arrives:
            continue
        kept.append(session)
    return kept


def _phases(session: Session) -> tuple[int, ...]:
    """A single-phase EV draws on the station's L1, wired to depot phase station % 3 (phase rotation)."""
    return (0, 1, 2) if session.ev_phases == 3 else (session.station % 3,)


def simulate(
    stations: int = 100,
    seed: int = 16,
    offline: dict[int, list[tuple[float, float]]] | None = None,
    rejecting: frozenset[int] = frozenset({42}),
    hysteresis: float = 1.0,
    keep_series: bool = False,
) -> Result:
    rng = random.Random(seed)
    sites = depot()
    site_of = {station: "hall-a" if station < stations // 2 else "hall-b" for station in range(stations)}
    chains = {station: ancestors(sites, site_of[station]) for station in range(stations)}
    offline = (
        offline
        if offline is not None
        else {7: [(10 * 3600, 11.5 * 3600)], 23: [(17.5 * 3600, 19 * 3600)], 61: [(16 * 3600, 18 * 3600)]}
    )
    external = ExternalLimit(parse_limit({"amps": 120, "phases": 3}), START + timedelta(hours=13))
    external_from = 12 * 3600.0
    plan = sessions(rng, stations)
    result = Result(sessions=len(plan))
    spare = SpareSettings(settling_seconds=60)
    active: dict[int, Session] = {}
    enforced: dict[int, float] = {}
    draws: dict[int, DrawState] = {}
    target: dict[int, float] = {}
    pending = sorted(plan, key=lambda s: s.arrives)
    was_offline: set[int] = set()
    last_limits: dict[str, PhaseAmps] = {}

    for step in range(24 * 3600 // STEP_SECONDS):
        now = step * STEP_SECONDS
        moment = START + timedelta(seconds=now)
        changed = False
        while pending and pending[0].arrives <= now:
            session = pending.pop(0)
            active[session.station] = session
            # Until the allocator speaks the station's failsafe TxDefaultProfile holds the EV.
            enforced[session.station] = FAILSAFE_AMPS
            changed = True
        for station, session in list(active.items()):
            if session.leaves <= now:
                del active[station]
                enforced.pop(station, None)
                draws.pop(station, None)
                changed = True
        down = {s for s, windows in offline.items() if any(a <= now < b for a, b in windows)}
        changed |= down != was_offline
        was_offline = down
        limits = {
            site_id: limit_at(site.limit, site.schedule, external if now >= external_from else None, moment)
            for site_id, site in sites.items()
        }
        changed |= limits != last_limits
        last_limits = limits

        # What the EVs draw under the profile in force (a rejecting station is not steered).
        drawn: dict[int, float] = {}
        for station, session in active.items():
            ceiling = STATION_MAX_AMPS if station in rejecting else enforced.get(station, FAILSAFE_AMPS)
            wants = session.ev_max_amps if session.delivered_wh < session.need_wh else 0.0
            drawn[station] = min(ceiling, wants)
        for station, amps in drawn.items():
            if station in down or station in rejecting:
                continue
            before = draws.get(station, DrawState())
            after = observe_draw(before, now, amps, enforced.get(station, 0.0), spare)
            draws[station] = after
            changed |= after.cap_amps != before.cap_amps

        if changed:
            demands = []
            for station in range(stations):
                session_or_none = active.get(station)
                if station in down:
                    # Offline: its last allocation (or the failsafe for an EV it may start) stays counted.
                    fixed = max(enforced.get(station, 0.0), FAILSAFE_AMPS)
                    phases = _phases(session_or_none) if session_or_none else (0, 1, 2)
                    demands.append(
                        Demand(str(station), site_of[station], STATION_MAX_AMPS, phases, fixed_amps=fixed)
                    )
                elif session_or_none is None:
                    continue
                elif station in rejecting:
                    demands.append(
                        Demand(
                            str(station),
                            site_of[station],
                            STATION_MAX_AMPS,
                            (0, 1, 2),
                            fixed_amps=STATION_MAX_AMPS,
                        )
                    )
                else:
                    demands.append(
                        Demand(
                            str(station),
                            site_of[station],
                            min(STATION_MAX_AMPS, session_or_none.ev_max_amps),
                            _phases(session_or_none),
                            priority=session_or_none.priority,
                            arrival=session_or_none.arrives,
                            cap_amps=draws.get(station, DrawState()).cap_amps,
                        )
                    )
            started = time.perf_counter()
            allocation = allocate(sites, limits, demands)
            result.allocate_seconds.append(time.perf_counter() - started)
            result.reallocations += 1
            target = {
                int(key): amps
                for key, amps in allocation.amps.items()
                if int(key) in active and int(key) not in down and int(key) not in rejecting
            }
            updates = plan_updates(
                {str(s): a for s, a in enforced.items() if s in target},
                {str(s): a for s, a in target.items()},
                hysteresis=hysteresis,
            )
            result.profiles_sent += len(updates)
            enforced.update({int(key): amps for key, amps in apply_updates({}, updates).items()})
            # The EVs follow the new profiles within the step.
            for station, session in active.items():
                ceiling = STATION_MAX_AMPS if station in rejecting else enforced.get(station, FAILSAFE_AMPS)
                wants = session.ev_max_amps if session.delivered_wh < session.need_wh else 0.0
                drawn[station] = min(ceiling, wants)

        used: dict[tuple[str, int], float] = {}
        for station, amps in drawn.items():
            for site_id in chains[station]:
                for phase in _phases(active[station]):
                    used[(site_id, phase)] = used.get((site_id, phase), 0.0) + amps
            active[station].delivered_wh += (
                amps * VOLTAGE * len(_phases(active[station])) * STEP_SECONDS / 3600
            )
        for site_id in sites:
            result.samples += 1
            excess = max(used.get((site_id, phase), 0.0) - limits[site_id][phase] for phase in range(3))
            if excess > 1e-6:
                result.exceeded += 1
                result.worst_excess_amps = max(result.worst_excess_amps, excess)
        if keep_series:
            result.series.append(
                Sample(
                    at=now,
                    depot_limit=limits["depot"][0],
                    drawn={site_id: used.get((site_id, 0), 0.0) for site_id in sites},
                    charging=sum(1 for a in drawn.values() if a > 0),
                    paused=sum(1 for s in active if target.get(s) == 0.0),
                    allocations=dict(enforced),
                )
            )
    result.delivered_kwh = sum(s.delivered_wh for s in plan) / 1000
    return result


def main() -> None:
    result = simulate()
    timings = sorted(result.allocate_seconds)
    p99 = timings[int(len(timings) * 0.99) - 1] if timings else 0.0
    print(
        f"site limit exceeded: {result.exceeded} of {result.samples} samples; {result.sessions} sessions, "
        f"{result.delivered_kwh:.0f} kWh, {result.reallocations} re-allocations (p99 {p99 * 1000:.1f} ms), "
        f"{result.profiles_sent} profiles sent"
    )


if __name__ == "__main__":
    main()
