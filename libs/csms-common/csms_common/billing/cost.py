"""A session's cost from its tariffs and energy intervals: OCPI 2.2.1 tariff semantics, exact arithmetic.

How a session is priced:

1. The session ``[start, end]`` is covered by the energy intervals; time without readings counts as not
   charging (noted).
2. It is cut at every moment a price may change: tariff validity boundaries, local midnights and the
   restriction times of day in the tariff's time zone, ``min/max_duration`` after the start, and the
   exact point where the energy so far crosses a ``min/max_kwh`` threshold. Energy inside an interval
   is spread evenly over its time (the meter says nothing finer).
3. Each piece with energy is charging: it is billed for ENERGY (kWh) and TIME (hours); each piece
   without is parking, billed for PARKING_TIME. For each dimension the first element of the active
   tariff that prices it and whose restrictions match at the piece's start is used (OCPI's rule).
   FLAT is billed once, from the tariff active at the start.
4. Step sizes (OCPI 2.2.1): once per session for ENERGY and once for TIME and PARKING_TIME together,
   on the session's total of the dimension, with the step size of the last component that billed it;
   with both TIME and PARKING_TIME, only parking is rounded up. The extra goes to that last line.
5. Money is rounded per line (see :mod:`csms_common.billing.money`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import ceil
from typing import Any

from csms_common.billing.energy import Interval
from csms_common.billing.money import amount, round_half_up, to_money, wh_text
from csms_common.billing.tariffs import Dimension, Restrictions, Tariff, TariffElement

_MICROSECONDS = 1_000_000
LineKey = tuple[str, int, Dimension]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Piece:
    """A stretch of the session over which every restriction gives the same answer."""

    start: datetime
    end: datetime
    wh: Fraction
    wh_before: Fraction = Fraction(0)

    @property
    def seconds(self) -> Fraction:
        return Fraction(_micros(self.start, self.end), _MICROSECONDS)


@dataclass
class CostLine:
    tariff_id: str
    element: int
    dimension: Dimension
    price: Decimal
    vat: Decimal | None
    step_size: int
    quantity: Fraction = Fraction(0)
    """Wh for ENERGY, seconds for TIME and PARKING_TIME, 1 for FLAT."""
    billed: Fraction = Fraction(0)

    def volume(self, quantity: Fraction) -> Fraction:
        """In OCPI's price units: kWh, hours, sessions."""
        if self.dimension is Dimension.ENERGY:
            return quantity / 1000
        if self.dimension is Dimension.FLAT:
            return quantity
        return quantity / 3600


@dataclass(frozen=True)
class PeriodDimension:
    dimension: Dimension
    volume: Fraction


@dataclass(frozen=True)
class ChargingPeriod:
    start: datetime
    tariff_id: str | None
    dimensions: tuple[PeriodDimension, ...]


