"""The CLI's command-line words as API bodies: ``csms fleet desire`` settings, ``csms sites put`` limits."""

from __future__ import annotations

import pytest

from csms_sdk.cli.arguments import desired_state, key_value, limit_text, site_limit


def test_key_value_keeps_equals_signs_in_the_value() -> None:
    assert key_value("HeartbeatInterval=60") == ("HeartbeatInterval", "60")
    assert key_value("OCPPCommCtrlr.Url=wss://a/b?x=1") == ("OCPPCommCtrlr.Url", "wss://a/b?x=1")
    assert key_value("Empty=") == ("Empty", "")
    for word in ("NoEquals", "=value"):
        with pytest.raises(ValueError):
            key_value(word)


def test_desired_state_sets_unsets_and_availabilities() -> None:
    assert desired_state(["HeartbeatInterval=60"], ["MeterValueSampleInterval"], ["1=Inoperative"]) == {
        "configuration": {"HeartbeatInterval": "60", "MeterValueSampleInterval": None},
        "availability": {"1": "Inoperative"},
    }
    assert desired_state([], [], ["0=Operative"]) == {"availability": {"0": "Operative"}}


@pytest.mark.parametrize(
    ("settings", "unset", "availability"),
    [([], [], []), (["A=1"], ["A"], []), ([], [], ["1=Broken"]), (["novalue"], [], [])],
)
def test_desired_state_refuses(settings: list[str], unset: list[str], availability: list[str]) -> None:
    with pytest.raises(ValueError):
        desired_state(settings, unset, availability)


def test_site_limit_is_amps_or_watts() -> None:
    assert site_limit(63, None, 3) == {"amps": 63, "phases": 3}
    assert site_limit(None, 22000, None) == {"watts": 22000}
    for amps, watts in ((None, None), (16, 11000)):
        with pytest.raises(ValueError):
            site_limit(amps, watts, None)
    assert limit_text({"amps": 63.0, "phases": 3}) == "63 A x3"
    assert limit_text({"watts": 22000}) == "22000 W"
    assert limit_text(None) == "-"
