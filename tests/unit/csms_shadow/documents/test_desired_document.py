"""Desired state in the shadow document: AWS IoT merge, metadata, delta, and the managed-key checks."""

from __future__ import annotations

import pytest

from csms_shadow.documents.desired import (
    MAX_CONFIGURATION_KEYS,
    InvalidDesired,
    check_desired_document,
    check_desired_patch,
)
from csms_shadow.documents.document import (
    InvalidShadowUpdate,
    delta_of,
    empty_shadow,
    merge_desired,
    merge_reported,
    split_update,
    with_delta,
)

T0, T1, T2 = 1_700_000_000, 1_700_000_100, 1_700_000_200


def test_desired_merges_like_aws_with_its_own_metadata() -> None:
    shadow = merge_desired(empty_shadow(T0), {"configuration": {"A": "1", "B": "2"}}, T1)
    shadow = merge_desired(shadow, {"configuration": {"B": None, "C": "3"}}, T2)
    assert shadow["state"]["desired"] == {"configuration": {"A": "1", "C": "3"}}
    assert shadow["metadata"]["desired"] == {
        "configuration": {"A": {"timestamp": T1}, "C": {"timestamp": T2}}
    }
    assert shadow["state"]["reported"] == {}
    assert shadow["version"] == 3


def test_desired_null_key_and_empty_objects_disappear() -> None:
    shadow = merge_desired(empty_shadow(T0), {"configuration": {"A": "1"}}, T1)
    cleared = merge_desired(shadow, {"configuration": {"A": None}}, T2)
    assert "desired" not in cleared["state"]
    assert "desired" not in cleared["metadata"]


def test_clear_replaces_the_whole_desired_state() -> None:
    shadow = merge_desired(empty_shadow(T0), {"configuration": {"A": "1"}}, T1)
    assert "desired" not in merge_desired(shadow, {}, T2, clear=True)["state"]


def test_merge_desired_does_not_touch_its_input() -> None:
    original = empty_shadow(T0)
    merge_desired(original, {"configuration": {"A": "1"}}, T1)
    assert original == empty_shadow(T0)


def test_delta_lists_only_desired_leaves_that_differ() -> None:
    desired = {"configuration": {"A": "1", "B": "2", "C": "3"}, "availability": {"0": "Operative"}}
    reported = {"configuration": {"A": "1", "B": "x"}, "availability": {"0": "Operative"}, "other": 5}
    assert delta_of(desired, reported) == {"configuration": {"B": "2", "C": "3"}}
    assert delta_of(desired, desired) == {}
    assert delta_of(None, reported) == {}


def test_delta_compares_non_objects_whole() -> None:
    assert delta_of({"a": [1, 2]}, {"a": [1, 2]}) == {}
    assert delta_of({"a": [1, 2]}, {"a": [2, 1]}) == {"a": [1, 2]}
    assert delta_of({"a": {"b": "1"}}, {"a": "flat"}) == {"a": {"b": "1"}}


def test_with_delta_adds_state_delta_only_when_something_differs() -> None:
    shadow = merge_desired(empty_shadow(T0), {"configuration": {"A": "1"}}, T1)
    assert with_delta(shadow)["state"]["delta"] == {"configuration": {"A": "1"}}
    in_sync = merge_reported(shadow, {"configuration": {"A": "1"}}, T2)
    assert "delta" not in with_delta(in_sync)["state"]


def test_split_update_reads_reported_desired_or_both() -> None:
    assert split_update({"state": {"reported": {"a": 1}}}) == ({"a": 1}, None)
    assert split_update({"state": {"desired": {"a": 1}}}) == (None, {"a": 1})
    assert split_update({"state": {"desired": None}}) == (None, {})
    assert split_update({"state": {"reported": {"a": 1}, "desired": {"b": 2}}}) == ({"a": 1}, {"b": 2})
    bad_updates: list[object] = [{"state": {}}, {"state": {"delta": {}}}, {"state": {"desired": 3}}, []]
    for bad in bad_updates:
        with pytest.raises(InvalidShadowUpdate):
            split_update(bad)


def test_unmanaged_desired_key_is_named() -> None:
    with pytest.raises(InvalidDesired, match="'colour' is not managed"):
        check_desired_patch({"configuration": {"A": "1"}, "colour": "red"})


@pytest.mark.parametrize(
    ("patch", "named"),
    [
        ({"configuration": {"HeartbeatInterval": 300}}, "HeartbeatInterval"),
        ({"configuration": {"": "1"}}, "key ''"),
        ({"configuration": {"Key With Space": "1"}}, "Key With Space"),
        ({"configuration": {"K": "x" * 1001}}, "longer than 1000"),
        ({"configuration": ["A"]}, "configuration"),
        ({"availability": {"1": "Broken"}}, "availability '1'"),
        ({"availability": {"17": "Operative"}}, "'17'"),
        ({"availability": {"01": "Operative"}}, "'01'"),
        ({"availability": {"evse": "Operative"}}, "'evse'"),
    ],
)
def test_wrong_types_and_shapes_are_refused(patch: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidDesired, match=named):
        check_desired_patch(patch)


def test_nulls_and_managed_shapes_pass() -> None:
    check_desired_patch(
        {"configuration": {"A": "1", "B": None}, "availability": {"0": "Inoperative", "2": None}}
    )
    check_desired_patch({"configuration": None, "availability": None})


def test_the_merged_configuration_is_bounded() -> None:
    check_desired_document({"configuration": {f"K{i}": "v" for i in range(MAX_CONFIGURATION_KEYS)}})
    with pytest.raises(InvalidDesired, match="more than"):
        check_desired_document({"configuration": {f"K{i}": "v" for i in range(MAX_CONFIGURATION_KEYS + 1)}})


def test_fleet_standing() -> None:
    from csms_shadow.fleet.fleet_status import standing_of

    desired = {"configuration": {"A": "1", "B": "2"}}
    refused = {
        "configuration": {"A": "1"},
        "configurationStatus": {"B": {"status": "Rejected", "value": "2"}},
    }
    drifted = {
        "configuration": {"A": "1", "B": "0"},
        "configurationStatus": {"B": {"status": "Accepted", "value": "2"}},
    }
    in_sync = {"configuration": {"A": "1", "B": "2"}}
    shadow = {"state": {"desired": desired, "reported": refused}}
    assert standing_of(False, shadow).category == "failed"
    assert standing_of(True, shadow).reasons == {"configuration.B": "Rejected"}
    assert standing_of(True, {"state": {"desired": desired, "reported": drifted}}).category == "pending"
    assert standing_of(False, {"state": {"desired": desired, "reported": drifted}}).category == "offline"
    assert standing_of(False, {"state": {"desired": desired, "reported": in_sync}}).category == "inSync"
    assert standing_of(True, None).category == "inSync"
