"""Property-based tests (hypothesis) of the pure parts that read untrusted input.

Every property runs a fixed number of generated inputs with ``derandomize=True``
and no example database, so a CI run tries exactly the same inputs every time.
The number of inputs each property tried is printed when the module finishes
(``pytest -s`` shows it).
"""

from __future__ import annotations

import copy
import json
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from csms_common import topics
from csms_common.json_limits import SHADOW_MAX_NESTING
from csms_common.ocpp.errors import ErrorKind
from csms_common.ocpp.frames import (
    CALL,
    CALL_ERROR,
    CALL_RESULT,
    MAX_MESSAGE_ID_LENGTH,
    UNKNOWN_MESSAGE_ID,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    parse_frame,
)
from csms_common.station_id import (
    MAX_STATION_ID_LENGTH,
    InvalidStationId,
    station_id_from_path,
    validate_station_id,
)
from csms_gateway.frame_verdict import FrameHeader, read_header
from csms_shadow.documents.document import InvalidShadowUpdate, empty_shadow, merge_reported, reported_of

# --------------------------------------------------------------------------- set-up

TRIED: Counter[str] = Counter()
"""Inputs each property was called with (hypothesis may call a body more often than max_examples)."""


def deterministic(max_examples: int) -> settings:
    """Reproducible in CI: same inputs every run, nothing read from or written to a database."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    width = max((len(name) for name in TRIED), default=0)
    print(f"\nproperties: {total} inputs tried in {len(TRIED)} properties")
    for name, count in sorted(TRIED.items()):
        print(f"  {name:<{width}}  {count:>6}")


def tried(name: str) -> None:
    TRIED[name] += 1


# ----------------------------------------------------------------------- strategies

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=6), children, max_size=3),
    ),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=3)

message_ids = st.text(min_size=1, max_size=MAX_MESSAGE_ID_LENGTH)
actions = st.one_of(
    st.sampled_from(["Heartbeat", "BootNotification", "StatusNotification", "DataTransfer", "Reset"]),
    st.text(min_size=1, max_size=30),
)

valid_frames: st.SearchStrategy[Frame] = st.one_of(
    st.builds(Call, message_ids, actions, json_objects),
    st.builds(CallResult, message_ids, json_objects),
    st.builds(CallError, message_ids, st.text(max_size=30), st.text(max_size=60), json_objects),
)

# Arrays that look like frames: right and wrong types, ids and lengths in every combination.
message_types = st.one_of(
    st.sampled_from([CALL, CALL_RESULT, CALL_ERROR]),
    st.sampled_from([0, 1, 5, -2, 2.0, 3.0, True, False, "2", None, [2], {"t": 2}]),
    st.integers(min_value=-(10**30), max_value=10**30),
)
frame_ids = st.one_of(
    message_ids,
    st.just(""),
    st.text(min_size=MAX_MESSAGE_ID_LENGTH + 1, max_size=60),
    json_values,
)
frame_like_arrays = st.one_of(
    st.tuples(message_types, frame_ids, st.lists(json_values, max_size=3)).map(
        lambda parts: [parts[0], parts[1], *parts[2]]
    ),
    st.lists(json_values, max_size=2),
    st.tuples(st.sampled_from([CALL, CALL_RESULT, CALL_ERROR]), message_ids, json_values, json_values).map(
        list
    ),
    st.tuples(st.just(CALL), message_ids, actions, st.one_of(json_objects, json_values)).map(list),
    st.tuples(st.just(CALL_ERROR), message_ids, st.text(max_size=9), st.text(max_size=9), json_objects).map(
        list
    ),
)


def _encode(value: Any, draw_style: int) -> str:
    if draw_style == 0:
        return json.dumps(value)
    if draw_style == 1:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, indent=1)


json_texts = st.one_of(
    st.builds(_encode, frame_like_arrays, st.integers(0, 2)),
    st.builds(_encode, json_values, st.integers(0, 2)),
)


def _nested(depth: int, kind: int) -> str:
    if kind == 0:
        return "[" * depth + "]" * depth
    if kind == 1:
        return '{"a":' * depth + "1" + "}" * depth
    if kind == 2:  # an unterminated nesting
        return "[" * depth
    # nesting inside a well-formed Call's payload
    return '[2,"deep","DataTransfer",{"vendorId":"v","data":' + "[" * depth + "]" * depth + "}]"


deeply_nested = st.builds(_nested, st.integers(min_value=1, max_value=100_000), st.integers(0, 3))


def _number_text(digits: int, form: int) -> str:
    number = "9" * digits
    if form == 0:
        return number
    if form == 1:
        return "-" + number
    if form == 2:
        return f"1e{number[:12]}"
    return f"0.{number}e-{number[:12]}"


huge_numbers = st.builds(_number_text, st.integers(min_value=1, max_value=20_000), st.integers(0, 3))
frames_with_huge_numbers = st.builds(
    lambda number, slot: [
        f"[{number}]",
        f'[2,"n1","Heartbeat",{{"x":{number}}}]',
        f'[2,{number},"Heartbeat",{{}}]',
        f'[{number},"n2","Heartbeat",{{}}]',
        f'[3,"n3",{{"v":{number}}}]',
    ][slot],
    huge_numbers,
    st.integers(0, 4),
)

any_text = st.one_of(
    st.text(),
    st.text(alphabet='[]{}",:0123456789-.eE \\tnulrfs234', max_size=60),
    json_texts,
    deeply_nested,
    huge_numbers,
    frames_with_huge_numbers,
)


# ---------------------------------------------------------------- frame parser


def _check_parse_outcome(raw: str | bytes) -> Frame | FrameError:
    """parse_frame returns a frame or raises FrameError, nothing else; check what it says."""
    try:
        frame = parse_frame(raw)
    except FrameError as error:
        assert isinstance(error.kind, ErrorKind)
        assert isinstance(error.description, str) and error.description
        assert error.message_type in (None, CALL, CALL_RESULT, CALL_ERROR)
        if error.message_id != UNKNOWN_MESSAGE_ID:
            # Not the placeholder: then it is the frame's own id, read from the input.
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            decoded = json.loads(text)
            assert isinstance(decoded, list) and len(decoded) > 1
            assert decoded[1] == error.message_id
            assert 1 <= len(error.message_id) <= MAX_MESSAGE_ID_LENGTH
        return error
    assert isinstance(frame, Call | CallResult | CallError)
    assert isinstance(frame.message_id, str) and 1 <= len(frame.message_id) <= MAX_MESSAGE_ID_LENGTH
    if isinstance(frame, Call):
        assert isinstance(frame.action, str) and frame.action
        assert isinstance(frame.payload, dict)
    elif isinstance(frame, CallResult):
        assert isinstance(frame.payload, dict)
    else:
        assert isinstance(frame.error_code, str) and isinstance(frame.description, str)
        assert isinstance(frame.details, dict)
    return frame


@deterministic(180)
@given(any_text)
@example("")
@example("[]")
@example('[2,"' + "x" * 37 + '","Heartbeat",{}]')
@example("[NaN]")
@example('[2,"m",Infinity,{}]')
def test_parse_frame_text_returns_a_frame_or_raises_frame_error(text: str) -> None:
    tried("parse_frame(text)")
    _check_parse_outcome(text)


@deterministic(80)
@given(
    st.one_of(
        st.binary(max_size=200),
        json_texts.map(lambda text: text.encode("utf-8")),
        st.builds(lambda text, junk: text.encode() + junk, json_texts, st.binary(min_size=1, max_size=4)),
    )
)
@example(b"\xff\xfe")
@example(b'[2,"m","Heartbeat",{"a":"\xc3"}]')
@example(b'[2,"\xed\xa0\x80","Heartbeat",{}]')  # an encoded surrogate is not UTF-8
def test_parse_frame_bytes_returns_a_frame_or_raises_frame_error(raw: bytes) -> None:
    tried("parse_frame(bytes)")
    _check_parse_outcome(raw)


@deterministic(80)
@given(valid_frames)
def test_valid_frames_round_trip_exactly(frame: Frame) -> None:
    tried("round trip of generated frames")
    text = frame.to_json()
    parsed = parse_frame(text)
    assert parsed == frame
    assert type(parsed) is type(frame)
    assert parsed.to_json() == text
    assert parse_frame(text.encode("utf-8")) == frame


@deterministic(80)
@given(json_texts)
def test_whatever_parses_reserializes_to_the_same_frame(text: str) -> None:
    tried("re-serialisation of parsed frames")
    outcome = _check_parse_outcome(text)
    if isinstance(outcome, FrameError):
        return
    again = outcome.to_json()
    json.loads(again, parse_constant=_refuse_constant)  # strict JSON: no NaN/Infinity
    assert parse_frame(again) == outcome


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@deterministic(30)
@given(deeply_nested)
@example("[" * 10_000 + "]" * 10_000)
@example('{"a":' * 10_000 + "1" + "}" * 10_000)
def test_deep_nesting_never_crashes(text: str) -> None:
    tried("deep nesting")
    outcome = _check_parse_outcome(text)
    if isinstance(outcome, FrameError) and text.startswith("[" * 2000):
        assert outcome.kind is ErrorKind.FORMAT_VIOLATION


@deterministic(30)
@given(frames_with_huge_numbers)
@example("[" + "9" * 5000 + "]")
@example('[2,"m","Heartbeat",{"x":' + "9" * 5000 + "}]")
def test_huge_numbers_never_crash(text: str) -> None:
    tried("huge numbers")
    _check_parse_outcome(text)


def test_overflowing_numbers_do_not_become_infinity() -> None:
    tried("overflowing numbers (regression)")
    text = '[2,"m","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2024-01-01T00:00:00Z",'
    text += '"sampledValue":[{"value":1e400}]}]}]'
    try:
        frame = parse_frame(text)
    except FrameError:
        return  # refusing the frame is fine
    json.loads(frame.to_json(), parse_constant=_refuse_constant)


# --------------------------------------------------------------- gateway header


@deterministic(150)
@given(any_text)
@example("[2]")
@example('[2,"m"]')
@example('[2,"m",1]')
@example('[true,"m","Heartbeat",{}]')
def test_read_header_never_raises(text: str) -> None:
    tried("read_header")
    header = read_header(text)
    assert header is None or isinstance(header, FrameHeader)


@deterministic(80)
@given(st.one_of(json_texts, valid_frames.map(lambda frame: frame.to_json())))
def test_read_header_agrees_with_parse_frame(text: str) -> None:
    """The gateway's quick look (retransmissions, answers) sees the same id and action as the handler."""
    tried("read_header agrees with parse_frame")
    try:
        frame = parse_frame(text)
    except FrameError:
        return
    header = read_header(text)
    assert header is not None
    assert header.message_id == frame.message_id
    if isinstance(frame, Call):
        assert (header.message_type, header.action) == (CALL, frame.action)
    else:
        expected = CALL_RESULT if isinstance(frame, CallResult) else CALL_ERROR
        assert (header.message_type, header.action) == (expected, None)


