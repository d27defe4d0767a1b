"""OCPP-J framing: every way parse_frame refuses a frame, and the serialisation round trip."""

from __future__ import annotations

import json
import uuid

import pytest

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
    new_message_id,
    parse_frame,
)

ID36 = "x" * 36
ID37 = "x" * 37


def test_constants() -> None:
    assert (CALL, CALL_RESULT, CALL_ERROR) == (2, 3, 4)
    assert UNKNOWN_MESSAGE_ID == "-1"
    assert MAX_MESSAGE_ID_LENGTH == 36


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[2,"m1","Heartbeat",{}]', Call("m1", "Heartbeat", {})),
        (b'[2,"m1","Heartbeat",{}]', Call("m1", "Heartbeat", {})),
        (
            ' [ 2 , "m1" , "Authorize" , {"a": [1, 2.5, null]} ] ',
            Call("m1", "Authorize", {"a": [1, 2.5, None]}),
        ),
        (f'[2,"{ID36}","Heartbeat",{{}}]', Call(ID36, "Heartbeat", {})),
        ('[3,"m1",{}]', CallResult("m1", {})),
        ('[3,"m1",{"status":"Accepted"}]', CallResult("m1", {"status": "Accepted"})),
        ('[4,"m1","NotSupported","nope",{}]', CallError("m1", "NotSupported", "nope", {})),
        ('[4,"m1","GenericError","",{"k":"v"}]', CallError("m1", "GenericError", "", {"k": "v"})),
        ('[2,"m1","Ladesäule",{"t":"ü"}]'.encode(), Call("m1", "Ladesäule", {"t": "ü"})),
    ],
)
def test_valid_frames(text: str | bytes, expected: Frame) -> None:
    assert parse_frame(text) == expected


