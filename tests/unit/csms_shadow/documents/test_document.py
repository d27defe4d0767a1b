"""Shadow documents: AWS-style merge of reported state, metadata timestamps and versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from csms_shadow.documents.document import InvalidShadowUpdate, empty_shadow, merge_reported, reported_of

T0, T1, T2 = 1_700_000_000, 1_700_000_100, 1_700_000_200


def test_empty_shadow() -> None:
    assert empty_shadow(T0) == {
        "state": {"reported": {}},
        "metadata": {"reported": {}},
        "version": 1,
        "timestamp": T0,
    }


def test_merge_into_empty_shadow() -> None:
    merged = merge_reported(empty_shadow(T0), {"a": 1, "b": {"c": "x", "d": [1, 2]}}, T1)
    assert merged == {
        "state": {"reported": {"a": 1, "b": {"c": "x", "d": [1, 2]}}},
        "metadata": {
            "reported": {"a": {"timestamp": T1}, "b": {"c": {"timestamp": T1}, "d": {"timestamp": T1}}}
        },
        "version": 2,
        "timestamp": T1,
    }


def test_nested_objects_merge_key_by_key() -> None:
    first = merge_reported(empty_shadow(T0), {"evses": {"1": {"status": "Available", "power": 0}}}, T1)
    second = merge_reported(first, {"evses": {"1": {"status": "Occupied"}, "2": {"status": "Faulted"}}}, T2)
    assert second["state"]["reported"] == {
        "evses": {"1": {"status": "Occupied", "power": 0}, "2": {"status": "Faulted"}}
    }
    assert second["metadata"]["reported"] == {
        "evses": {
            "1": {"status": {"timestamp": T2}, "power": {"timestamp": T1}},
            "2": {"status": {"timestamp": T2}},
        }
    }
    assert (second["version"], second["timestamp"]) == (3, T2)


def test_null_deletes_a_key_and_its_metadata() -> None:
    first = merge_reported(empty_shadow(T0), {"a": 1, "b": {"c": 1, "d": 2}, "keep": True}, T1)
    second = merge_reported(first, {"a": None, "b": {"c": None}, "missing": None}, T2)
    assert second["state"]["reported"] == {"b": {"d": 2}, "keep": True}
    assert second["metadata"]["reported"] == {"b": {"d": {"timestamp": T1}}, "keep": {"timestamp": T1}}


def test_null_deletes_a_whole_object() -> None:
    first = merge_reported(empty_shadow(T0), {"activeTransaction": {"id": "tx", "meter": 5}, "x": 1}, T1)
    second = merge_reported(first, {"activeTransaction": None}, T2)
    assert second["state"]["reported"] == {"x": 1}
    assert second["metadata"]["reported"] == {"x": {"timestamp": T1}}


def test_arrays_replace_instead_of_merging() -> None:
    first = merge_reported(empty_shadow(T0), {"list": [1, 2, 3], "objects": [{"a": 1}]}, T1)
    second = merge_reported(first, {"list": [4], "objects": [{"b": 2}]}, T2)
    assert second["state"]["reported"] == {"list": [4], "objects": [{"b": 2}]}
    assert second["metadata"]["reported"] == {"list": {"timestamp": T2}, "objects": {"timestamp": T2}}


@pytest.mark.parametrize(
    ("before", "patch", "state", "metadata"),
    [
        # a scalar replaces an object
        ({"a": {"b": 1}}, {"a": 5}, {"a": 5}, {"a": {"timestamp": T2}}),
        # an object replaces a scalar
        ({"a": 5}, {"a": {"b": 1}}, {"a": {"b": 1}}, {"a": {"b": {"timestamp": T2}}}),
        # an array replaces an object
        ({"a": {"b": 1}}, {"a": [1]}, {"a": [1]}, {"a": {"timestamp": T2}}),
        # an object replaces an array
        ({"a": [1]}, {"a": {"b": 1}}, {"a": {"b": 1}}, {"a": {"b": {"timestamp": T2}}}),
        # falsy values other than null are kept
        ({"a": 1}, {"a": 0, "b": False, "c": "", "d": []}, {"a": 0, "b": False, "c": "", "d": []}, None),
    ],
)
def test_replacing_values_of_another_kind(
    before: dict[str, Any], patch: dict[str, Any], state: dict[str, Any], metadata: dict[str, Any] | None
) -> None:
    merged = merge_reported(merge_reported(empty_shadow(T0), before, T1), patch, T2)
    assert merged["state"]["reported"] == state
    if metadata is not None:
        assert merged["metadata"]["reported"] == metadata
    else:
        assert merged["metadata"]["reported"] == {key: {"timestamp": T2} for key in state}


def test_merge_does_not_touch_its_inputs() -> None:
    shadow = merge_reported(empty_shadow(T0), {"a": {"b": [1]}}, T1)
    patch: dict[str, Any] = {"a": {"b": [2], "c": {"d": [3]}}}
    shadow_before, patch_before = copy.deepcopy(shadow), copy.deepcopy(patch)
    merged = merge_reported(shadow, patch, T2)
    assert shadow == shadow_before
    assert patch == patch_before
    # Nothing is shared: changing the result changes neither input.
    merged["state"]["reported"]["a"]["b"].append(9)
    merged["state"]["reported"]["a"]["c"]["d"].append(9)
    assert shadow == shadow_before
    assert patch == patch_before


@pytest.mark.parametrize(
    ("shadow", "version"),
    [
        ({"state": {"reported": {}}, "version": 7}, 8),
        ({"state": {"reported": {}}}, 1),
        ({}, 1),
        ({"version": "4"}, 5),
    ],
)
def test_version_is_incremented(shadow: dict[str, Any], version: int) -> None:
    merged = merge_reported(shadow, {"a": 1}, T1)
    assert merged["version"] == version
    assert merged["timestamp"] == T1
    assert merged["state"]["reported"] == {"a": 1}
    assert merged["metadata"]["reported"] == {"a": {"timestamp": T1}}


def test_an_empty_update_still_bumps_version_and_timestamp() -> None:
    merged = merge_reported(merge_reported(empty_shadow(T0), {"a": 1}, T1), {}, T2)
    assert merged["state"]["reported"] == {"a": 1}
    assert merged["metadata"]["reported"] == {"a": {"timestamp": T1}}
    assert (merged["version"], merged["timestamp"]) == (3, T2)


def test_other_top_level_keys_are_kept() -> None:
    shadow = {**empty_shadow(T0), "clientToken": "abc"}
    assert merge_reported(shadow, {"a": 1}, T1)["clientToken"] == "abc"


def test_metadata_of_an_object_with_a_timestamp_property_is_merged() -> None:
    # StatusNotification reports connectors as {"status": ..., "timestamp": ...}.
    first = merge_reported(empty_shadow(T0), {"c": {"status": "Available", "timestamp": "t", "x": 1}}, T1)
    second = merge_reported(first, {"c": {"status": "Occupied"}}, T2)
    assert second["state"]["reported"] == {"c": {"status": "Occupied", "timestamp": "t", "x": 1}}
    assert second["metadata"]["reported"] == {
        "c": {"status": {"timestamp": T2}, "timestamp": {"timestamp": T1}, "x": {"timestamp": T1}}
    }


@pytest.mark.parametrize(
    "update",
    [
        {"state": {"reported": {"a": 1}}},
        {"state": {"reported": {}}},
        {"state": {"reported": {"a": None}}, "clientToken": "x"},
    ],
)
def test_reported_of_returns_the_reported_object(update: dict[str, Any]) -> None:
    assert reported_of(update) is update["state"]["reported"]


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (None, "update must be a JSON object"),
        ([], "update must be a JSON object"),
        ("{}", "update must be a JSON object"),
        ({}, "update must have a 'state' object"),
        ({"state": None}, "update must have a 'state' object"),
        ({"state": []}, "update must have a 'state' object"),
        ({"state": {}}, "update must have a 'state.reported' object"),
        ({"state": {"reported": None}}, "update must have a 'state.reported' object"),
        ({"state": {"reported": [1]}}, "update must have a 'state.reported' object"),
        ({"state": {"desired": {}}}, "only 'reported' state is supported, got ['desired']"),
        (
            {"state": {"reported": {}, "desired": {}, "delta": {}}},
            "only 'reported' state is supported, got ['delta', 'desired']",
        ),
    ],
)
def test_reported_of_errors(update: Any, message: str) -> None:
    with pytest.raises(InvalidShadowUpdate) as raised:
        reported_of(update)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_in_place_merge_equals_the_copying_merge() -> None:
    import copy as copy_module

    from csms_shadow.documents.document import empty_shadow, merge_reported

    shadow = merge_reported(empty_shadow(1), {"a": {"b": 1, "c": [1, 2]}, "d": "x"}, 2)
    patch = {"a": {"b": None, "e": {"f": True}}, "g": [3]}
    expected = merge_reported(shadow, patch, 3)
    mine = copy_module.deepcopy(shadow)
    merged = merge_reported(mine, copy_module.deepcopy(patch), 3, in_place=True)
    assert merged == expected
    assert merged is mine
