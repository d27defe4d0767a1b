"""Table: limits, schedules, external limits and site trees the CSMS accepts or refuses with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_common.smart_charging.limits import (
    ExternalLimit,
    InvalidLimit,
    limit_at,
    parse_limit,
    parse_schedule,
)
from csms_common.smart_charging.sites import InvalidSite, Site, check_removal, check_tree, parse_site

T0 = datetime(2026, 1, 1, tzinfo=UTC)

REFUSED_LIMITS: list[tuple[Any, str]] = [
    ({"amps": 0}, "positive"),
    ({"amps": -5}, "positive"),
    ({"watts": -1, "phases": 3}, "positive"),
    ({"amps": 16, "watts": 3000}, "exactly one"),
    ({"phases": 3}, "exactly one"),
    ({"amps": 16, "phases": 2}, "phases"),
    ({"amps": "16"}, "number"),
    ({"amps": float("nan")}, "number"),
    ({"amps": 1e9}, "at most"),
    ({"amps": 16, "volts": 230}, "unknown"),
    ([16], "object"),
]


@pytest.mark.parametrize(("body", "reason"), REFUSED_LIMITS)
def test_refused_limits(body: Any, reason: str) -> None:
    with pytest.raises(InvalidLimit, match=reason):
        parse_limit(body)


def test_single_phase_watts() -> None:
    assert parse_limit({"watts": 7360, "phases": 1}).per_phase == pytest.approx((32.0, 0.0, 0.0))


def test_schedule_and_external_limit_in_force() -> None:
    static = parse_limit({"amps": 32})
    schedule = parse_schedule(
        [
            {"start": "2026-01-01T17:00:00Z", "limit": {"amps": 16}},
            {"start": "2026-01-01T21:00:00+00:00", "limit": {"amps": 24}},
        ]
    )
    external = ExternalLimit(parse_limit({"amps": 20}), T0 + timedelta(hours=18))
    expected = [(0, 20.0), (16.9, 20.0), (17, 16.0), (18, 16.0), (20.99, 16.0), (21, 24.0)]
    for hour, amps in expected:
        assert limit_at(static, schedule, external, T0 + timedelta(hours=hour)) == (amps, amps, amps), hour
    assert limit_at(static, schedule, None, T0) == (32.0, 32.0, 32.0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "list"),
        ([{"start": "2026-01-01T17:00:00", "limit": {"amps": 16}}], "time zone"),
        ([{"start": "2026-01-01T17:00:00Z", "limit": {"amps": 0}}], "positive"),
        (
            [
                {"start": "2026-01-01T17:00:00Z", "limit": {"amps": 16}},
                {"start": "2026-01-01T16:00:00Z", "limit": {"amps": 16}},
            ],
            "not after",
        ),
        ([{"start": "2026-01-01T17:00:00Z"}], "start, limit"),
    ],
)
def test_refused_schedules(body: Any, reason: str) -> None:
    with pytest.raises(InvalidLimit, match=reason):
        parse_schedule(body)


def tree(*sites: tuple[str, str | None]) -> dict[str, Site]:
    return {i: parse_site(i, {"limit": {"amps": 32}, **({"parent": p} if p else {})}) for i, p in sites}


def test_site_round_trip() -> None:
    body = {
        "name": "Depot",
        "limit": {"amps": 250, "phases": 3},
        "schedule": [{"start": "2026-01-01T17:00:00Z", "limit": {"watts": 69000, "phases": 3}}],
        "timeZone": "Europe/Berlin",
    }
    assert parse_site("depot", body).as_json() == {"id": "depot", **body}


@pytest.mark.parametrize(
    ("site_id", "body", "reason"),
    [
        ("bad id", {"limit": {"amps": 32}}, "site id"),
        ("a", {"name": "x"}, "limit is required"),
        ("a", {"limit": {"amps": 0}}, "positive"),
        ("a", {"limit": {"amps": 32}, "parent": "a"}, "own parent"),
        ("a", {"limit": {"amps": 32}, "timeZone": "Mars/Olympus"}, "timeZone"),
        ("a", {"limit": {"amps": 32}, "id": "b"}, "differs"),
        ("a", {"limit": {"amps": 32}, "colour": "red"}, "unknown"),
        ("a", {"limit": {"amps": 32}, "name": ""}, "name"),
    ],
)
def test_refused_sites(site_id: str, body: Any, reason: str) -> None:
    with pytest.raises(InvalidSite, match=reason):
        parse_site(site_id, body)


def test_tree_refuses_cycle_dangling_parent_depth_and_removal_of_a_parent() -> None:
    sites = tree(("root", None), ("a", "root"), ("b", "a"))
    with pytest.raises(InvalidSite, match="cycle"):
        check_tree(sites, parse_site("root", {"limit": {"amps": 32}, "parent": "b"}))
    with pytest.raises(InvalidSite, match="does not exist"):
        check_tree(sites, parse_site("c", {"limit": {"amps": 32}, "parent": "nowhere"}))
    check_tree(sites, parse_site("c", {"limit": {"amps": 32}, "parent": "b"}))
    deep = tree(*[(f"s{i}", f"s{i - 1}" if i else None) for i in range(8)])
    with pytest.raises(InvalidSite, match="deeper"):
        check_tree(deep, parse_site("s8", {"limit": {"amps": 32}, "parent": "s7"}))
    with pytest.raises(InvalidSite, match="deeper"):
        check_tree(
            {**deep, "top": parse_site("top", {"limit": {"amps": 32}})},
            parse_site("s0", {"limit": {"amps": 32}, "parent": "top"}),
        )
    with pytest.raises(InvalidSite, match="child sites"):
        check_removal(sites, "a")
    check_removal(sites, "b")


def test_at_most_max_sites() -> None:
    from csms_common.smart_charging.sites import MAX_SITES

    sites = {f"s{i}": parse_site(f"s{i}", {"limit": {"amps": 32}}) for i in range(MAX_SITES)}
    with pytest.raises(InvalidSite, match="at most"):
        check_tree(sites, parse_site("one-more", {"limit": {"amps": 32}}))
    check_tree(sites, parse_site("s0", {"limit": {"amps": 16}}))  # replacing one is not one more
