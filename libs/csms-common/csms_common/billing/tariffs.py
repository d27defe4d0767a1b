"""OCPI 2.2.1 tariffs: parsed into exact (Decimal) values and checked, or refused with the reason.

The shape is OCPI's (snake_case): ``id``, ``currency``, ``elements`` of ``price_components``
(``type`` ENERGY / TIME / PARKING_TIME / FLAT, ``price`` excluding VAT per kWh, per hour or per
session, ``vat`` in percent, ``step_size`` in Wh or seconds) with optional ``restrictions``,
``start_date_time`` / ``end_date_time`` for the tariff's validity, plus one extension: ``time_zone``
(IANA name, default UTC), the local time that time-of-day and day-of-week restrictions mean (a
site's ``timeZone`` replaces it for the site's stations).

Refused: unknown currencies, negative prices or VAT, restrictions the CSMS cannot evaluate
(``min_current``/``max_current``: it has no current readings; ``reservation``), and elements that
overlap: two elements pricing the same dimension whose calendar windows (time of day, day of week,
dates) share a minute, unless the later one has no restrictions at all (the fallback), and any
element after an unrestricted one pricing the same dimension (it could never apply). Elements that
differ by kWh, power or duration are tiers and may share calendar windows: the first match wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms_common.billing.currencies import is_currency
from csms_common.billing.readings import parse_time

MAX_ELEMENTS = 32
MAX_COMPONENTS = 8
MAX_ID_LENGTH = 36
MAX_PRICE = Decimal(100000)
MAX_PRICE_DECIMALS = 6
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
_MINUTES_PER_WEEK = 7 * 24 * 60


class InvalidTariff(ValueError):
    """A tariff the CSMS refuses, with the reason."""


class Dimension(StrEnum):
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"
    FLAT = "FLAT"


@dataclass(frozen=True)
class PriceComponent:
    dimension: Dimension
    price: Decimal
    vat: Decimal | None
    step_size: int


@dataclass(frozen=True)
class Restrictions:
    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    days: frozenset[int] | None = None
    """Weekday numbers (Monday 0)."""

    @property
    def is_calendar_only(self) -> bool:
        return (
            self.min_kwh is None
            and self.max_kwh is None
            and self.min_power is None
            and self.max_power is None
            and self.min_duration is None
            and self.max_duration is None
        )

    @property
    def is_empty(self) -> bool:
        return self == Restrictions()


@dataclass(frozen=True)
class TariffElement:
    components: tuple[PriceComponent, ...]
    restrictions: Restrictions

    def component(self, dimension: Dimension) -> PriceComponent | None:
        return next((c for c in self.components if c.dimension is dimension), None)


@dataclass(frozen=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    time_zone: ZoneInfo
    valid_from: datetime | None
    valid_until: datetime | None
    document: dict[str, Any]
    """The tariff as stored and shown (OCPI shape, numbers as given)."""

    def is_active(self, moment: datetime) -> bool:
        return (self.valid_from is None or moment >= self.valid_from) and (
            self.valid_until is None or moment < self.valid_until
        )


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidTariff(f"{name} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidTariff(f"{name} must be a number, not {str(value)[:20]!r}") from error
    if not number.is_finite():
        raise InvalidTariff(f"{name} must be a finite number")
    return number


def _non_negative(value: Any, name: str, limit: Decimal | None = None) -> Decimal:
    number = _decimal(value, name)
    if number < 0:
        raise InvalidTariff(f"{name} must not be negative")
    if limit is not None and number > limit:
        raise InvalidTariff(f"{name} must be at most {limit}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PRICE_DECIMALS:
        raise InvalidTariff(f"{name} has more than {MAX_PRICE_DECIMALS} decimals")
    return number


def _optional(body: Mapping[str, Any], name: str, where: str) -> Decimal | None:
    return None if body.get(name) is None else _non_negative(body[name], f"{where}.{name}", MAX_PRICE * 100)


def _seconds(body: Mapping[str, Any], name: str, where: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidTariff(f"{where}.{name} must be a whole number of seconds, not negative")
    return value


def _clock(body: Mapping[str, Any], name: str, where: str) -> time | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise InvalidTariff(f"{where}.{name} must be a time of day as HH:MM")
    return time.fromisoformat(value)


def _day(body: Mapping[str, Any], name: str, where: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidTariff(f"{where}.{name} must be a date as YYYY-MM-DD") from error


def _ordered_pair(low: Any, high: Any, names: str) -> None:
    if low is not None and high is not None and low >= high:
        raise InvalidTariff(f"{names}: the minimum must be below the maximum")


def _restrictions(body: Any, where: str) -> Restrictions:
    if body is None:
        return Restrictions()
    if not isinstance(body, Mapping):
        raise InvalidTariff(f"{where} must be an object")
    for unsupported in ("min_current", "max_current", "reservation"):
        if body.get(unsupported) is not None:
            raise InvalidTariff(f"{where}.{unsupported} is not supported: the CSMS cannot evaluate it")
    days: frozenset[int] | None = None
    if body.get("day_of_week") is not None:
        names = body["day_of_week"]
        if not isinstance(names, list) or not names or any(day not in DAYS for day in names):
            raise InvalidTariff(f"{where}.day_of_week must be a non-empty list of {', '.join(DAYS)}")
        days = frozenset(DAYS.index(day) for day in names)
    restrictions = Restrictions(
        start_time=_clock(body, "start_time", where),
        end_time=_clock(body, "end_time", where),
        start_date=_day(body, "start_date", where),
        end_date=_day(body, "end_date", where),
        min_kwh=_optional(body, "min_kwh", where),
        max_kwh=_optional(body, "max_kwh", where),
        min_power=_optional(body, "min_power", where),
        max_power=_optional(body, "max_power", where),
        min_duration=_seconds(body, "min_duration", where),
        max_duration=_seconds(body, "max_duration", where),
        days=days,
    )
    if (restrictions.start_time is None) != (restrictions.end_time is None):
        raise InvalidTariff(f"{where}: start_time and end_time go together")
    if restrictions.start_time is not None and restrictions.start_time == restrictions.end_time:
        raise InvalidTariff(f"{where}: start_time and end_time must differ")
    _ordered_pair(restrictions.start_date, restrictions.end_date, f"{where}.start_date/end_date")
    _ordered_pair(restrictions.min_kwh, restrictions.max_kwh, f"{where}.min_kwh/max_kwh")
    _ordered_pair(restrictions.min_power, restrictions.max_power, f"{where}.min_power/max_power")
    _ordered_pair(restrictions.min_duration, restrictions.max_duration, f"{where}.min_duration/max_duration")
    return restrictions


def _component(body: Any, where: str) -> PriceComponent:
    if not isinstance(body, Mapping):
        raise InvalidTariff(f"{where} must be an object")
    try:
        dimension = Dimension(str(body.get("type")))
    except ValueError as error:
        raise InvalidTariff(f"{where}.type must be one of {', '.join(Dimension)}") from error
    step = body.get("step_size", 1)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise InvalidTariff(f"{where}.step_size must be a positive whole number")
    vat = None if body.get("vat") is None else _non_negative(body["vat"], f"{where}.vat", Decimal(100))
    return PriceComponent(dimension, _non_negative(body.get("price"), f"{where}.price", MAX_PRICE), vat, step)


def _element(body: Any, where: str) -> TariffElement:
    if not isinstance(body, Mapping):
        raise InvalidTariff(f"{where} must be an object")
    components = body.get("price_components")
    if not isinstance(components, list) or not 0 < len(components) <= MAX_COMPONENTS:
        raise InvalidTariff(f"{where}.price_components must list 1 to {MAX_COMPONENTS} price components")
    parsed = tuple(_component(c, f"{where}.price_components[{i}]") for i, c in enumerate(components))
    dimensions = [component.dimension for component in parsed]
    if len(set(dimensions)) != len(dimensions):
        raise InvalidTariff(f"{where} prices a dimension twice")
    return TariffElement(parsed, _restrictions(body.get("restrictions"), f"{where}.restrictions"))


def _calendar_minutes(restrictions: Restrictions) -> int:
    """The minutes of a week the element's time-of-day and day-of-week restrictions cover, as bits."""
    days = restrictions.days if restrictions.days is not None else frozenset(range(7))
    if restrictions.start_time is None or restrictions.end_time is None:
        window = [(0, 1440)]
    else:
        start = restrictions.start_time.hour * 60 + restrictions.start_time.minute
        end = restrictions.end_time.hour * 60 + restrictions.end_time.minute
        window = [(start, end)] if start < end else [(start, 1440), (0, end)]
    bits = 0
    for day in days:
        for low, high in window:
            bits |= ((1 << (high - low)) - 1) << (day * 1440 + low)
    return bits


