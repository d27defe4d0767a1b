"""Routes for stations' answers to CSMS calls: run for valid CallResults only, their effects kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.answering import AnswerContext, AnswerReply, AnswerRoute, AnyAnswerRoute
from csms_handler.budgets import StationLimits
from csms_handler.context import ShadowUpdate
from csms_handler.processor import FrameProcessor, Outcome, StationFrame
from csms_handler.routing import Routing, shipped_routing

NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
LAST_SEEN = ShadowUpdate({"lastSeen": "2024-01-02T03:04:05.678Z"})
STATION = "CP-ANS"
LIMITS = StationLimits(max_evse_id=7)


def _processor(schemas: SchemaRegistry, action: str, route: AnyAnswerRoute) -> FrameProcessor:
    """The shipped call routes, and ``action``'s answers routed to ``route`` in every version."""
    shipped = shipped_routing()
    answers = {version: MappingProxyType({action: route}) for version in OcppVersion}
    return FrameProcessor(schemas, Routing(shipped.calls, MappingProxyType(answers)), 300, LIMITS)


def _answer(processor: FrameProcessor, version: OcppVersion, action: str, frame: list[Any]) -> Outcome:
    return processor.process(StationFrame(STATION, version, json.dumps(frame).encode(), action), NOW)


def test_a_valid_answer_runs_its_route_and_keeps_its_effects(schemas: SchemaRegistry) -> None:
    seen: list[tuple[Any, AnswerContext]] = []

    def note_status(answer: Any, context: AnswerContext) -> AnswerReply:
        seen.append((answer, context))
        return AnswerReply([ShadowUpdate({"lastRemoteStart": answer["status"]})], ("some_budget",))

    processor = _processor(schemas, "RequestStartTransaction", AnswerRoute(note_status))
    outcome = _answer(
        processor, OcppVersion.V201, "RequestStartTransaction", [3, "c1", {"status": "Rejected"}]
    )
    assert seen == [({"status": "Rejected"}, AnswerContext(STATION, OcppVersion.V201, "c1", NOW, LIMITS))]
    assert outcome == Outcome(
        None,
        [ShadowUpdate({"lastRemoteStart": "Rejected", "lastSeen": LAST_SEEN.reported["lastSeen"]})],
        action="RequestStartTransaction",
        message_id="c1",
        answer=CallResult("c1", {"status": "Rejected"}),
        over_budget=("some_budget",),
    )


@pytest.mark.parametrize(
    "frame",
    [
        [3, "c1", {"status": "Maybe"}],
        [4, "c1", "InternalError", "boom", {}],
    ],
    ids=["invalid CallResult", "CallError"],
)
def test_an_invalid_answer_or_a_call_error_never_reaches_the_route(
    schemas: SchemaRegistry, frame: list[Any]
) -> None:
    def never_called(answer: Any, context: AnswerContext) -> AnswerReply:
        raise AssertionError("the answer route ran")

    processor = _processor(schemas, "RequestStartTransaction", AnswerRoute(never_called))
    outcome = _answer(processor, OcppVersion.V201, "RequestStartTransaction", frame)
    assert outcome.effects == [LAST_SEEN]
    assert outcome.error is not None


def test_an_action_without_an_answer_route_is_only_recorded(schemas: SchemaRegistry) -> None:
    processor = FrameProcessor(schemas, shipped_routing(), 300)
    outcome = _answer(processor, OcppVersion.V201, "Reset", [3, "c1", {"status": "Accepted"}])
    assert outcome.effects == [LAST_SEEN]
    assert outcome.answer == CallResult("c1", {"status": "Accepted"})


@pytest.mark.parametrize(
    ("version", "action"),
    [
        (OcppVersion.V16, "RemoteStartTransaction"),
        (OcppVersion.V201, "RequestStartTransaction"),
        (OcppVersion.V20, "RequestStartTransaction"),
        (OcppVersion.V21, "RequestStartTransaction"),
    ],
)
@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_the_shipped_remote_start_answer_routes_change_nothing_yet(
    schemas: SchemaRegistry, version: OcppVersion, action: str, status: str
) -> None:
    routing = shipped_routing()
    assert routing.answer(version, action) is not None
    outcome = _answer(FrameProcessor(schemas, routing, 300), version, action, [3, "c1", {"status": status}])
    assert outcome == Outcome(
        None,
        [LAST_SEEN],
        action=action,
        message_id="c1",
        answer=CallResult("c1", {"status": status}),
    )


def test_answer_routes_are_per_version(schemas: SchemaRegistry) -> None:
    routing = shipped_routing()
    assert routing.answer(OcppVersion.V16, "RequestStartTransaction") is None
    assert routing.answer(OcppVersion.V201, "RemoteStartTransaction") is None
