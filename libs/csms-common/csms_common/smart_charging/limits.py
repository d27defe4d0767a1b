"""Site limits: a static limit, a schedule of limits, an external limit with an expiry → amps per phase at t.

A limit is given in amps or watts on 1 or 3 phases. It is kept as amps on each of the three phases
L1, L2, L3: ``{"amps": 32, "phases": 3}`` is 32 A on each phase; ``{"amps": 32, "phases": 1}`` is 32 A on
L1 and nothing on L2/L3 (a single-phase supply has only L1); watts are divided by the nominal voltage
and the number of phases.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csms_common.billing.readings import parse_time

PHASES = 3
NOMINAL_VOLTAGE = 230.0
MAX_AMPS = 100_000.0
"""A limit above this (per phase) is refused as a typo rather than stored."""
MAX_SCHEDULE_ENTRIES = 96

PhaseAmps = tuple[float, float, float]
"""Amps per phase L1, L2, L3."""


class InvalidLimit(ValueError):
    """A limit or schedule the CSMS refuses, with the reason."""


@dataclass(frozen=True)
class Limit:
    """A limit as given (amps or watts) and as amps per phase."""

    per_phase: PhaseAmps
    phases: int
    amps: float | None = None
    watts: float | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"phases": self.phases}
        if self.amps is not None:
            body["amps"] = self.amps
        if self.watts is not None:
            body["watts"] = self.watts
        return body


def _positive(body: Mapping[str, Any], name: str, maximum: float) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidLimit(f"{name} must be a number")
    if value <= 0:
        raise InvalidLimit(f"{name} must be positive, got {value}")
    if value > maximum:
        raise InvalidLimit(f"{name} must be at most {maximum:g}, got {value}")
    return float(value)


def parse_limit(body: Any, voltage: float = NOMINAL_VOLTAGE) -> Limit:
    """``{"amps"|"watts": n, "phases": 1|3}`` → a :class:`Limit`; zero, negative or both units refused."""
    if not isinstance(body, Mapping):
        raise InvalidLimit("limit must be an object")
    unknown = set(body) - {"amps", "watts", "phases"}
    if unknown:
        raise InvalidLimit(f"limit has unknown fields {sorted(unknown)}")
    phases = body.get("phases", 3)
    if phases not in (1, 3) or isinstance(phases, bool):
        raise InvalidLimit("limit phases must be 1 or 3")
    if ("amps" in body) == ("watts" in body):
        raise InvalidLimit("limit needs exactly one of amps or watts")
    if "amps" in body:
        amps = _positive(body, "amps", MAX_AMPS)
        per = amps
        limit_amps, limit_watts = amps, None
    else:
        watts = _positive(body, "watts", MAX_AMPS * voltage * phases)
        per = watts / (voltage * phases)
        limit_amps, limit_watts = None, watts
    per_phase: PhaseAmps = (per, per, per) if phases == 3 else (per, 0.0, 0.0)
    return Limit(per_phase=per_phase, phases=phases, amps=limit_amps, watts=limit_watts)


@dataclass(frozen=True)
class ScheduleEntry:
    start: datetime
    limit: Limit


@dataclass(frozen=True)
class ExternalLimit:
    """A limit set by a grid operator or energy manager, valid until it expires."""

    limit: Limit
    expires: datetime


def parse_schedule(body: Any, voltage: float = NOMINAL_VOLTAGE) -> tuple[ScheduleEntry, ...]:
    """``[{"start": ISO, "limit": {...}}, ...]`` with strictly increasing starts → entries."""
    if not isinstance(body, list):
        raise InvalidLimit("schedule must be a list")
    if len(body) > MAX_SCHEDULE_ENTRIES:
        raise InvalidLimit(f"schedule has more than {MAX_SCHEDULE_ENTRIES} entries")
    entries: list[ScheduleEntry] = []
    for index, item in enumerate(body):
        if not isinstance(item, Mapping) or set(item) != {"start", "limit"}:
            raise InvalidLimit(f"schedule[{index}] must be {{start, limit}}")
        try:
            start = parse_time(item["start"])
        except ValueError as error:
            raise InvalidLimit(f"schedule[{index}].start: {error}") from None
        if entries and start <= entries[-1].start:
            raise InvalidLimit(f"schedule[{index}].start is not after the previous start")
        entries.append(ScheduleEntry(start, parse_limit(item["limit"], voltage)))
    return tuple(entries)


def limit_at(
    static: Limit, schedule: Sequence[ScheduleEntry], external: ExternalLimit | None, at: datetime
) -> PhaseAmps:
    """The limit in force at ``at``: the schedule's latest started entry (else the static limit),
    lowered per phase by an unexpired external limit."""
    starts = [entry.start for entry in schedule]
    index = bisect_right(starts, at) - 1
    own = schedule[index].limit.per_phase if index >= 0 else static.per_phase
    if external is None or at >= external.expires:
        return own
    other = external.limit.per_phase
    return (min(own[0], other[0]), min(own[1], other[1]), min(own[2], other[2]))
