"""A tariff as one short line for the driver (2.x ``updatedPersonalMessage``): prices now, VAT included.

OCPI's ``tariff_alt_text`` wins when the tariff has one (the operator's own words). Otherwise, for each
dimension, the first element that prices it and whose time-of-day, day-of-week and date restrictions
hold now is shown; tiers by kWh, power or duration show their first tier ("from").
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from csms_common.billing.money import to_money
from csms_common.billing.tariffs import Dimension, Restrictions, Tariff

MAX_MESSAGE = 512
"""OCPP 2.0.1 MessageContentType.content is at most 512 characters."""
_UNITS = {Dimension.ENERGY: "/kWh", Dimension.TIME: "/h charging", Dimension.PARKING_TIME: "/h parking"}


def _calendar_holds(restrictions: Restrictions, local: datetime) -> bool:
    clock = local.time().replace(tzinfo=None)
    if restrictions.start_time is not None and restrictions.end_time is not None:
        low, high = restrictions.start_time, restrictions.end_time
        if not (low <= clock < high if low < high else (clock >= low or clock < high)):
            return False
    if restrictions.days is not None and local.weekday() not in restrictions.days:
        return False
    if restrictions.start_date is not None and local.date() < restrictions.start_date:
        return False
    return restrictions.end_date is None or local.date() < restrictions.end_date


def price_text(tariff: Tariff, now: datetime) -> str:
    alternatives = tariff.document.get("tariff_alt_text")
    if isinstance(alternatives, list):
        for alternative in alternatives:
            if (
                isinstance(alternative, dict)
                and isinstance(alternative.get("text"), str)
                and alternative["text"]
            ):
                return str(alternative["text"])[:MAX_MESSAGE]
    local = now.astimezone(tariff.time_zone)
    parts = []
    for dimension in (Dimension.ENERGY, Dimension.TIME, Dimension.PARKING_TIME, Dimension.FLAT):
        for element in tariff.elements:
            component = element.component(dimension)
            if component is None or not _calendar_holds(element.restrictions, local):
                continue
            gross = to_money(
                Fraction(component.price) * (1 + Fraction(component.vat or 0) / 100), tariff.currency
            )
            tiered = not element.restrictions.is_calendar_only
            unit = _UNITS.get(dimension, " per session")
            parts.append(f"{'from ' if tiered else ''}{gross} {tariff.currency}{unit}")
            break
    return (", ".join(parts) + " (VAT incl.)")[:MAX_MESSAGE] if parts else ""
