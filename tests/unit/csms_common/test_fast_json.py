"""fast_json: orjson's speed, the standard library's reach."""

from __future__ import annotations

import json
import math

import pytest

from csms_common import fast_json


@pytest.mark.parametrize(
    "value",
    [
        {"state": {"reported": {"meter": 1234.5, "evses": {"1": {"status": "Charging"}}}}, "version": 3},
        {"seqNo": 2**70},  # beyond orjson's 64 bits
        [1, "two", None, True, 21.4],
    ],
)
def test_round_trip(value: object) -> None:
    assert fast_json.loads(fast_json.dumps(value)) == value


def test_what_only_the_standard_library_writes_is_still_read() -> None:
    assert fast_json.loads(json.dumps({"big": 2**70})) == {"big": 2**70}
    assert math.isinf(fast_json.loads("Infinity"))


def test_non_string_keys_are_written_as_the_standard_library_writes_them() -> None:
    assert fast_json.loads(fast_json.dumps({1: "a"})) == {"1": "a"}


@pytest.mark.parametrize("text", [b"{", b"\xff", b"[1,]", b""])
def test_text_that_is_not_json_raises_value_error(text: bytes) -> None:
    with pytest.raises(ValueError):
        fast_json.loads(text)