# ------------------------------------------------------------------- station ids

_TRICKY_CHARACTERS = list("+#/\\$.%? \t\n\r\x00\x1f\x7f\x85\xa0\u2028\u200b\ufeff\ue000éü€😀-_:@~")
station_id_candidates = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(_TRICKY_CHARACTERS), st.characters(min_codepoint=0x21, max_codepoint=0x7E)
        ),
        max_size=60,
    ),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=50),
    st.text(alphabet="abc.$", min_size=1, max_size=6),
)


def forbidden_reason(candidate: str) -> str | None:
    """The README's rule, written independently: why ``candidate`` is not a station id (None: it is)."""
    if not 1 <= len(candidate) <= MAX_STATION_ID_LENGTH:
        return "length"
    if candidate.startswith("$"):
        return "leading $"
    if ".." in candidate:
        return ".."
    for character in candidate:
        if character in "+#/\\":
            return f"{character!r}"
        if character.isspace():
            return "whitespace"
        if unicodedata.category(character)[0] == "C":  # control, format, surrogate, private, unassigned
            return "control character"
    return None


@deterministic(250)
@given(station_id_candidates)
@example("x" * 48)
@example("x" * 49)
@example("$x")
@example("x$")
@example("a..b")
@example("a.b")
@example("a\u200bb")
def test_station_id_is_accepted_exactly_when_nothing_forbidden_is_in_it(candidate: str) -> None:
    tried("validate_station_id")
    reason = forbidden_reason(candidate)
    try:
        accepted = validate_station_id(candidate)
    except InvalidStationId:
        assert reason is not None, f"{candidate!r} refused although nothing forbidden is in it"
        return
    assert reason is None, f"{candidate!r} accepted although it has a forbidden {reason}"
    assert accepted == candidate
    assert 1 <= len(accepted) <= MAX_STATION_ID_LENGTH
    assert not any(c in "+#/\\" or c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in accepted)
    assert ".." not in accepted and not accepted.startswith("$")


