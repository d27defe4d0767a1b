"""Timestamps: UTC, milliseconds, Z suffix."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from csms_common.clock import iso_z, utc_now, utc_now_iso

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2023, 12, 1, 10, 0, 0, tzinfo=UTC), "2023-12-01T10:00:00.000Z"),
        (datetime(2023, 12, 1, 10, 0, 0, 123456, tzinfo=UTC), "2023-12-01T10:00:00.123Z"),
        (datetime(2023, 12, 1, 10, 0, 0, 999999, tzinfo=UTC), "2023-12-01T10:00:00.999Z"),  # truncated
        (datetime(2023, 12, 1, 10, 0, 0, 1000, tzinfo=UTC), "2023-12-01T10:00:00.001Z"),
        (datetime(2023, 12, 1, 10, 0, 0, 999, tzinfo=UTC), "2023-12-01T10:00:00.000Z"),
        (datetime(2024, 2, 29, 23, 59, 59, 500000, tzinfo=UTC), "2024-02-29T23:59:59.500Z"),
        (
            datetime(2023, 12, 1, 11, 30, 0, 42000, tzinfo=timezone(timedelta(hours=1, minutes=30))),
            "2023-12-01T10:00:00.042Z",
        ),
        (datetime(2023, 12, 31, 20, 0, 0, tzinfo=timezone(timedelta(hours=-5))), "2024-01-01T01:00:00.000Z"),
    ],
)
def test_iso_z(moment: datetime, expected: str) -> None:
    assert iso_z(moment) == expected


def test_utc_now_is_aware_utc() -> None:
    now = utc_now()
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_utc_now_iso_format() -> None:
    text = utc_now_iso()
    assert ISO_Z.fullmatch(text), text
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 5
