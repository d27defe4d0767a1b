"""A running session's energy, counted one stored sample entry at a time. Pure.

:func:`~csms_common.billing.session.build_session` counts a session from its whole sample log. While
a session runs and its readings arrive in time order, that count is a walk that only appends: each
reading is compared with the last accepted one (:func:`~csms_common.billing.energy.energy_step`).
:class:`RunningEnergy` is the walk's state (the readings so far, the last accepted reading, the
energy intervals, the notes) in one small record; :func:`advance` folds the next entry into it
without looking at the earlier ones, and :meth:`RunningEnergy.fold` / :meth:`RunningEnergy.energy`
give ``assemble_session`` exactly what the full count would have given (a property test holds them
equal on random sample sequences). The record keeps the energy and charging time as running totals,
the readings already in the form the session lists them, and the intervals (which only a tariff
needs) as stored text, so folding an entry in converts only that entry's readings.

:func:`advance` returns None where the walk would not just append: a reading at or before the
newest one (out of order, duplicate, conflicting), a ``Transaction.Begin`` reading after a count
that began without one, a 1.6 reading at or before meterStart, more than
:data:`MAX_RUNNING_READINGS` readings or :data:`MAX_RUNNING_NOTES` notes. The caller then
recomputes from the whole log, as it does for an ended session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from csms_common.billing.energy import EnergyResult, Interval, energy_step
from csms_common.billing.readings import BEGIN, Reading
from csms_common.billing.session import (
    MAX_SHOWN_READINGS,
    MAX_SHOWN_SIGNED,
    Counted,
    SampleFold,
    fold_entry,
    listed_reading,
)

MAX_RUNNING_READINGS = MAX_SHOWN_READINGS
"""Beyond this the session's listed samples are thinned from all readings: recomputed in full."""
MAX_RUNNING_NOTES = 50
StoredInterval = tuple[str, str, int, int]
"""An interval as stored: start and end (ISO 8601 with their offset), Wh as numerator, denominator."""


@dataclass(frozen=True)
class RunningEnergy:
    entries: int
    """Sample entries folded in; the next one is the entry at this index of the log."""
    start: Reading | None
    """The explicit start the walk began from (1.6 meterStart), None for 2.x."""
    max_power_w: Decimal | None
    listed: tuple[dict[str, Any], ...] = ()
    """Every reading so far, in time order (= arrival order here), as the session lists it."""
    newest: Reading | None = None
    signed: tuple[dict[str, Any], ...] = ()
    """The first MAX_SHOWN_SIGNED signed values, then the newest one."""
    notes: tuple[str, ...] = ()
    flagged: bool = False
    walk_start: Reading | None = None
    base: Reading | None = None
    """The last accepted reading."""
    intervals: tuple[StoredInterval, ...] = ()
    wh: Fraction = Fraction(0)
    charging: Fraction = Fraction(0)
    energy_notes: tuple[str, ...] = ()
    energy_flagged: bool = False
    counted_without_begin: bool = False

    def fold(self) -> SampleFold:
        return SampleFold((), self.signed, self.notes, self.flagged)

    def counted(self, with_intervals: bool) -> Counted:
        """What ``assemble_session`` takes; ``with_intervals``: a tariff will price them."""
        intervals = tuple(
            Interval(datetime.fromisoformat(start), datetime.fromisoformat(end), Fraction(wh, denominator))
            for start, end, wh, denominator in (self.intervals if with_intervals else ())
        )
        energy = EnergyResult(
            self.wh,
            intervals,
            self.energy_notes,
            self.energy_flagged,
            self.walk_start,
            self.base,
            charging=self.charging,
        )
        return Counted(energy, list(self.listed))


def start_running(start: Reading | None, max_power_w: Decimal | None) -> RunningEnergy:
    """The state before any entry: the walk starts at ``start`` (1.6 meterStart) when there is one."""
    return RunningEnergy(0, start, max_power_w, walk_start=start, base=start)


