"""Which selectors the label index serves, and with which sets (pure)."""

from __future__ import annotations

from csms_common.labels import parse_selector
from csms_shadow.fleet.label_index import indexed_groups


def test_equality_and_in_requirements_use_the_index() -> None:
    assert indexed_groups(parse_selector("site=d1,model in (Y,X),tier!=gold")) == [
        [("site", "d1")],
        [("model", "X"), ("model", "Y")],
    ]


def test_selectors_without_equality_or_in_read_every_station() -> None:
    for selector in ("", "tier!=gold", "model notin (Z)", "beta", "!beta"):
        assert indexed_groups(parse_selector(selector)) is None, selector
