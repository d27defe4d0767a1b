"""Request bodies: nesting depth and id-token masking."""

from __future__ import annotations

import json

import pytest

from csms_api.blueprints.id_tokens import masked
from csms_api.bodies import MAX_JSON_DEPTH, nesting_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("{}", 1),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('[{"a": 1}, [[[]]]]', 4),
        ("[" * 100 + "]" * 100, 100),
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert nesting_depth(json.loads(text)) == depth


def test_ocpp_payloads_fit_the_limit() -> None:
    # SetChargingProfile, among the deepest 2.0.1 payloads: request > profile > schedules > schedule > periods > period.
    payload = {
        "evseId": 1,
        "chargingProfile": {
            "chargingSchedule": [{"chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}],
        },
    }
    assert nesting_depth(payload) == 6 < MAX_JSON_DEPTH


@pytest.mark.parametrize(
    ("value", "shown"),
    [("04A2B3C4D5E6F7", "****E6F7"), ("ABCDE", "****BCDE"), ("ABCD", "****"), ("", "****")],
)
def test_masked(value: str, shown: str) -> None:
    assert masked(value) == shown
