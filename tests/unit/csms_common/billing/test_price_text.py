"""The one-line price shown to a driver as a 2.x transaction starts (updatedPersonalMessage)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from csms_common.billing.price_text import price_text
from csms_common.billing.tariffs import parse_tariff

DAY_NIGHT: dict[str, Any] = {
    "id": "dn",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": 0.50, "vat": 19}]},
        {
            "price_components": [{"type": "ENERGY", "price": 0.29, "vat": 19}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.39, "vat": 19},
                {"type": "PARKING_TIME", "price": 6, "vat": 19},
            ]
        },
    ],
}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 12:00 UTC is 13:00 in Berlin: day rate. 0.39 x 1.19 = 0.4641 -> 0.46; 6 x 1.19 = 7.14; 0.595 -> 0.60.
        (
            datetime(2025, 1, 14, 12, tzinfo=UTC),
            "0.46 EUR/kWh, 7.14 EUR/h parking, 0.60 EUR per session (VAT incl.)",
        ),
        # 21:30 UTC is 22:30 in Berlin: night rate. 0.29 x 1.19 = 0.3451 -> 0.35.
        (
            datetime(2025, 1, 14, 21, 30, tzinfo=UTC),
            "0.35 EUR/kWh, 7.14 EUR/h parking, 0.60 EUR per session (VAT incl.)",
        ),
    ],
)
def test_prices_now_with_vat(moment: datetime, expected: str) -> None:
    assert price_text(parse_tariff(DAY_NIGHT), moment) == expected


def test_the_operators_own_text_wins() -> None:
    tariff = parse_tariff(
        {**DAY_NIGHT, "tariff_alt_text": [{"language": "en", "text": "Day 0.46, night 0.35 EUR/kWh"}]}
    )
    assert price_text(tariff, datetime(2025, 1, 14, 12, tzinfo=UTC)) == "Day 0.46, night 0.35 EUR/kWh"


def test_a_tier_says_from() -> None:
    tariff = parse_tariff(
        {
            "id": "tiers",
            "currency": "EUR",
            "elements": [
                {
                    "price_components": [{"type": "ENERGY", "price": 0.5, "vat": 0}],
                    "restrictions": {"max_kwh": 20},
                },
                {"price_components": [{"type": "ENERGY", "price": 0.4, "vat": 0}]},
            ],
        }
    )
    assert price_text(tariff, datetime(2025, 1, 14, 12, tzinfo=UTC)) == "from 0.50 EUR/kWh (VAT incl.)"
