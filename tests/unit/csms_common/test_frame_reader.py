"""Gateway and handler judge a frame alike, so every station call is answered exactly once.

The gateway answers the frames the shared reader refuses and forwards the rest; for every
text, what the gateway does must match what the handler would do with the same text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from csms_common.ocpp.frames import CALL, CallError
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.frame_verdict import Answer, Forward, MalformedAnswer, verdict
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame
from csms_handler.routing import shipped_routing

ODD_IDS: list[object] = [
    "x" * 36,
    "x" * 37,
    "",
    "\ud800",
    "a\udc00b",
    "\ud83d\ude00",
    7,
    None,
    1.5,
    [],
    {},
    True,
]

ODD_TEXTS = [
    '[2,"m1","Heartbeat",{"x":NaN}]',
    '[2,"m1","Heartbeat",{"x":Infinity}]',
    '[2,"m1","Heartbeat",{"x":1e400}]',
    '[2,"\\ud800","Heartbeat",{}]',
    '[2,"m1","\\udfff",{}]',
    '[3,"\\ud800",{}]',
    '[4,"m1","\\ud800","",{}]',
    '[2,"m1","Heartbeat"]',
    '[3,"m1","x"]',
    '[5,"m1"]',
    "[]",
    "{}",
    "nonsense",
]


def handler_outcome(text: str, schemas: SchemaRegistry, version: OcppVersion) -> Outcome | Plan:
    processor = FrameProcessor(schemas, shipped_routing(), heartbeat_interval=300)
    frame = StationFrame("CP1", version, text.encode("utf-8", "surrogatepass"))
    return processor.plan(frame, datetime(2026, 1, 1, tzinfo=UTC))


def assert_agree(text: str, schemas: SchemaRegistry, version: OcppVersion) -> None:
    judged = verdict(text, version)
    handled = handler_outcome(text, schemas, version)
    if isinstance(judged, Answer):
        # The gateway answers; the handler, had it seen the frame, would have said the same.
        assert isinstance(handled, Outcome)
        assert handled.reply == judged.reply
        judged.reply.to_json().encode("utf-8")  # writable: no lone surrogate in the answer
        return
    if isinstance(judged, MalformedAnswer):
        assert isinstance(handled, Outcome) and handled.reply is None
        return
    assert isinstance(judged, Forward)
    header = judged.header
    if header.message_type == CALL:
        # Forwarded and awaited under this id: the handler's one answer carries the same id.
        if isinstance(handled, Plan):
            assert handled.call.message_id == header.message_id
        else:
            assert handled.reply is not None and handled.reply.message_id == header.message_id
    else:
        assert isinstance(handled, Outcome) and handled.reply is None


@pytest.mark.parametrize("message_id", ODD_IDS, ids=repr)
@pytest.mark.parametrize("message_type", [2, 3, 4])
def test_odd_ids_are_judged_alike(schemas: SchemaRegistry, message_id: object, message_type: int) -> None:
    body: list[object] = {
        2: [2, message_id, "Heartbeat", {}],
        3: [3, message_id, {}],
        4: [4, message_id, "GenericError", "x", {}],
    }[message_type]
    for version in (OcppVersion.V16, OcppVersion.V201):
        assert_agree(json.dumps(body), schemas, version)


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_frames_are_judged_alike(schemas: SchemaRegistry, text: str) -> None:
    for version in (OcppVersion.V16, OcppVersion.V201):
        assert_agree(text, schemas, version)


def test_a_lone_surrogate_is_refused_with_an_answer_that_can_be_written() -> None:
    judged = verdict('[2,"\\ud800","Heartbeat",{}]', OcppVersion.V201)
    assert isinstance(judged, Answer)
    assert judged.reply == CallError("-1", "FormatViolation", "frame holds a lone UTF-16 surrogate", {})


def test_an_id_longer_than_36_characters_is_answered_once_under_minus_one() -> None:
    judged = verdict(json.dumps([2, "x" * 37, "Heartbeat", {}]), OcppVersion.V16)
    assert isinstance(judged, Answer) and judged.reply.message_id == "-1"


frame_like = st.builds(
    lambda kind, message_id, rest: json.dumps([kind, message_id, *rest]),
    st.sampled_from([2, 3, 4, 5, 2.0, True, "2"]),
    st.one_of(st.text(max_size=40), st.integers(), st.none(), st.sampled_from(ODD_IDS)),
    st.lists(
        st.one_of(st.text(max_size=8), st.dictionaries(st.text(max_size=4), st.integers()), st.none()),
        max_size=4,
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(frame_like, st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)))
@example('[2,"m1","Heartbeat",{}]')
@example('[2,"m1","Heartbeat",{"x":NaN}]')
def test_gateway_and_handler_agree_on_any_text(schemas: SchemaRegistry, text: str) -> None:
    assert_agree(text, schemas, OcppVersion.V201)
