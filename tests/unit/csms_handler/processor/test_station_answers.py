"""FrameProcessor, station answers to CSMS calls: reported with their action, checked against the schema."""

from __future__ import annotations

import pytest

from csms_common.ocpp.frames import CallError, CallResult
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    Payload,
)
from csms_handler.processor import FrameProcessor, Outcome
from tests.unit.csms_handler.processor.frames import LAST_SEEN, V16, V201, _process, _raw


@pytest.mark.parametrize(
    ("version", "answered_action", "payload"),
    [
        (V201, "RequestStartTransaction", {"status": "Accepted"}),
        (V201, "RequestStopTransaction", {"status": "Rejected"}),
        (V16, "RemoteStartTransaction", {"status": "Accepted"}),
        (V16, "RemoteStopTransaction", {"status": "Rejected"}),
    ],
)
def test_a_valid_station_answer(
    processor: FrameProcessor, version: OcppVersion, answered_action: str, payload: Payload
) -> None:
    outcome = _process(processor, _raw([3, "c1", payload]), version, answered_action)
    assert outcome == Outcome(
        None,
        [LAST_SEEN],
        action=answered_action,
        message_id="c1",
        error=None,
        answer=CallResult("c1", payload),
    )


@pytest.mark.parametrize(
    ("version", "answered_action", "payload", "error"),
    [
        (
            V201,
            "RequestStartTransaction",
            {"status": "Maybe"},
            "station answer violates the schema: RequestStartTransaction: status: "
            "'Maybe' is not one of ['Accepted', 'Rejected']",
        ),
        (
            V201,
            "RequestStopTransaction",
            {},
            "station answer violates the schema: RequestStopTransaction: (payload): 'status' is a required property",
        ),
        (
            V16,
            "RemoteStartTransaction",
            {"status": "Accepted", "extra": 1},
            "station answer violates the schema: RemoteStartTransaction: (payload): "
            "Additional properties are not allowed ('extra' was unexpected)",
        ),
    ],
)
def test_an_invalid_station_answer_is_reported_not_answered(
    processor: FrameProcessor, version: OcppVersion, answered_action: str, payload: Payload, error: str
) -> None:
    outcome = _process(processor, _raw([3, "c1", payload]), version, answered_action)
    assert outcome.answer_violation is not None
    assert outcome == Outcome(
        None,
        [LAST_SEEN],
        action=answered_action,
        message_id="c1",
        error=error,
        answer=CallResult("c1", payload),
        answer_violation=outcome.answer_violation,
        over_budget=("invalid_answer",),
    )
    # The record says error, with the violation, never "answered".
    assert outcome.answer_violation.description in error


def test_an_answer_to_no_outstanding_call_is_not_reported(processor: FrameProcessor) -> None:
    """Without the gateway's action the answer matches no call the CSMS made: no command record."""
    outcome = _process(processor, _raw([3, "c1", {"anything": 1}]), V201, None)
    assert outcome == Outcome(
        None,
        [LAST_SEEN],
        message_id="c1",
        error="answer to no outstanding CSMS call",
        over_budget=("unsolicited_answer",),
    )
    assert outcome.answer is None


def test_an_answer_to_an_action_the_version_lacks_is_an_error(processor: FrameProcessor) -> None:
    outcome = _process(processor, _raw([3, "c1", {"anything": 1}]), V201, "NoSuchAction")
    assert outcome.answer == CallResult("c1", {"anything": 1})
    assert outcome.answer_violation is not None
    assert outcome.error == "station answer violates the schema: NoSuchAction is not an OCPP 2.0.1 action"


@pytest.mark.parametrize("version", [V201, V16])
def test_a_station_call_error_is_reported(processor: FrameProcessor, version: OcppVersion) -> None:
    outcome = _process(
        processor,
        _raw([4, "c1", "NotSupported", "no remote start", {"x": 1}]),
        version,
        "RequestStartTransaction",
    )
    assert outcome == Outcome(
        None,
        [LAST_SEEN],
        action="RequestStartTransaction",
        message_id="c1",
        error="NotSupported: no remote start",
        answer=CallError("c1", "NotSupported", "no remote start", {"x": 1}),
    )
