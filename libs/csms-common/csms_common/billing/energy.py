"""Energy register readings to the energy of one session, with every correction written down.

Rules (each applied correction adds a line to ``notes``; none is silent):

- Readings are ordered by timestamp, not by arrival (offline queues, redeliveries, a broker's backlog).
- Two readings with the same timestamp and value are one (clock-aligned and periodic samples coincide,
  a message delivered twice); with the same timestamp and different values the earlier arrival wins.
- The count starts at the explicit start value (1.6 ``meterStart``, a 2.x ``Transaction.Begin``
  reading) and ends at the explicit stop value (``meterStop``, ``Transaction.End``). Without one, the
  first or last reading is used. A missing start is never taken as zero: that is how a station's whole
  lifetime register ends up billed as one session.
- A reading below the one before it is a rollover when the previous one was in the top tenth of the
  next power of ten and the new one in its bottom tenth (counted as ``10^k - previous + new``), a reset
  when it is below half of the previous one (counted from zero), and otherwise a glitch that is skipped.
- A step that needs more power than ``max_power_w`` (plus 10 % and 10 Wh for clock jitter and meter
  resolution) is implausible: the reading is skipped and the session flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from csms_common.billing.money import wh_text
from csms_common.billing.readings import BEGIN, END, Reading

JUMP_TOLERANCE = Fraction(11, 10)
JUMP_ALLOWANCE_WH = Fraction(10)


@dataclass(frozen=True)
class Interval:
    """Energy between two consecutive accepted readings."""

    start: datetime
    end: datetime
    wh: Fraction

    @property
    def seconds(self) -> Fraction:
        return Fraction((self.end - self.start).total_seconds()).limit_denominator(1000)


@dataclass(frozen=True)
class EnergyResult:
    wh: Fraction
    intervals: tuple[Interval, ...]
    notes: tuple[str, ...]
    flagged: bool
    start_reading: Reading | None
    stop_reading: Reading | None
    charging: Fraction | None = None
    """The charging seconds when counted already (a running count), else summed from the intervals."""

    @property
    def charging_seconds(self) -> Fraction:
        if self.charging is not None:
            return self.charging
        return sum((interval.seconds for interval in self.intervals if interval.wh > 0), Fraction(0))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _ordered(readings: Sequence[Reading], notes: list[str]) -> list[Reading]:
    by_arrival = sorted(readings, key=lambda reading: reading.arrival)
    by_time = sorted(readings)
    if [reading.arrival for reading in by_time] != [reading.arrival for reading in by_arrival]:
        late = sum(1 for earlier, later in pairwise(by_arrival) if later.at < earlier.at)
        notes.append(f"{late} reading(s) arrived out of order: ordered by timestamp")
    unique: list[Reading] = []
    duplicates = 0
    for reading in by_time:
        if unique and unique[-1].at == reading.at:
            if unique[-1].wh == reading.wh:
                duplicates += 1
            else:
                notes.append(
                    f"conflicting readings at {_iso(reading.at)}: "
                    f"{unique[-1].wh} Wh kept, {reading.wh} Wh ignored"
                )
            continue
        unique.append(reading)
    if duplicates:
        notes.append(f"{duplicates} duplicate reading(s) ignored")
    return unique


def _endpoints(
    readings: list[Reading], start: Reading | None, stop: Reading | None, ended: bool, notes: list[str]
) -> list[Reading]:
    """The readings the count walks: explicit start first, explicit stop last, nothing outside them."""
    if start is None:
        start = next((reading for reading in readings if reading.context == BEGIN), None)
    if stop is None and ended:
        stop = next((reading for reading in reversed(readings) if reading.context == END), None)
    if start is not None:
        readings = [reading for reading in readings if reading.at > start.at]
        readings.insert(0, start)
    elif readings:
        notes.append(f"no start reading: counting from the first reading at {_iso(readings[0].at)}")
    if stop is not None:
        readings = [reading for reading in readings if reading.at < stop.at]
        readings.append(stop)
    elif ended and readings:
        notes.append(
            f"no stop reading (meterStop): counting up to the last reading at {_iso(readings[-1].at)}"
        )
    return readings


def _rollover_modulus(previous: Decimal, current: Decimal) -> Fraction | None:
    integral = int(previous)
    modulus = Fraction(10) ** max(len(str(integral)), 1)
    if Fraction(previous) >= modulus * Fraction(9, 10) and Fraction(current) < modulus / 10:
        return modulus
    return None


@dataclass(frozen=True)
class Step:
    """One reading walked from the last accepted one: the energy it adds (None: ignored), the notes."""

    wh: Fraction | None
    notes: tuple[str, ...]
    flagged: bool


def energy_step(base: Reading, reading: Reading, max_power_w: Decimal | None) -> Step:
    """The energy between the last accepted reading ``base`` and the next ``reading`` (time order)."""
    previous, current = Fraction(base.wh), Fraction(reading.wh)
    span = f"between {_iso(base.at)} and {_iso(reading.at)}"
    delta = current - previous
    notes: list[str] = []
    if delta < 0:
        modulus = _rollover_modulus(base.wh, reading.wh)
        if modulus is not None:
            delta = modulus - previous + current
            notes.append(f"meter rollover at {modulus} Wh {span}: counted {wh_text(delta)} Wh")
        elif current < previous / 2:
            delta = current
            notes.append(
                f"meter reset {span} ({base.wh} -> {reading.wh} Wh): counted {reading.wh} Wh from zero"
            )
        else:
            notes.append(f"meter went backwards {span} ({base.wh} -> {reading.wh} Wh): reading ignored")
            return Step(None, tuple(notes), True)
    if max_power_w is not None:
        seconds = Fraction((reading.at - base.at).total_seconds()).limit_denominator(1000)
        allowed = Fraction(max_power_w) * seconds / 3600 * JUMP_TOLERANCE + JUMP_ALLOWANCE_WH
        if delta > allowed:
            notes.append(
                f"implausible jump of {wh_text(delta)} Wh {span}: "
                f"more than {max_power_w} W allows, reading ignored"
            )
            return Step(None, tuple(notes), True)
    return Step(delta, tuple(notes), False)


def compute_energy(
    readings: Sequence[Reading],
    *,
    start: Reading | None = None,
    stop: Reading | None = None,
    ended: bool = True,
    max_power_w: Decimal | None = None,
) -> EnergyResult:
    """The energy of one session from its readings; ``start``/``stop`` are 1.6 meterStart/meterStop."""
    notes: list[str] = []
    flagged = False
    walk = _endpoints(_ordered(readings, notes), start, stop, ended, notes)
    intervals: list[Interval] = []
    if not walk:
        return EnergyResult(Fraction(0), (), tuple(notes), flagged, None, None)
    base = walk[0]
    for reading in walk[1:]:
        step = energy_step(base, reading, max_power_w)
        notes.extend(step.notes)
        flagged = flagged or step.flagged
        if step.wh is not None:
            intervals.append(Interval(base.at, reading.at, step.wh))
            base = reading
    total = sum((interval.wh for interval in intervals), Fraction(0))
    return EnergyResult(total, tuple(intervals), tuple(notes), flagged, walk[0], base)
