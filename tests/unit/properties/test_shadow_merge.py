"""Properties of the shadow merge: idempotent, null deletes, equal to a reference merge, metadata
consistent, inputs untouched (hypothesis; see inputs.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms_common.json_limits import SHADOW_MAX_NESTING
from csms_shadow.documents.document import InvalidShadowUpdate, empty_shadow, merge_reported, reported_of
from tests.unit.properties.inputs import deterministic, tried

# ------------------------------------------------------------------ shadow merge

T0 = 1_700_000_000
# Few keys, so that patches hit the same paths; "timestamp" as a key tests metadata's own word.
shadow_keys = st.sampled_from(["a", "b", "c", "evses", "1", "timestamp"])
shadow_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
# Values of a patch: null deletes, objects merge, anything else (arrays too) replaces.
patch_values = st.recursive(
    st.one_of(st.none(), shadow_scalars, st.lists(shadow_scalars | st.none(), max_size=3)),
    lambda children: st.one_of(
        st.dictionaries(shadow_keys, children, max_size=3),
        st.lists(children, max_size=2),
    ),
    max_leaves=8,
)
patches = st.dictionaries(shadow_keys, patch_values, max_size=4)


@st.composite
def shadows(draw: st.DrawFn) -> dict[str, Any]:
    """A shadow as the service builds it: registration's empty shadow, then merged patches over time."""
    shadow = empty_shadow(T0)
    for offset, patch in enumerate(draw(st.lists(patches, max_size=3)), start=1):
        shadow = merge_reported(shadow, patch, T0 + offset * 10)
    return shadow


