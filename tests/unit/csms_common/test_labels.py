"""Station labels and Kubernetes label selectors."""

from __future__ import annotations

import pytest

from csms_common.labels import MAX_LABELS, InvalidLabels, InvalidSelector, merge_labels, parse_selector

DEPOT = {"site": "depot-1", "model": "X", "tier": "gold", "empty": ""}


def test_labels_merge_and_null_removes() -> None:
    assert merge_labels({"a": "1", "b": "2"}, {"b": None, "c": "3"}) == {"a": "1", "c": "3"}
    assert merge_labels(None, {"example.com/team": "ops", "empty": ""}) == {
        "example.com/team": "ops",
        "empty": "",
    }


@pytest.mark.parametrize(
    "patch",
    [
        {"bad key": "x"},
        {"-starts": "x"},
        {"k": "has space"},
        {"k": 3},
        {"k" * 64: "x"},
        {"k": "v" * 64},
        {"UPPER.example/k": "x"},
        {"/k": "x"},
    ],
)
def test_invalid_labels(patch: dict[str, object]) -> None:
    with pytest.raises(InvalidLabels):
        merge_labels({}, patch)


def test_label_count_is_bounded() -> None:
    merge_labels({}, {f"k{i}": "v" for i in range(MAX_LABELS)})
    with pytest.raises(InvalidLabels, match="at most"):
        merge_labels({f"k{i}": "v" for i in range(MAX_LABELS)}, {"one-more": "v"})


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("empty=", True),
        ("site=", False),
        ("site=depot-1", True),
        ("site==depot-1", True),
        ("site=depot-2", False),
        ("site!=depot-2", True),
        ("absent!=x", True),
        ("site=depot-1,model in (X,Y)", True),
        ("site = depot-1 , model in ( Y , Z )", False),
        ("model notin (Y,Z)", True),
        ("model notin (X)", False),
        ("absent notin (X)", True),
        ("tier", True),
        ("absent", False),
        ("!absent", True),
        ("!tier", False),
        ("site=depot-1,tier=gold,!beta,model in (X)", True),
    ],
)
def test_selectors_match_like_kubernetes(selector: str, matches: bool) -> None:
    assert parse_selector(selector).matches(DEPOT) is matches


def test_stations_without_labels() -> None:
    assert parse_selector("").matches(None)
    assert not parse_selector("site=depot-1").matches(None)
    assert parse_selector("!site").matches({})


@pytest.mark.parametrize(
    "selector",
    [
        "=x",
        "site in ()",
        "site in (a,(b))",
        "site in (a",
        "site)",
        "a,,b",
        "bad key=x",
        "k=v w",
        "k===v",
        "x" * 1025,
    ],
)
def test_selectors_that_do_not_parse(selector: str) -> None:
    with pytest.raises(InvalidSelector):
        parse_selector(selector)
