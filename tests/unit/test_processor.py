"""FrameProcessor: golden frames in, exact replies and shadow effects out, at a fixed time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from csms_common.ocpp.frames import CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate
from csms_handler.processor import FrameProcessor, Outcome, StationFrame
from csms_handler.routing import ROUTES, V201_ROUTES

V16, V20, V201 = OcppVersion.V16, OcppVersion.V20, OcppVersion.V201
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
STATION = "CP-001"
INTERVAL = 300
LAST_SEEN = ShadowUpdate({"lastSeen": NOW_ISO})


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, heartbeat_interval=INTERVAL)


def _raw(frame: list[Any]) -> bytes:
    return json.dumps(frame).encode()


def _process(
    processor: FrameProcessor,
    raw: bytes,
    version: OcppVersion = V201,
    answered_action: str | None = None,
    now: datetime = NOW,
) -> Outcome:
    return processor.process(StationFrame(STATION, version, raw, answered_action), now)


# ------------------------------------------------------------------ golden calls

BOOT = {"chargingStation": {"model": "M1", "vendorName": "Acme", "serialNumber": "S-1"}, "reason": "PowerUp"}
ID_TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}
METER_1 = {"timestamp": T0, "sampledValue": [{"value": 0}]}
METER_2 = {"timestamp": "2024-01-02T03:10:00.000Z", "sampledValue": [{"value": 1234.5}]}

TX_STARTED = {
    "eventType": "Started",
    "timestamp": T0,
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging", "remoteStartId": 7},
    "evse": {"id": 1, "connectorId": 1},
    "idToken": ID_TOKEN,
    "meterValue": [METER_1, METER_2],
}
TX_STARTED_TRANSACTION = {
    "transactionId": "tx-1",
    "updatedAt": T0,
    "lastTriggerReason": "Authorized",
    "chargingState": "Charging",
    "evseId": 1,
    "idToken": ID_TOKEN,
    "remoteStartId": 7,
    "lastMeterValue": METER_2,
    "startTime": T0,
}

TX_UPDATED = {
    "eventType": "Updated",
    "timestamp": "2024-01-02T03:15:00.000Z",
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 1,
    "transactionInfo": {"transactionId": "tx-1"},
    "meterValue": [METER_2],
}
TX_UPDATED_TRANSACTION = {
    "transactionId": "tx-1",
    "updatedAt": "2024-01-02T03:15:00.000Z",
    "lastTriggerReason": "MeterValuePeriodic",
    "lastMeterValue": METER_2,
}

TX_ENDED = {
    "eventType": "Ended",
    "timestamp": "2024-01-02T04:00:00.000Z",
    "triggerReason": "StopAuthorized",
    "seqNo": 2,
    "transactionInfo": {"transactionId": "tx-1", "chargingState": "EVConnected", "stoppedReason": "Local"},
    "evse": {"id": 2},
    "idToken": ID_TOKEN,
}
TX_ENDED_TRANSACTION = {
    "transactionId": "tx-1",
    "updatedAt": "2024-01-02T04:00:00.000Z",
    "lastTriggerReason": "StopAuthorized",
    "chargingState": "EVConnected",
    "evseId": 2,
    "idToken": ID_TOKEN,
    "endTime": "2024-01-02T04:00:00.000Z",
    "stoppedReason": "Local",
}

GOLDEN_CALLS: list[tuple[str, str, Payload, Payload, Payload]] = [
    (
        "boot",
        "BootNotification",
        BOOT,
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        {
            "chargingStation": BOOT["chargingStation"],
            "bootReason": "PowerUp",
            "bootedAt": NOW_ISO,
            "registrationStatus": "Accepted",
            "lastSeen": NOW_ISO,
        },
    ),
    ("heartbeat", "Heartbeat", {}, {"currentTime": NOW_ISO}, {"lastHeartbeat": NOW_ISO, "lastSeen": NOW_ISO}),
    (
        "status",
        "StatusNotification",
        {"timestamp": T0, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 2},
        {},
        {
            "evses": {"1": {"connectors": {"2": {"status": "Occupied", "timestamp": T0}}}},
            "lastSeen": NOW_ISO,
        },
    ),
    (
        "tx-started",
        "TransactionEvent",
        TX_STARTED,
        {"idTokenInfo": {"status": "Accepted"}},
        {
            "activeTransaction": TX_STARTED_TRANSACTION,
            "evses": {"1": {"activeTransaction": TX_STARTED_TRANSACTION}},
            "lastSeen": NOW_ISO,
        },
    ),
    (
        "tx-updated",
        "TransactionEvent",
        TX_UPDATED,
        {},
        {"activeTransaction": TX_UPDATED_TRANSACTION, "lastSeen": NOW_ISO},
    ),
    (
        "tx-ended",
        "TransactionEvent",
        TX_ENDED,
        {"idTokenInfo": {"status": "Accepted"}},
        {
            "activeTransaction": None,
            "lastTransaction": TX_ENDED_TRANSACTION,
            "evses": {"2": {"activeTransaction": None}},
            "lastSeen": NOW_ISO,
        },
    ),
]


@pytest.mark.parametrize(
    ("action", "request_payload", "reply_payload", "reported"),
    [case[1:] for case in GOLDEN_CALLS],
    ids=[case[0] for case in GOLDEN_CALLS],
)
@pytest.mark.parametrize("version", [V201, V20])
def test_golden_calls(
    processor: FrameProcessor,
    schemas: SchemaRegistry,
    version: OcppVersion,
    action: str,
    request_payload: Payload,
    reply_payload: Payload,
    reported: Payload,
) -> None:
    outcome = _process(processor, _raw([2, "msg-1", action, request_payload]), version)
    assert outcome == Outcome(
        CallResult("msg-1", reply_payload),
        [ShadowUpdate(reported)],
        action=action,
        message_id="msg-1",
        error=None,
    )
    assert isinstance(outcome.reply, CallResult)
    schemas.validate_response(version, action, outcome.reply.payload)


@pytest.mark.parametrize(
    ("action", "payload", "text"),
    [
        (
            "BootNotification",
            BOOT,
            '[3,"m1",{"currentTime":"2024-01-02T03:04:05.678Z","interval":300,"status":"Accepted"}]',
        ),
        ("Heartbeat", {}, '[3,"m1",{"currentTime":"2024-01-02T03:04:05.678Z"}]'),
        (
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
            '[3,"m1",{}]',
        ),
        ("TransactionEvent", TX_STARTED, '[3,"m1",{"idTokenInfo":{"status":"Accepted"}}]'),
    ],
)
def test_reply_wire_text(processor: FrameProcessor, action: str, payload: Payload, text: str) -> None:
    outcome = _process(processor, _raw([2, "m1", action, payload]))
    assert outcome.reply is not None
    assert outcome.reply.to_json() == text


def test_the_reply_time_is_utc(processor: FrameProcessor) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=2)))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]), now=local)
    assert outcome.reply == CallResult("m1", {"currentTime": NOW_ISO})
    assert outcome.effects == [ShadowUpdate({"lastHeartbeat": NOW_ISO, "lastSeen": NOW_ISO})]


def test_the_heartbeat_interval_is_the_configured_one(schemas: SchemaRegistry) -> None:
    outcome = FrameProcessor(schemas, heartbeat_interval=45).process(
        StationFrame(STATION, V201, _raw([2, "m1", "BootNotification", BOOT])), NOW
    )
    assert outcome.reply == CallResult("m1", {"currentTime": NOW_ISO, "interval": 45, "status": "Accepted"})


def test_a_transaction_event_without_evse_or_token(processor: FrameProcessor) -> None:
    request = {
        "eventType": "Ended",
        "timestamp": T0,
        "triggerReason": "EVCommunicationLost",
        "seqNo": 5,
        "transactionInfo": {"transactionId": "tx-9"},
    }
    outcome = _process(processor, _raw([2, "m1", "TransactionEvent", request]))
    assert outcome.reply == CallResult("m1", {})
    assert outcome.effects == [
        ShadowUpdate(
            {
                "activeTransaction": None,
                "lastTransaction": {
                    "transactionId": "tx-9",
                    "updatedAt": T0,
                    "lastTriggerReason": "EVCommunicationLost",
                    "endTime": T0,
                },
                "lastSeen": NOW_ISO,
            }
        )
    ]


# --------------------------------------------------------- lastSeen folding


def test_last_seen_is_folded_into_the_first_shadow_update_only(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def two_updates(request: Payload, context: CallContext) -> Reply:
        return Reply({"currentTime": context.now_iso}, [ShadowUpdate({"a": 1}), ShadowUpdate({"b": 2})])

    monkeypatch.setitem(V201_ROUTES, "Heartbeat", two_updates)
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [ShadowUpdate({"a": 1, "lastSeen": NOW_ISO}), ShadowUpdate({"b": 2})]


def test_last_seen_is_added_when_the_handler_reports_nothing(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_effects(request: Payload, context: CallContext) -> Reply:
        return Reply({"currentTime": context.now_iso})

    monkeypatch.setitem(V201_ROUTES, "Heartbeat", no_effects)
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.reply == CallResult("m1", {"currentTime": NOW_ISO})
    assert outcome.effects == [LAST_SEEN]


def test_a_handler_lastseen_is_overridden_by_the_processor_time(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stale(request: Payload, context: CallContext) -> Reply:
        return Reply({"currentTime": context.now_iso}, [ShadowUpdate({"lastSeen": "old", "x": 1})])

    monkeypatch.setitem(V201_ROUTES, "Heartbeat", stale)
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]))
    assert outcome.effects == [ShadowUpdate({"lastSeen": NOW_ISO, "x": 1})]


def test_the_handler_gets_the_call_context(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[CallContext] = []

    def spy(request: Payload, context: CallContext) -> Reply:
        seen.append(context)
        return Reply({"currentTime": context.now_iso})

    monkeypatch.setitem(V201_ROUTES, "Heartbeat", spy)
    _process(processor, _raw([2, "m-ctx", "Heartbeat", {}]))
    assert seen == [CallContext(STATION, V201, "m-ctx", NOW, INTERVAL)]


# ------------------------------------------------------------ refused calls


def _call_error(message_id: str, code: str, description: str, action: str) -> Outcome:
    return Outcome(
        CallError(message_id, code, description, {}),
        [LAST_SEEN],
        action=action,
        message_id=message_id,
        error=description,
    )


@pytest.mark.parametrize(
    ("version", "action", "payload", "code", "description"),
    [
        (V201, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 2.0.1 action"),
        (V16, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 1.6 action"),
        (V20, "TransactionEvents", {}, "NotImplemented", "TransactionEvents is not an OCPP 2.0 action"),
        (V16, "TransactionEvent", {}, "NotImplemented", "TransactionEvent is not an OCPP 1.6 action"),
        (
            V201,
            "Authorize",
            {"idToken": ID_TOKEN},
            "NotSupported",
            "Authorize is not supported by this CSMS for OCPP 2.0.1",
        ),
        # not supported is decided before the payload is looked at
        (
            V201,
            "Authorize",
            {"bogus": 1},
            "NotSupported",
            "Authorize is not supported by this CSMS for OCPP 2.0.1",
        ),
        (
            V201,
            "RequestStartTransaction",
            {},
            "NotSupported",
            "RequestStartTransaction is not supported by this CSMS for OCPP 2.0.1",
        ),
        (
            V16,
            "BootNotification",
            {"chargePointModel": "M1", "chargePointVendor": "Acme"},
            "NotSupported",
            "BootNotification is not supported by this CSMS for OCPP 1.6",
        ),
        (V16, "Heartbeat", {}, "NotSupported", "Heartbeat is not supported by this CSMS for OCPP 1.6"),
        (
            V201,
            "BootNotification",
            {"reason": "PowerUp"},
            "OccurrenceConstraintViolation",
            "BootNotification: (payload): 'chargingStation' is a required property",
        ),
        (
            V201,
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": "1", "connectorId": 1},
            "TypeConstraintViolation",
            "StatusNotification: evseId: '1' is not of type 'integer'",
        ),
        (
            V201,
            "BootNotification",
            {**BOOT, "reason": "Bored"},
            "PropertyConstraintViolation",
            "BootNotification: reason: 'Bored' is not one of ['ApplicationReset', 'FirmwareUpdate', "
            "'LocalReset', 'PowerUp', 'RemoteReset', 'ScheduledReset', 'Triggered', 'Unknown', 'Watchdog']",
        ),
        (
            V201,
            "Heartbeat",
            {"extra": True},
            "FormatViolation",
            "Heartbeat: (payload): Additional properties are not allowed ('extra' was unexpected)",
        ),
    ],
)
def test_refused_calls(
    processor: FrameProcessor,
    version: OcppVersion,
    action: str,
    payload: Payload,
    code: str,
    description: str,
) -> None:
    outcome = _process(processor, _raw([2, "m1", action, payload]), version)
    assert outcome == _call_error("m1", code, description, action)


@pytest.mark.parametrize(
    ("version", "code"), [(V201, "OccurrenceConstraintViolation"), (V16, "OccurenceConstraintViolation")]
)
def test_schema_errors_use_the_version_spelling(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch, version: OcppVersion, code: str
) -> None:
    def never_called(request: Payload, context: CallContext) -> Reply:
        raise AssertionError("an invalid request reached the handler")

    monkeypatch.setitem(ROUTES[version], "BootNotification", never_called)
    outcome = _process(processor, _raw([2, "m1", "BootNotification", {}]), version)
    assert outcome.reply is not None
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == code
    assert outcome.effects == [LAST_SEEN]


@pytest.mark.parametrize("version", [V201, V16])
def test_an_invalid_reply_of_our_own_is_an_internal_error(
    processor: FrameProcessor, monkeypatch: pytest.MonkeyPatch, version: OcppVersion
) -> None:
    def broken(request: Payload, context: CallContext) -> Reply:
        return Reply({"currentTime": 12}, [ShadowUpdate({"x": 1})])

    monkeypatch.setitem(ROUTES[version], "Heartbeat", broken)
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]), version)
    # The handler's effects are dropped: only lastSeen is reported.
    assert outcome == _call_error(
        "m1", "InternalError", "the CSMS could not build a valid reply", "Heartbeat"
    )


# ---------------------------------------------------------- malformed frames

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


# ----------------------------------------------------------- station answers


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
    assert outcome == Outcome(None, [LAST_SEEN], action=answered_action, message_id="c1", error=None)


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
    assert outcome == Outcome(None, [LAST_SEEN], action=answered_action, message_id="c1", error=error)


@pytest.mark.parametrize("answered_action", [None, "NoSuchAction"])
def test_an_answer_to_an_unknown_call_is_not_validated(
    processor: FrameProcessor, answered_action: str | None
) -> None:
    outcome = _process(processor, _raw([3, "c1", {"anything": 1}]), V201, answered_action)
    assert outcome == Outcome(None, [LAST_SEEN], action=answered_action or "-", message_id="c1", error=None)


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
    )