def advance(state: RunningEnergy, entry: Mapping[str, Any]) -> RunningEnergy | None:
    """``state`` with the next stored entry folded in, or None when only a full recount is right."""
    fold = fold_entry(entry, state.entries)
    newest = state.newest
    walk_start, base, without_begin = state.walk_start, state.base, state.counted_without_begin
    intervals = list(state.intervals)
    wh, charging = state.wh, state.charging
    energy_notes = list(state.energy_notes)
    energy_flagged = state.energy_flagged
    for reading in fold.readings:
        if newest is not None and reading.at <= newest.at:
            return None
        if state.start is not None and reading.at <= state.start.at:
            return None
        newest = reading
        if base is None:
            if reading.context != BEGIN:
                energy_notes.append(
                    f"no start reading: counting from the first reading at {_iso(reading.at)}"
                )
                without_begin = True
            walk_start = base = reading
            continue
        if without_begin and reading.context == BEGIN:
            return None
        step = energy_step(base, reading, state.max_power_w)
        energy_notes.extend(step.notes)
        energy_flagged = energy_flagged or step.flagged
        if step.wh is not None:
            interval = Interval(base.at, reading.at, step.wh)
            stored = (base.at.isoformat(), reading.at.isoformat(), step.wh.numerator, step.wh.denominator)
            intervals.append(stored)
            wh += step.wh
            charging += interval.seconds if step.wh > 0 else 0
            base = reading
    listed = state.listed + tuple(listed_reading(reading) for reading in fold.readings)
    notes = state.notes + fold.notes
    if len(listed) > MAX_RUNNING_READINGS or len(notes) + len(energy_notes) > MAX_RUNNING_NOTES:
        return None
    signed = state.signed + fold.signed
    if len(signed) > MAX_SHOWN_SIGNED:
        signed = signed[:MAX_SHOWN_SIGNED] + signed[-1:]
    return replace(
        state,
        entries=state.entries + 1,
        listed=listed,
        newest=newest,
        signed=signed,
        notes=notes,
        flagged=state.flagged or fold.flagged,
        walk_start=walk_start,
        base=base,
        intervals=tuple(intervals),
        wh=wh,
        charging=charging,
        energy_notes=tuple(energy_notes),
        energy_flagged=energy_flagged,
        counted_without_begin=without_begin,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ stored form


def _reading_json(reading: Reading | None) -> list[Any] | None:
    if reading is None:
        return None
    return [reading.at.isoformat(), reading.arrival, str(reading.wh), reading.context]


def _reading(value: Any) -> Reading | None:
    if value is None:
        return None
    at, arrival, wh, context = value
    return Reading(datetime.fromisoformat(at), int(arrival), Decimal(wh), str(context))


def _fraction_json(value: Fraction) -> list[int]:
    return [value.numerator, value.denominator]


def running_json(state: RunningEnergy) -> dict[str, Any]:
    """The state as stored (JSON); exact: Decimals and Fractions as text or integers, times with
    their offset."""
    return {
        "entries": state.entries,
        "start": _reading_json(state.start),
        "maxPowerW": None if state.max_power_w is None else str(state.max_power_w),
        "listed": list(state.listed),
        "newest": _reading_json(state.newest),
        "signed": list(state.signed),
        "notes": list(state.notes),
        "flagged": state.flagged,
        "walkStart": _reading_json(state.walk_start),
        "base": _reading_json(state.base),
        "intervals": [list(interval) for interval in state.intervals],
        "wh": _fraction_json(state.wh),
        "charging": _fraction_json(state.charging),
        "energyNotes": list(state.energy_notes),
        "energyFlagged": state.energy_flagged,
        "withoutBegin": state.counted_without_begin,
    }


def running_from_json(stored: Mapping[str, Any]) -> RunningEnergy:
    """The inverse of :func:`running_json`; ValueError (or KeyError, TypeError) for anything else."""
    power = stored["maxPowerW"]
    wh, charging = stored["wh"], stored["charging"]
    return RunningEnergy(
        entries=int(stored["entries"]),
        start=_reading(stored["start"]),
        max_power_w=None if power is None else Decimal(power),
        listed=tuple(stored["listed"]),
        newest=_reading(stored["newest"]),
        signed=tuple(stored["signed"]),
        notes=tuple(stored["notes"]),
        flagged=bool(stored["flagged"]),
        walk_start=_reading(stored["walkStart"]),
        base=_reading(stored["base"]),
        intervals=tuple((str(a), str(b), int(n), int(d)) for a, b, n, d in stored["intervals"]),
        wh=Fraction(int(wh[0]), int(wh[1])),
        charging=Fraction(int(charging[0]), int(charging[1])),
        energy_notes=tuple(stored["energyNotes"]),
        energy_flagged=bool(stored["energyFlagged"]),
        counted_without_begin=bool(stored["withoutBegin"]),
    )
