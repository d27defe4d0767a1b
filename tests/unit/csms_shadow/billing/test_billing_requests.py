"""Checks of billing requests that need no Redis: assignment targets and session pages."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.station_id import InvalidStationId
from csms_shadow.billing.billing_requests import _page, assignment_target


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("default", "default"),
        ("station:CP-1", "station:CP-1"),
        ("site:berlin", "site:berlin"),
        ("group:FLEET-A", "group:FLEET-A"),
    ],
)
def test_valid_targets(target: str, expected: str) -> None:
    assert assignment_target({"target": target}) == expected


@pytest.mark.parametrize("target", ["", "site:", "site:a b", "group:", "group:a b", None, 3])
def test_invalid_targets_are_refused(target: Any) -> None:
    with pytest.raises(ValueError, match="target must be"):
        assignment_target({"target": target})


def test_a_station_target_must_be_a_valid_station_id() -> None:
    with pytest.raises(InvalidStationId):
        assignment_target({"target": "station:a+b"})


@pytest.mark.parametrize(("body", "page"), [({}, (0, 50)), ({"cursor": "100", "limit": 200}, (100, 200))])
def test_pages(body: dict[str, Any], page: tuple[int, int]) -> None:
    assert _page(body) == page


@pytest.mark.parametrize(
    "body", [{"cursor": "-1"}, {"cursor": "x"}, {"limit": 0}, {"limit": 201}, {"limit": True}]
)
def test_bad_pages_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _page(body)
