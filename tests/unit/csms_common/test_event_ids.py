"""Event ids (Redis stream ids) and type filters."""

from __future__ import annotations

import pytest

from csms_common.events import (
    EVENT_TYPES,
    InvalidEventId,
    event_types_filter,
    format_event_id,
    matches,
    parse_event_id,
)


def test_ids_parse_and_order() -> None:
    assert parse_event_id("1700000000000-3") == (1700000000000, 3)
    assert parse_event_id("1700000000000") == (1700000000000, 0)
    assert parse_event_id("0") == (0, 0)
    assert format_event_id((5, 1)) == "5-1"
    assert parse_event_id("9-0") < parse_event_id("10-0")  # numerically, not as text


@pytest.mark.parametrize(
    "text", ["", "abc", "-1", "1-", "1-2-3", "01-0", "1 -0", "1-0x", "9" * 21, "18446744073709551616-0"]
)
def test_malformed_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidEventId):
        parse_event_id(text)


def test_type_filters() -> None:
    assert event_types_filter(None) == ()
    assert event_types_filter(["station.connected", "station.connected"]) == ("station.connected",)
    with pytest.raises(ValueError, match="unknown"):
        event_types_filter(["station.exploded"])
    with pytest.raises(ValueError, match="at most"):
        event_types_filter(["station.connected"] * 33)
    with pytest.raises(ValueError, match="list"):
        event_types_filter("station.connected")
    assert "session.completed" in EVENT_TYPES


def test_matches() -> None:
    event = {"type": "station.connected", "chargePointId": "CP1"}
    assert matches(event, (), None)
    assert matches(event, ("station.connected",), "CP1")
    assert not matches(event, ("station.booted",), None)
    assert not matches(event, (), "CP2")