def reference_merge(state: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """AWS IoT's rule, written independently: objects merge, null deletes, anything else replaces."""
    merged = copy.deepcopy(state)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            base = merged.get(key)
            merged[key] = reference_merge(base if isinstance(base, dict) else {}, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def reference_metadata(
    metadata: dict[str, Any], state: dict[str, Any], patch: dict[str, Any], now: int
) -> dict[str, Any]:
    """What the metadata must become: touched leaves get ``now``, untouched ones keep their time."""
    merged = copy.deepcopy(metadata)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            base_state = state.get(key)
            if isinstance(base_state, dict):
                base_metadata = merged.get(key)
                merged[key] = reference_metadata(
                    base_metadata if isinstance(base_metadata, dict) else {}, base_state, value, now
                )
            else:  # a leaf (or nothing) becoming an object starts fresh metadata
                merged[key] = reference_metadata({}, {}, value, now)
        else:
            merged[key] = {"timestamp": now}
    return merged


def assert_metadata_mirrors_state(state: dict[str, Any], metadata: dict[str, Any], path: str = "") -> None:
    """Invariant: metadata has the state's shape; every leaf of the state has a ``{"timestamp": t}``."""
    assert isinstance(metadata, dict), f"metadata at {path or '/'} is not an object"
    assert set(metadata) == set(state), (
        f"metadata keys at {path or '/'}: {sorted(metadata)} != {sorted(state)}"
    )
    for key, value in state.items():
        where = f"{path}/{key}"
        if isinstance(value, dict):
            assert_metadata_mirrors_state(value, metadata[key], where)
        else:
            leaf = metadata[key]
            assert isinstance(leaf, dict) and set(leaf) == {"timestamp"}, f"metadata at {where}: {leaf!r}"
            assert isinstance(leaf["timestamp"], int)


def leaf_paths(patch: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths of a patch's leaves (not nulls: those delete)."""
    for key, value in patch.items():
        if isinstance(value, dict):
            yield from leaf_paths(value, (*prefix, key))
        elif value is not None:
            yield (*prefix, key)


def at(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def without_version(shadow: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in shadow.items() if key != "version"}


@deterministic(40)
@given(shadows(), st.integers(min_value=T0 + 100, max_value=T0 + 10**6))
def test_merging_nothing_changes_only_version_and_timestamp(shadow: dict[str, Any], now: int) -> None:
    tried("merge {}")
    merged = merge_reported(shadow, {}, now)
    assert merged["state"] == shadow["state"]
    assert merged["metadata"] == shadow["metadata"]
    assert merged["version"] == shadow["version"] + 1
    assert merged["timestamp"] == now
    assert set(merged) == set(shadow)


@deterministic(60)
@given(shadows(), patches)
def test_merging_a_patch_twice_equals_merging_it_once(shadow: dict[str, Any], patch: dict[str, Any]) -> None:
    tried("merge is idempotent")
    now = T0 + 1000
    once = merge_reported(shadow, patch, now)
    twice = merge_reported(once, patch, now)
    assert without_version(twice) == without_version(once)
    assert twice["version"] == once["version"] + 1


@deterministic(40)
@given(shadows(), patches, st.lists(shadow_keys, min_size=1, max_size=3))
def test_null_deletes_the_key_and_its_metadata(
    shadow: dict[str, Any], patch: dict[str, Any], deleted: list[str]
) -> None:
    tried("null deletes")
    patch = {**patch, **dict.fromkeys(deleted)}
    merged = merge_reported(shadow, patch, T0 + 1000)
    for key in deleted:
        assert key not in merged["state"]["reported"]
        assert key not in merged["metadata"]["reported"]


@deterministic(80)
@given(shadows(), patches)
def test_merge_equals_the_reference_and_keeps_metadata_consistent(
    shadow: dict[str, Any], patch: dict[str, Any]
) -> None:
    tried("merge vs reference + metadata invariant")
    now = T0 + 1000
    before_state = shadow["state"]["reported"]
    merged = merge_reported(shadow, patch, now)
    state, metadata = merged["state"]["reported"], merged["metadata"]["reported"]
    assert state == reference_merge(before_state, patch)
    assert metadata == reference_metadata(shadow["metadata"]["reported"], before_state, patch, now)
    assert_metadata_mirrors_state(state, metadata)
    for path in leaf_paths(patch):
        assert at(metadata, path) == {"timestamp": now}, f"leaf {'/'.join(path)} not stamped with now"
    assert (merged["version"], merged["timestamp"]) == (shadow["version"] + 1, now)


@deterministic(40)
@given(shadows(), patches)
def test_merge_mutates_neither_its_inputs_nor_shares_objects_with_them(
    shadow: dict[str, Any], patch: dict[str, Any]
) -> None:
    tried("merge does not mutate")
    shadow_before, patch_before = copy.deepcopy(shadow), copy.deepcopy(patch)
    merged = merge_reported(shadow, patch, T0 + 1000)
    assert shadow == shadow_before
    assert patch == patch_before
    # Scribbling over the result must not reach back into the inputs.
    _scribble(merged)
    assert shadow == shadow_before
    assert patch == patch_before


def _scribble(value: Any) -> None:
    if isinstance(value, dict):
        for child in list(value.values()):
            _scribble(child)
        value["scribbled"] = True
    elif isinstance(value, list):
        for child in value:
            _scribble(child)
        value.append("scribbled")


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    return depth


def test_too_deep_patches_are_refused_and_the_deepest_allowed_one_merges() -> None:
    """Updates nesting deeper than SHADOW_MAX_NESTING are refused before any recursive step (copy, merge,
    serialise) could overflow; the deepest allowed one merges normally."""
    tried("deeply nested patch (regression)")

    def nested(levels: int) -> list[Any]:
        value: list[Any] = []
        for _ in range(levels - 1):
            value = [value]
        return value

    # reported (1) > lastMeterValue (2) > customData (3) > the arrays.
    deepest = SHADOW_MAX_NESTING - 3
    allowed = {"state": {"reported": {"lastMeterValue": {"customData": nested(deepest)}}}}
    merged = merge_reported(empty_shadow(T0), reported_of(allowed), T0 + 1)
    assert _depth(merged["state"]["reported"]["lastMeterValue"]["customData"]) == deepest - 1
    too_deep = {"state": {"reported": {"lastMeterValue": {"customData": nested(850)}}}}
    with pytest.raises(InvalidShadowUpdate, match=f"deeper than {SHADOW_MAX_NESTING} levels"):
        reported_of(too_deep)