# (text, kind, message id of the CallError, message_type recorded on the error)
ERROR_CASES: list[tuple[str | bytes, ErrorKind, str, int | None]] = [
    # Not text / not JSON: nothing can be read.
    (b"\xff\xfe", ErrorKind.FORMAT_VIOLATION, "-1", None),
    ("", ErrorKind.FORMAT_VIOLATION, "-1", None),
    ("not json", ErrorKind.FORMAT_VIOLATION, "-1", None),
    ('[2,"m1","Heartbeat",{}', ErrorKind.FORMAT_VIOLATION, "-1", None),
    ('[2,"m1","Heartbeat",{"a":NaN}]', ErrorKind.FORMAT_VIOLATION, "-1", None),
    ('[2,"m1","Heartbeat",{"a":Infinity}]', ErrorKind.FORMAT_VIOLATION, "-1", None),
    ('[2,"m1","Heartbeat",{"a":-Infinity}]', ErrorKind.FORMAT_VIOLATION, "-1", None),
    ("[" * 100_000 + "]" * 100_000, ErrorKind.FORMAT_VIOLATION, "-1", None),
    # JSON, but not a non-empty array.
    ("[]", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    ("{}", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    ('"text"', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    ("2", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    ("null", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    # The message type id is not an integer: the id is kept when readable.
    ('["2","m1","Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", None),
    ('[2.0,"m1","Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", None),
    ('[true,"m1","Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", None),
    ('[null,"m1"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", None),
    ('[[2],"m1"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", None),
    ('["x"]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    ('["x",1]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", None),
    # An unknown message type id.
    ('[5,"m1","Heartbeat",{}]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "m1", None),
    ('[1,"m1"]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "m1", None),
    ('[0,"m1"]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "m1", None),
    ('[-2,"m1"]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "m1", None),
    ("[6]", ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "-1", None),
    (f'[5,"{ID37}"]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "-1", None),
    # The message id cannot be read: the structure error carries the type.
    ("[2]", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL),
    ('[2,1,"Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL),
    ('[2,null,"Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL),
    ('[2,"","Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL),
    (f'[2,"{ID37}","Heartbeat",{{}}]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL),
    ("[3]", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL_RESULT),
    ("[3,42,{}]", ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL_RESULT),
    ('[4,["m1"],"GenericError","",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "-1", CALL_ERROR),
    # Call structure.
    ('[2,"m1"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    ('[2,"m1","Heartbeat"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    ('[2,"m1","Heartbeat",{},{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    ('[2,"m1","",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    ('[2,"m1",7,{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    ('[2,"m1",null,{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL),
    # A Call whose payload is not an object is a FormatViolation.
    ('[2,"m1","Heartbeat",[]]', ErrorKind.FORMAT_VIOLATION, "m1", CALL),
    ('[2,"m1","Heartbeat",null]', ErrorKind.FORMAT_VIOLATION, "m1", CALL),
    ('[2,"m1","Heartbeat","{}"]', ErrorKind.FORMAT_VIOLATION, "m1", CALL),
    # CallResult structure.
    ('[3,"m1"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_RESULT),
    ('[3,"m1",[]]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_RESULT),
    ('[3,"m1",null]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_RESULT),
    ('[3,"m1",{},{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_RESULT),
    # CallError structure.
    ('[4,"m1","GenericError","desc"]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_ERROR),
    ('[4,"m1","GenericError","desc",{},1]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_ERROR),
    ('[4,"m1",1,"desc",{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_ERROR),
    ('[4,"m1","GenericError",null,{}]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_ERROR),
    ('[4,"m1","GenericError","desc",[]]', ErrorKind.RPC_FRAMEWORK_ERROR, "m1", CALL_ERROR),
]


@pytest.mark.parametrize(("text", "kind", "message_id", "message_type"), ERROR_CASES)
def test_invalid_frames(
    text: str | bytes, kind: ErrorKind, message_id: str, message_type: int | None
) -> None:
    with pytest.raises(FrameError) as raised:
        parse_frame(text)
    error = raised.value
    assert (error.kind, error.message_id, error.message_type) == (kind, message_id, message_type)
    assert error.description
    assert str(error) == error.description


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (b"\xff", "frame is not UTF-8 text"),
        ("[]", "frame is not a non-empty JSON array"),
        ('[2.5,"m1"]', "message type id is not an integer"),
        ('[9,"m1"]', "message type id 9 is not supported"),
        ("[2,7]", "message id must be a string of 1 to 36 characters"),
        ('[2,"m1","A"]', "a Call has exactly 4 elements"),
        ('[2,"m1","",{}]', "action must be a non-empty string"),
        ('[2,"m1","A",1]', "payload must be a JSON object"),
        ('[3,"m1",1]', "a CallResult has 3 elements, the last an object"),
        ('[4,"m1","c"]', "a CallError has exactly 5 elements"),
        ('[4,"m1","c","d",1]', "CallError elements have the wrong types"),
    ],
)
def test_error_descriptions(text: str | bytes, description: str) -> None:
    with pytest.raises(FrameError) as raised:
        parse_frame(text)
    assert raised.value.description == description


def test_invalid_json_description_names_the_decoder_error() -> None:
    with pytest.raises(FrameError) as raised:
        parse_frame('[2,"m1","A",{"a":NaN}]')
    assert raised.value.description == "frame is not valid JSON: NaN is not valid JSON"


def test_frame_error_defaults_to_the_unknown_message_id() -> None:
    error = FrameError(ErrorKind.GENERIC_ERROR, "boom")
    assert (error.message_id, error.message_type, error.kind) == ("-1", None, ErrorKind.GENERIC_ERROR)


@pytest.mark.parametrize(
    ("frame", "text"),
    [
        (Call("m1", "Heartbeat", {}), '[2,"m1","Heartbeat",{}]'),
        (
            Call("m2", "StatusNotification", {"evseId": 1, "connectorStatus": "Available"}),
            '[2,"m2","StatusNotification",{"evseId":1,"connectorStatus":"Available"}]',
        ),
        (
            CallResult("m3", {"currentTime": "2024-01-01T00:00:00.000Z"}),
            '[3,"m3",{"currentTime":"2024-01-01T00:00:00.000Z"}]',
        ),
        (CallError("m4", "NotSupported", "no", {"a": 1}), '[4,"m4","NotSupported","no",{"a":1}]'),
        (CallError("m5", "GenericError", "x"), '[4,"m5","GenericError","x",{}]'),
        (Call("m6", "DataTransfer", {"data": "Ladesäule"}), '[2,"m6","DataTransfer",{"data":"Ladesäule"}]'),
    ],
)
def test_serialisation_is_compact_and_round_trips(frame: Frame, text: str) -> None:
    assert frame.to_json() == text
    assert parse_frame(frame.to_json()) == frame
    assert parse_frame(frame.to_json().encode("utf-8")) == frame


def test_call_error_details_are_not_shared_between_instances() -> None:
    first, second = CallError("a", "GenericError", ""), CallError("b", "GenericError", "")
    first.details["k"] = 1
    assert second.details == {}


def test_new_message_id_is_a_fresh_uuid_of_maximum_length() -> None:
    first, second = new_message_id(), new_message_id()
    assert first != second
    assert len(first) == MAX_MESSAGE_ID_LENGTH
    assert str(uuid.UUID(first)) == first
    assert parse_frame(json.dumps([CALL, first, "Heartbeat", {}])) == Call(first, "Heartbeat", {})


def test_frames_nesting_deeper_than_the_limit_are_format_violations() -> None:
    from csms_common.json_limits import MAX_NESTING

    allowed = (
        '[2,"m1","DataTransfer",{"vendorId":"v","data":'
        + "[" * (MAX_NESTING - 3)
        + "]" * (MAX_NESTING - 3)
        + "}]"
    )
    assert isinstance(parse_frame(allowed), Call)
    too_deep = '[2,"m1","DataTransfer",{"vendorId":"v","data":' + "[" * MAX_NESTING + "]" * MAX_NESTING + "}]"
    with pytest.raises(FrameError) as refused:
        parse_frame(too_deep)
    assert (refused.value.kind, refused.value.message_id) == (ErrorKind.FORMAT_VIOLATION, "m1")


def test_overflowing_floats_are_format_violations() -> None:
    with pytest.raises(FrameError) as refused:
        parse_frame('[2,"m1","Heartbeat",{"x":1e400}]')
    assert refused.value.kind is ErrorKind.FORMAT_VIOLATION
    assert isinstance(parse_frame('[2,"m1","Heartbeat",{"x":1e300}]'), Call)


def test_call_error_descriptions_are_capped_at_255_characters() -> None:
    frame = json.loads(CallError("m1", "FormatViolation", "x" * 10_000, {}).to_json())
    assert len(frame[3]) == 255 and frame[3].endswith("…")
    assert json.loads(CallError("m1", "FormatViolation", "short", {}).to_json())[3] == "short"