@dataclass(frozen=True)
class CostBreakdown:
    currency: str
    lines: tuple[CostLine, ...]
    periods: tuple[ChargingPeriod, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def line_amounts(self, line: CostLine) -> tuple[Decimal, Decimal]:
        excl = to_money(line.volume(line.billed) * Fraction(line.price), self.currency)
        vat = to_money(Fraction(excl) * Fraction(line.vat or 0) / 100, self.currency)
        return excl, vat

    def total(self, dimension: Dimension | None = None) -> tuple[Decimal, Decimal]:
        """(excluding VAT, including VAT) of every line, or of one dimension's lines."""
        excl_total = to_money(Fraction(0), self.currency)
        vat_total = excl_total
        for line in self.lines:
            if dimension is None or line.dimension is dimension:
                excl, vat = self.line_amounts(line)
                excl_total += excl
                vat_total += vat
        return excl_total, excl_total + vat_total

    def as_json(self) -> dict[str, Any]:
        lines = []
        for line in self.lines:
            excl, vat = self.line_amounts(line)
            lines.append(
                {
                    "tariffId": line.tariff_id,
                    "element": line.element,
                    "type": line.dimension.value,
                    "volume": amount(round_half_up(line.volume(line.quantity), 6)),
                    "billedVolume": amount(round_half_up(line.volume(line.billed), 6)),
                    "unit": _UNITS[line.dimension],
                    "price": amount(line.price),
                    "stepSize": line.step_size,
                    "vat": None if line.vat is None else amount(line.vat),
                    "exclVat": amount(excl),
                    "vatAmount": amount(vat),
                    "inclVat": amount(excl + vat),
                }
            )
        excl_total, incl_total = self.total()
        return {
            "currency": self.currency,
            "lines": lines,
            "totalCost": {"excl_vat": amount(excl_total), "incl_vat": amount(incl_total)},
            "notes": list(self.notes),
        }


_UNITS = {
    Dimension.ENERGY: "kWh",
    Dimension.TIME: "h",
    Dimension.PARKING_TIME: "h",
    Dimension.FLAT: "session",
}


def _micros(start: datetime, end: datetime) -> int:
    delta = end - start
    return (delta.days * 86400 + delta.seconds) * _MICROSECONDS + delta.microseconds


def _cover(start: datetime, end: datetime, intervals: Sequence[Interval], notes: list[str]) -> list[Piece]:
    """Pieces from ``start`` to ``end``: the intervals (clipped), gaps as pieces without energy."""
    pieces: list[Piece] = []
    cursor = start
    for interval in sorted(intervals, key=lambda i: i.start):
        if interval.end <= cursor or interval.start >= end:
            if interval.wh > 0 and (interval.end <= start or interval.start >= end):
                notes.append(f"{wh_text(interval.wh)} Wh outside the session's times counted at its edge")
                at = start if interval.end <= start else end
                pieces.append(Piece(at, at, interval.wh))
            continue
        if interval.start > cursor:
            pieces.append(Piece(cursor, interval.start, Fraction(0)))
            notes.append(
                f"no readings from {cursor.isoformat()} to {interval.start.isoformat()}: not charging"
            )
        piece = Piece(interval.start, interval.end, interval.wh)
        for cut in (cursor, end):
            if piece.start < cut < piece.end:
                first, second = _split_at_time(piece, cut)
                piece = second if cut == cursor else first
        pieces.append(piece)
        cursor = piece.end
    if cursor < end:
        pieces.append(Piece(cursor, end, Fraction(0)))
    return sorted(pieces, key=lambda p: p.start)


def _split_at_time(piece: Piece, moment: datetime) -> tuple[Piece, Piece]:
    total = _micros(piece.start, piece.end)
    share = piece.wh * Fraction(_micros(piece.start, moment), total)
    return replace(piece, end=moment, wh=share), replace(piece, start=moment, wh=piece.wh - share)


def _time_boundaries(tariffs: Sequence[Tariff], start: datetime, end: datetime) -> list[datetime]:
    moments: set[datetime] = set()
    for tariff in tariffs:
        for bound in (tariff.valid_from, tariff.valid_until):
            if bound is not None:
                moments.add(bound)
        zone = tariff.time_zone
        first_day = start.astimezone(zone).date() - timedelta(days=1)
        last_day = end.astimezone(zone).date() + timedelta(days=1)
        clock_times = {datetime.min.time()}
        for element in tariff.elements:
            restrictions = element.restrictions
            for clock in (restrictions.start_time, restrictions.end_time):
                if clock is not None:
                    clock_times.add(clock)
            for seconds in (restrictions.min_duration, restrictions.max_duration):
                if seconds is not None:
                    moments.add(start + timedelta(seconds=seconds))
        day = first_day
        while day <= last_day:
            for clock in clock_times:
                moments.add(datetime.combine(day, clock, tzinfo=zone).astimezone(UTC))
            day += timedelta(days=1)
    return sorted(moment for moment in moments if start < moment < end)


def _energy_thresholds(tariffs: Sequence[Tariff]) -> list[Fraction]:
    thresholds: set[Fraction] = set()
    for tariff in tariffs:
        for element in tariff.elements:
            for kwh in (element.restrictions.min_kwh, element.restrictions.max_kwh):
                if kwh is not None and kwh > 0:
                    thresholds.add(Fraction(kwh) * 1000)
    return sorted(thresholds)


def _cut(pieces: list[Piece], moments: list[datetime], thresholds: list[Fraction]) -> list[Piece]:
    cut: list[Piece] = []
    for piece in pieces:
        rest = piece
        for moment in moments:
            if rest.start < moment < rest.end:
                first, rest = _split_at_time(rest, moment)
                cut.append(first)
        cut.append(rest)
    # Energy thresholds: split exactly where the session's energy reaches each one.
    result: list[Piece] = []
    so_far = Fraction(0)
    for piece in cut:
        rest = replace(piece, wh_before=so_far)
        for threshold in thresholds:
            if rest.wh_before < threshold < rest.wh_before + rest.wh:
                share = threshold - rest.wh_before
                total = _micros(rest.start, rest.end)
                at = rest.start + timedelta(microseconds=int(total * share / rest.wh))
                result.append(replace(rest, end=at, wh=share))
                rest = Piece(at, rest.end, rest.wh - share, threshold)
        result.append(rest)
        so_far += piece.wh
    return result


def _matches(restrictions: Restrictions, piece: Piece, session_start: datetime, tariff: Tariff) -> bool:
    local = piece.start.astimezone(tariff.time_zone)
    if restrictions.start_time is not None and restrictions.end_time is not None:
        clock = local.time().replace(tzinfo=None)
        low, high = restrictions.start_time, restrictions.end_time
        inside = low <= clock < high if low < high else (clock >= low or clock < high)
        if not inside:
            return False
    day: date = local.date()
    if restrictions.start_date is not None and day < restrictions.start_date:
        return False
    if restrictions.end_date is not None and day >= restrictions.end_date:
        return False
    if restrictions.days is not None and local.weekday() not in restrictions.days:
        return False
    kwh = piece.wh_before / 1000
    if restrictions.min_kwh is not None and kwh < restrictions.min_kwh:
        return False
    if restrictions.max_kwh is not None and kwh >= restrictions.max_kwh:
        return False
    elapsed = Fraction(_micros(session_start, piece.start), _MICROSECONDS)
    if restrictions.min_duration is not None and elapsed < restrictions.min_duration:
        return False
    if restrictions.max_duration is not None and elapsed >= restrictions.max_duration:
        return False
    if (restrictions.min_power is not None or restrictions.max_power is not None) and piece.seconds > 0:
        kw = piece.wh / piece.seconds * 3600 / 1000
        if restrictions.min_power is not None and kw < restrictions.min_power:
            return False
        if restrictions.max_power is not None and kw >= restrictions.max_power:
            return False
    return True


def _element_for(
    tariff: Tariff, dimension: Dimension, piece: Piece, session_start: datetime
) -> tuple[int, TariffElement] | None:
    for index, element in enumerate(tariff.elements):
        if element.component(dimension) is not None and _matches(
            element.restrictions, piece, session_start, tariff
        ):
            return index, element
    return None


def _apply_step(
    lines: list[CostLine], order: list[tuple[str, int, Dimension]], dimensions: set[Dimension]
) -> None:
    """Round the session's total of ``dimensions`` up to the last billing component's step size."""
    used = [key for key in order if key[2] in dimensions]
    if not used:
        return
    by_key = {(line.tariff_id, line.element, line.dimension): line for line in lines}
    last = by_key[used[-1]]
    total = sum((line.quantity for line in lines if line.dimension in dimensions), Fraction(0))
    stepped = ceil(total / last.step_size) * last.step_size
    last.billed += stepped - total


def compute_cost(
    tariffs: Sequence[Tariff], start: datetime, end: datetime, intervals: Sequence[Interval]
) -> CostBreakdown:
    """The priced session; ``tariffs`` in order of preference (the first active one prices a moment)."""
    if not tariffs:
        raise ValueError("a cost needs at least one tariff")
    currency = tariffs[0].currency
    notes: list[str] = []
    pieces = _cut(
        _cover(start, end, intervals, notes),
        _time_boundaries(tariffs, start, end),
        _energy_thresholds(tariffs),
    )
    lines: dict[LineKey, CostLine] = {}
    order: list[LineKey] = []
    periods: list[ChargingPeriod] = []

    def bill(
        tariff: Tariff, index: int, element: TariffElement, dimension: Dimension, quantity: Fraction
    ) -> None:
        component = element.component(dimension)
        assert component is not None
        key = (tariff.id, index, dimension)
        if key not in lines:
            lines[key] = CostLine(
                tariff.id, index, dimension, component.price, component.vat, component.step_size
            )
        lines[key].quantity += quantity
        lines[key].billed += quantity
        if quantity > 0:
            order.append(key)

    opening = next((t for t in tariffs if t.is_active(start)), None)
    if opening is not None:
        first_piece = pieces[0] if pieces else Piece(start, end, Fraction(0))
        flat = _element_for(opening, Dimension.FLAT, first_piece, start)
        if flat is not None:
            bill(opening, flat[0], flat[1], Dimension.FLAT, Fraction(1))
    unpriced = Fraction(0)
    for piece in pieces:
        tariff = next((t for t in tariffs if t.is_active(piece.start)), None)
        if tariff is None or tariff.currency != currency:
            unpriced += piece.seconds
            periods.append(ChargingPeriod(piece.start, None, _dimensions_of(piece)))
            continue
        wanted = (
            [(Dimension.ENERGY, piece.wh), (Dimension.TIME, piece.seconds)]
            if piece.wh > 0
            else [(Dimension.PARKING_TIME, piece.seconds)]
        )
        for dimension, quantity in wanted:
            found = _element_for(tariff, dimension, piece, start)
            if found is not None:
                bill(tariff, found[0], found[1], dimension, quantity)
        periods.append(ChargingPeriod(piece.start, tariff.id, _dimensions_of(piece)))
    if unpriced:
        notes.append(f"{float(unpriced):g} s with no active tariff in {currency}: not priced")
    line_list = list(lines.values())
    _apply_step(line_list, order, {Dimension.ENERGY})
    parking = (
        {Dimension.PARKING_TIME} if any(k[2] is Dimension.PARKING_TIME for k in order) else {Dimension.TIME}
    )
    _apply_step(line_list, order, parking)
    return CostBreakdown(currency, tuple(line_list), tuple(_merged(periods)), tuple(notes))


def _dimensions_of(piece: Piece) -> tuple[PeriodDimension, ...]:
    if piece.wh > 0:
        return (
            PeriodDimension(Dimension.ENERGY, piece.wh / 1000),
            PeriodDimension(Dimension.TIME, piece.seconds / 3600),
        )
    return (PeriodDimension(Dimension.PARKING_TIME, piece.seconds / 3600),)


def _merged(periods: list[ChargingPeriod]) -> list[ChargingPeriod]:
    """Consecutive pieces of the same tariff and kind become one OCPI charging period."""
    merged: list[ChargingPeriod] = []
    for period in periods:
        kinds = tuple(d.dimension for d in period.dimensions)
        if (
            merged
            and merged[-1].tariff_id == period.tariff_id
            and tuple(d.dimension for d in merged[-1].dimensions) == kinds
        ):
            previous = merged[-1]
            summed = tuple(
                PeriodDimension(a.dimension, a.volume + b.volume)
                for a, b in zip(previous.dimensions, period.dimensions, strict=True)
            )
            merged[-1] = ChargingPeriod(previous.start, previous.tariff_id, summed)
        else:
            merged.append(period)
    return merged
