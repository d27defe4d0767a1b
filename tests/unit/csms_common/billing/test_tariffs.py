"""Table: tariffs the CSMS accepts, and those it refuses with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.billing.tariffs import MAX_ELEMENTS, InvalidTariff, parse_tariff


def element(price: Any = 0.30, dimension: str = "ENERGY", **restrictions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"price_components": [{"type": dimension, "price": price, "vat": 20}]}
    if restrictions:
        body["restrictions"] = restrictions
    return body


def tariff(*elements: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "t1", "currency": "EUR", "elements": list(elements) or [element()], **fields}


ACCEPTED = [
    ("plain", tariff()),
    ("day-and-night", tariff(element(0.4, start_time="06:00", end_time="22:00"), element(0.2))),
    (
        "weekdays-and-weekend",
        tariff(
            element(0.4, day_of_week=["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]),
            element(0.3, day_of_week=["SATURDAY", "SUNDAY"]),
        ),
    ),
    ("kwh-tiers-share-a-window", tariff(element(0.4, max_kwh=20), element(0.3, min_kwh=20))),
    ("power-tiers", tariff(element(0.6, min_power=50), element(0.3))),
    (
        "adjacent-windows",
        tariff(
            element(0.4, start_time="08:00", end_time="18:00"),
            element(0.3, start_time="18:00", end_time="08:00"),
        ),
    ),
    ("disjoint-dates", tariff(element(0.4, end_date="2025-06-01"), element(0.3, start_date="2025-06-01"))),
    ("different-dimensions", tariff(element(0.4), element(2.0, "PARKING_TIME"))),
    ("berlin", tariff(time_zone="Europe/Berlin")),
    ("price-as-text", tariff(element("0.2999"))),
]

REFUSED = [
    ("unknown-currency", tariff(currency="EUX"), "ISO 4217"),
    ("negative-price", tariff(element(-0.1)), "must not be negative"),
    ("non-numeric-price", tariff(element("cheap")), "must be a number"),
    ("infinite-price", tariff(element("Infinity")), "finite"),
    ("too-precise-price", tariff(element("0.1234567")), "decimals"),
    (
        "overlapping-hours",
        tariff(
            element(0.4, start_time="08:00", end_time="18:00"),
            element(0.3, start_time="17:00", end_time="20:00"),
        ),
        "overlapping time windows",
    ),
    (
        "overlap-across-midnight",
        tariff(
            element(0.4, start_time="22:00", end_time="06:00"),
            element(0.3, start_time="05:00", end_time="07:00"),
        ),
        "overlapping time windows",
    ),
    (
        "monday-overlaps-every-night",
        tariff(element(0.4, day_of_week=["MONDAY"]), element(0.3, start_time="00:00", end_time="06:00")),
        "overlapping time windows",
    ),
    (
        "dead-element",
        tariff(element(0.4), element(0.3, start_time="00:00", end_time="06:00")),
        "can never price",
    ),
    (
        "same-dimension-twice",
        tariff({"price_components": [{"type": "ENERGY", "price": 1}, {"type": "ENERGY", "price": 2}]}),
        "twice",
    ),
    (
        "vat-over-100",
        tariff({"price_components": [{"type": "ENERGY", "price": 1, "vat": 120}]}),
        "at most 100",
    ),
    (
        "step-size-zero",
        tariff({"price_components": [{"type": "ENERGY", "price": 1, "step_size": 0}]}),
        "step_size",
    ),
    (
        "unknown-dimension",
        tariff({"price_components": [{"type": "RESERVATION", "price": 1}]}),
        "type must be",
    ),
    ("bad-time", tariff(element(start_time="25:00", end_time="06:00")), "HH:MM"),
    ("half-window", tariff(element(start_time="22:00")), "go together"),
    ("empty-window", tariff(element(start_time="22:00", end_time="22:00")), "must differ"),
    ("bad-day", tariff(element(day_of_week=["MONDAY", "FUNDAY"])), "day_of_week"),
    ("min-above-max", tariff(element(min_kwh=20, max_kwh=10)), "minimum must be below"),
    ("current", tariff(element(min_current=16)), "min_current is not supported"),
    ("reservation", tariff(element(reservation="RESERVATION")), "reservation is not supported"),
    ("no-elements", tariff(elements=[]), "elements must list"),
    (
        "too-many-elements",
        {"id": "t", "currency": "EUR", "elements": [element()] * (MAX_ELEMENTS + 1)},
        "elements must list",
    ),
    ("bad-id", tariff(id="a b"), "id must be"),
    ("unknown-zone", tariff(time_zone="Mars/Olympus"), "IANA"),
    ("unknown-field", tariff(prices=[]), "unknown field"),
    (
        "validity-reversed",
        tariff(start_date_time="2025-02-01T00:00:00Z", end_date_time="2025-01-01T00:00:00Z"),
        "minimum must be below",
    ),
    ("naive-validity", tariff(start_date_time="2025-02-01T00:00:00"), "no time zone"),
    ("not-an-object", ["EUR"], "JSON object"),
]


@pytest.mark.parametrize(("name", "body"), ACCEPTED, ids=[name for name, _ in ACCEPTED])
def test_accepted(name: str, body: dict[str, Any]) -> None:
    parsed = parse_tariff(body)

    assert parsed.id == body["id"]
    assert parsed.document["time_zone"] == body.get("time_zone", "UTC")


@pytest.mark.parametrize(("name", "body", "reason"), REFUSED, ids=[name for name, _, _ in REFUSED])
def test_refused_with_the_reason(name: str, body: Any, reason: str) -> None:
    with pytest.raises(InvalidTariff) as refused:
        parse_tariff(body)

    print(f"{name}: {refused.value}")
    assert reason in str(refused.value)
