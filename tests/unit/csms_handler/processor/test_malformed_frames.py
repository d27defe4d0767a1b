"""FrameProcessor, malformed frames: a CallError for a malformed call, no reply for a malformed answer."""

from __future__ import annotations

import pytest

from csms_common.ocpp.frames import CallError
from csms_common.ocpp.versions import OcppVersion
from csms_handler.processor import FrameProcessor, Outcome
from tests.unit.csms_handler.processor.frames import V16, V201, _process

# (raw, 2.0.1 code, 1.6 code, message id of the CallError)
MALFORMED_CALLS: list[tuple[bytes, str, str, str]] = [
    (b"\xff\xfe", "FormatViolation", "FormationViolation", "-1"),
    (b"", "FormatViolation", "FormationViolation", "-1"),
    (b"hello", "FormatViolation", "FormationViolation", "-1"),
    (b'[2,"m1","Heartbeat",{"a":NaN}]', "FormatViolation", "FormationViolation", "-1"),
    (b"[]", "RpcFrameworkError", "FormationViolation", "-1"),
    (b"{}", "RpcFrameworkError", "FormationViolation", "-1"),
    (b'["2","m1","Heartbeat",{}]', "RpcFrameworkError", "FormationViolation", "m1"),
    (b'[2.0,"m1","Heartbeat",{}]', "RpcFrameworkError", "FormationViolation", "m1"),
    (b'[7,"m1","Heartbeat",{}]', "MessageTypeNotSupported", "ProtocolError", "m1"),
    (b"[2]", "RpcFrameworkError", "FormationViolation", "-1"),
    (b'[2,42,"Heartbeat",{}]', "RpcFrameworkError", "FormationViolation", "-1"),
    (('[2,"' + "x" * 37 + '","Heartbeat",{}]').encode(), "RpcFrameworkError", "FormationViolation", "-1"),
    (b'[2,"m1","Heartbeat"]', "RpcFrameworkError", "FormationViolation", "m1"),
    (b'[2,"m1","",{}]', "RpcFrameworkError", "FormationViolation", "m1"),
    (b'[2,"m1","Heartbeat",[]]', "FormatViolation", "FormationViolation", "m1"),
]


@pytest.mark.parametrize(("raw", "code_201", "code_16", "message_id"), MALFORMED_CALLS)
@pytest.mark.parametrize("version", [V201, V16])
def test_malformed_frames_get_a_call_error(
    processor: FrameProcessor, version: OcppVersion, raw: bytes, code_201: str, code_16: str, message_id: str
) -> None:
    outcome = _process(processor, raw, version)
    reply = outcome.reply
    assert isinstance(reply, CallError)
    assert (reply.message_id, reply.error_code, reply.details) == (
        message_id,
        code_16 if version is V16 else code_201,
        {},
    )
    assert reply.description
    assert (outcome.effects, outcome.action, outcome.message_id, outcome.error) == (
        [],
        "-",
        message_id,
        reply.description,
    )


def test_malformed_frame_outcome_is_exact(processor: FrameProcessor) -> None:
    assert _process(processor, b'[2,"m1","Heartbeat",[]]') == Outcome(
        CallError("m1", "FormatViolation", "payload must be a JSON object", {}),
        [],
        action="-",
        message_id="m1",
        error="payload must be a JSON object",
    )


@pytest.mark.parametrize(
    ("raw", "message_id", "error"),
    [
        (b'[3,"m1"]', "m1", "a CallResult has 3 elements, the last an object"),
        (b'[3,"m1",[]]', "m1", "a CallResult has 3 elements, the last an object"),
        (b"[3,42,{}]", "-1", "message id must be a string of 1 to 36 characters"),
        (b'[4,"m1","GenericError"]', "m1", "a CallError has exactly 5 elements"),
        (b'[4,"m1",7,"x",{}]', "m1", "CallError elements have the wrong types"),
    ],
)
@pytest.mark.parametrize("version", [V201, V16])
def test_malformed_answers_get_no_reply(
    processor: FrameProcessor, version: OcppVersion, raw: bytes, message_id: str, error: str
) -> None:
    outcome = _process(processor, raw, version, answered_action="RequestStartTransaction")
    assert outcome == Outcome(None, [], action="-", message_id=message_id, error=error)
