"""A station's own ChargingStationMaxProfile (set through the API) as a limit in the site tree: the
station becomes a circuit of its own under its site, so what it cannot take goes to the others.

The limit in force at a moment: among the station's max profiles valid then, the highest stack level's
period in force (OCPP's precedence), in amps per phase (watts over 230 V and the period's phases, three
unless given). An Absolute profile counts from its startSchedule, a Recurring one from its
startSchedule modulo a day or a week, a Relative one (no start: it runs from when the station got it)
is taken at its first period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from csms_common.smart_charging.limits import NOMINAL_VOLTAGE, Limit, PhaseAmps
from csms_common.smart_charging.profiles import Kind, Profile, Purpose
from csms_common.smart_charging.sites import Site

_RECURRENCE_SECONDS = {"Daily": 86_400, "Weekly": 7 * 86_400}
STATION_SITE_PREFIX = "station\x00"
"""Ids of the stations' own circuits: no site id can hold a NUL, so none collides with an operator's."""


def limit_in_force(profile: Profile, now: datetime) -> float | None:
    """A ChargingStationMaxProfile's limit at ``now`` in amps per phase, or None when not in force."""
    if profile.purpose is not Purpose.STATION_MAX:
        return None
    if (profile.valid_from is not None and now < profile.valid_from) or (
        profile.valid_to is not None and now >= profile.valid_to
    ):
        return None
    elapsed = 0.0
    if profile.start_schedule is not None and profile.kind is not Kind.RELATIVE:
        elapsed = (now - profile.start_schedule).total_seconds()
        if elapsed < 0:
            return None
        if profile.kind is Kind.RECURRING and profile.recurrency in _RECURRENCE_SECONDS:
            elapsed %= _RECURRENCE_SECONDS[profile.recurrency]
    if profile.duration is not None and elapsed >= profile.duration:
        return None
    in_force = [period for period in profile.periods if period.start <= elapsed]
    if not in_force:
        return None
    period = in_force[-1]
    if profile.rate_unit == "W":
        return period.limit / (NOMINAL_VOLTAGE * (period.phases or 3))
    return period.limit


def station_limit(profiles: Iterable[Profile], now: datetime) -> float | None:
    """The limit of the highest-stack-level max profile in force (None: no such profile)."""
    best: tuple[int, float] | None = None
    for profile in profiles:
        amps = limit_in_force(profile, now)
        if amps is not None and (best is None or profile.stack_level > best[0]):
            best = (profile.stack_level, amps)
    return None if best is None else best[1]


@dataclass(frozen=True)
class StationCircuits:
    """The site tree with a circuit per capped station, and where each transaction now hangs."""

    sites: Mapping[str, Site]
    limits: Mapping[str, PhaseAmps]
    site_of: Mapping[str, str]
    """Transaction key -> the site (or station circuit) it is allocated in."""


def with_station_circuits(
    sites: Mapping[str, Site],
    limits: Mapping[str, PhaseAmps],
    transactions: Sequence[tuple[str, str, str]],
    station_limits: Mapping[str, float],
) -> StationCircuits:
    """``transactions``: (key, station id, site). A capped station whose transactions are all in one site
    gets a circuit under it holding its limit; the others keep their sites (a station split over sites:
    the caller caps each transaction instead)."""
    tree, amps = dict(sites), dict(limits)
    site_of = {key: site for key, _, site in transactions}
    for station_id, limit in station_limits.items():
        own = [(key, site) for key, station, site in transactions if station == station_id]
        if not own or len({site for _, site in own}) != 1 or own[0][1] not in sites:
            continue
        circuit = f"{STATION_SITE_PREFIX}{station_id}"
        per_phase = (limit, limit, limit)
        tree[circuit] = replace(
            sites[own[0][1]], id=circuit, name=station_id, limit=Limit(per_phase, 3, amps=limit),
            schedule=(), parent=own[0][1],
        )  # fmt: skip
        amps[circuit] = per_phase
        for key, _ in own:
            site_of[key] = circuit
    return StationCircuits(tree, amps, site_of)
