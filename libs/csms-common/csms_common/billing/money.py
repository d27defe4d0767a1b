"""Exact amounts: rational arithmetic inside, rounded half up to the currency's minor unit once per line.

Rounding rules (documented in ``docs/billing.md``):

- Quantities and prices are exact (``Fraction``/``Decimal``) until a line's cost is known.
- A line's cost excluding VAT is ``billed quantity * price``, rounded half up to the currency's minor
  unit (EUR cents, JPY yen, KWD fils).
- A line's VAT is its rounded cost excluding VAT * rate / 100, rounded half up the same way.
- Totals are sums of rounded lines, so the breakdown always adds up to the total to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from csms_common.billing.currencies import MINOR_UNITS


def round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up (away from zero) to ``places`` decimals, exactly."""
    scale = 10**places
    scaled = abs(value) * scale
    rounded = int(scaled + Fraction(1, 2))
    sign = -1 if value < 0 else 1
    return (Decimal(sign * rounded) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def to_money(value: Fraction, currency: str) -> Decimal:
    return round_half_up(value, MINOR_UNITS[currency])


def amount(value: Decimal) -> float | int:
    """A rounded amount as a JSON number; the float prints back exactly the same decimals."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def wh_text(value: Fraction) -> str:
    """Watt-hours for a note: to the milliwatt-hour, without trailing zeros."""
    text = f"{round_half_up(value, 3):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