@deterministic(100)
@given(station_id_candidates.filter(lambda candidate: forbidden_reason(candidate) is None))
def test_an_accepted_id_makes_well_formed_topics_and_paths(station_id: str) -> None:
    tried("topics and paths of accepted ids")
    inbound = topics.station_in(station_id)
    assert inbound.split("/") == [station_id, "in"]
    assert topics.station_out(station_id).split("/") == [station_id, "out"]
    assert topics.station_from_station_topic(inbound) == station_id
    assert topics.shadow_update(station_id).split("/") == ["$aws", "things", station_id, "shadow", "update"]
    assert topics.station_from_shadow_topic(topics.shadow_update(station_id)) == station_id
    for topic in (inbound, topics.station_control(station_id), topics.shadow_get(station_id)):
        assert "+" not in topic and "#" not in topic
    encoded = urllib.parse.quote(station_id, safe="")
    assert station_id_from_path("/" + encoded) == station_id
    assert station_id_from_path("/" + encoded + "?x=1&y=%2F") == station_id


@deterministic(120)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="/%?abc0123456789ABCDEFabcdef+#.$ ", max_size=30),
        station_id_candidates.map(lambda candidate: "/" + urllib.parse.quote(candidate, safe="")),
    )
)
@example("/%FF")
@example("/%2")
@example("/%2F")
@example("/a%2Fb")
@example("/%2e%2e")
@example("/%24x")
@example("/%00")
def test_station_id_from_path_returns_a_valid_id_or_refuses(path: str) -> None:
    tried("station_id_from_path")
    try:
        station_id = station_id_from_path(path)
    except InvalidStationId:
        return
    assert forbidden_reason(station_id) is None
    assert path.startswith("/") and "/" not in path.split("?", 1)[0][1:]


@deterministic(100)
@given(
    st.text(max_size=30),
    st.sampled_from(["+", "#", "/", "\\", "..", " ", "\t", "\n", "\x00", "\x7f", "\u2028", "\u200b"]),
    st.text(max_size=30),
)
@example("", "$", "x")
@example("x" * 49, "", "")
@example("", "", "")
def test_an_id_with_something_forbidden_reaches_no_topic(before: str, forbidden: str, after: str) -> None:
    tried("topics refuse invalid ids")
    candidate = before + forbidden + after
    assert forbidden_reason(candidate) is not None
    for build in (topics.station_in, topics.station_out, topics.shadow_update, topics.station_control):
        with pytest.raises(InvalidStationId):
            build(candidate)


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
