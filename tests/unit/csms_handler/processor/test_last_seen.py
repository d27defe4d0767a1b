"""FrameProcessor, ``lastSeen`` folding: into the first shadow update, or appended after the handler's effects."""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.context import (
    CallContext,
    Lookups,
    Payload,
    Reply,
    Route,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from tests.unit.csms_handler.processor.frames import (
    INTERVAL,
    LAST_SEEN,
    NOW,
    NOW_ISO,
    STATION,
    V201,
    _process,
    _raw,
)
from tests.unit.csms_handler.routes import processor_with


def test_last_seen_is_folded_into_the_first_shadow_update_only(schemas: SchemaRegistry) -> None:
    def two_updates(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": context.now_iso}, [ShadowUpdate({"a": 1}), ShadowUpdate({"b": 2})])

    processor = processor_with(schemas, "Heartbeat", Route(two_updates))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [ShadowUpdate({"a": 1, "lastSeen": NOW_ISO}), ShadowUpdate({"b": 2})]


def test_last_seen_is_added_when_the_handler_reports_nothing(schemas: SchemaRegistry) -> None:
    def no_effects(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": context.now_iso})

    processor = processor_with(schemas, "Heartbeat", Route(no_effects))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.reply == CallResult("m1", {"currentTime": NOW_ISO})
    assert outcome.effects == [LAST_SEEN]


def test_a_handler_lastseen_is_overridden_by_the_processor_time(schemas: SchemaRegistry) -> None:
    def stale(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": context.now_iso}, [ShadowUpdate({"lastSeen": "old", "x": 1})])

    processor = processor_with(schemas, "Heartbeat", Route(stale))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [ShadowUpdate({"lastSeen": NOW_ISO, "x": 1})]


def test_the_handler_gets_the_call_context(schemas: SchemaRegistry) -> None:
    seen: list[CallContext] = []

    def spy(request: Payload, context: CallContext) -> Reply[Any]:
        seen.append(context)
        return Reply({"currentTime": context.now_iso})

    processor = processor_with(schemas, "Heartbeat", Route(spy))
    lookups = Lookups(registration_status="Pending", tokens={"T": TokenStatus("Blocked")}, transaction_id=4)
    _process(processor, _raw([2, "m-ctx", "Heartbeat", {}]), lookups=lookups)
    _process(processor, _raw([2, "m-ctx2", "Heartbeat", {}]))
    assert seen == [
        CallContext(STATION, V201, "m-ctx", NOW, INTERVAL, lookups),
        CallContext(STATION, V201, "m-ctx2", NOW, INTERVAL, Lookups()),
    ]


def test_a_transaction_record_before_the_shadow_update_keeps_its_place(schemas: SchemaRegistry) -> None:
    record = TransactionRecord("tx-1", {"status": "Updated"})

    def record_first(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": context.now_iso}, [record, ShadowUpdate({"a": 1})])

    processor = processor_with(schemas, "Heartbeat", Route(record_first))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [record, ShadowUpdate({"a": 1, "lastSeen": NOW_ISO})]


def test_last_seen_is_appended_after_a_lone_transaction_record(schemas: SchemaRegistry) -> None:
    record = TransactionRecord("tx-1", {"status": "Ended"}, ended=True)

    def record_only(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": context.now_iso}, [record])

    processor = processor_with(schemas, "Heartbeat", Route(record_only))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [record, LAST_SEEN]
