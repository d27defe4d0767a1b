"""Properties of reading untrusted frames: OCPP-J parsing and the gateway's header check, which must
agree with it (hypothesis; see inputs.py for how inputs are chosen)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

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
from csms_gateway.frame_verdict import FrameHeader, read_header
from tests.unit.properties.inputs import deterministic, tried

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