def _dates_overlap(first: Restrictions, second: Restrictions) -> bool:
    first_low, first_high = first.start_date or date.min, first.end_date or date.max
    second_low, second_high = second.start_date or date.min, second.end_date or date.max
    return first_low < second_high and second_low < first_high


def _check_overlaps(elements: tuple[TariffElement, ...]) -> None:
    for dimension in Dimension:
        pricing = [(i, e) for i, e in enumerate(elements) if e.component(dimension) is not None]
        for position, (index, element) in enumerate(pricing):
            for earlier_index, earlier in pricing[:position]:
                if earlier.restrictions.is_empty:
                    raise InvalidTariff(
                        f"elements[{index}] can never price {dimension}: elements[{earlier_index}] "
                        "has no restrictions and comes first"
                    )
                if element.restrictions.is_empty:
                    continue
                if not (earlier.restrictions.is_calendar_only and element.restrictions.is_calendar_only):
                    continue
                if _dates_overlap(earlier.restrictions, element.restrictions) and (
                    _calendar_minutes(earlier.restrictions) & _calendar_minutes(element.restrictions)
                ):
                    raise InvalidTariff(
                        f"elements[{earlier_index}] and elements[{index}] both price {dimension} "
                        "in overlapping time windows"
                    )


def parse_tariff(body: Any) -> Tariff:
    """A checked tariff; :class:`InvalidTariff` says what is wrong."""
    if not isinstance(body, Mapping):
        raise InvalidTariff("a tariff must be a JSON object")
    tariff_id = body.get("id")
    if not isinstance(tariff_id, str) or not 0 < len(tariff_id) <= MAX_ID_LENGTH or not _ID.match(tariff_id):
        raise InvalidTariff(f"id must be 1 to {MAX_ID_LENGTH} characters of letters, digits and . _ : -")
    currency = body.get("currency")
    if not is_currency(currency):
        raise InvalidTariff(f"currency {str(currency)[:10]!r} is not an ISO 4217 currency code")
    elements = body.get("elements")
    if not isinstance(elements, list) or not 0 < len(elements) <= MAX_ELEMENTS:
        raise InvalidTariff(f"elements must list 1 to {MAX_ELEMENTS} tariff elements")
    parsed = tuple(_element(element, f"elements[{index}]") for index, element in enumerate(elements))
    _check_overlaps(parsed)
    zone_name = body.get("time_zone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidTariff(f"time_zone {str(zone_name)[:40]!r} is not an IANA time zone") from error
    try:
        valid_from = None if body.get("start_date_time") is None else parse_time(body["start_date_time"])
        valid_until = None if body.get("end_date_time") is None else parse_time(body["end_date_time"])
    except ValueError as error:
        raise InvalidTariff(f"start_date_time/end_date_time: {error}") from error
    _ordered_pair(valid_from, valid_until, "start_date_time/end_date_time")
    known = {
        "id", "currency", "elements", "time_zone", "start_date_time", "end_date_time", "type",
        "tariff_alt_text", "country_code", "party_id", "last_updated",
    }  # fmt: skip
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidTariff(f"unknown field(s): {', '.join(unknown)[:80]}")
    document = dict(body)
    document.setdefault("time_zone", zone.key)
    return Tariff(tariff_id, str(currency), parsed, zone, valid_from, valid_until, document)
