"""The item limit of json_problem: a frame's size in items bounds what it makes a service compute."""

from __future__ import annotations

import json
import time

from csms_common.json_limits import MAX_ITEMS, json_problem
from csms_common.ocpp.errors import ErrorKind
from csms_common.ocpp.frames import FrameError, parse_frame


def test_items_up_to_the_limit_pass_and_one_more_is_refused() -> None:
    # The outer list is one item, each object one more.
    assert json_problem([{}] * (MAX_ITEMS - 1)) is None
    assert (
        json_problem([{}] * MAX_ITEMS) == f"holds more than {MAX_ITEMS} objects, arrays and decimal numbers"
    )


def test_strings_and_integers_are_not_items() -> None:
    assert json_problem([1] * (MAX_ITEMS * 2) + ["x"] * MAX_ITEMS) is None


def test_decimal_numbers_are_items() -> None:
    assert json_problem([1.5] * MAX_ITEMS) is not None


def test_a_frame_of_many_empty_objects_is_refused_as_format_violation() -> None:
    text = json.dumps([2, "m1", "MeterValues", {"evseId": 1, "meterValue": [{}] * 300_000}])
    try:
        parse_frame(text)
    except FrameError as error:
        assert error.kind is ErrorKind.FORMAT_VIOLATION
        assert "holds more than" in error.description
    else:
        raise AssertionError("the frame was accepted")


def test_the_check_stops_at_the_limit() -> None:
    """300,000 empty objects: the check costs what MAX_ITEMS of them cost, not what all of them do
    (compared within the test, so a loaded machine slows both alike)."""
    decoded = json.loads(json.dumps([{}] * 300_000))
    started = time.perf_counter()
    assert json_problem(decoded, max_items=10**9) is None
    whole = time.perf_counter() - started
    started = time.perf_counter()
    assert json_problem(decoded) is not None
    limited = time.perf_counter() - started
    assert limited < whole / 5
