"""FrameProcessor: golden frames in, exact replies and shadow effects out, at a fixed time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from csms_common.ocpp.frames import Call, CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    NO_LOOKUP,
    CallContext,
    Effect,
    LookupRequest,
    Lookups,
    Payload,
    Reply,
    Route,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from csms_handler.handlers.v201.authorize import authorize_needs
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.routes import processor_with

V16, V20, V201, V21 = OcppVersion.V16, OcppVersion.V20, OcppVersion.V201, OcppVersion.V21
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
STATION = "CP-001"
INTERVAL = 300
LAST_SEEN = ShadowUpdate({"lastSeen": NOW_ISO})


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), heartbeat_interval=INTERVAL)


def _event(request: Payload) -> Payload:
    """The entry a TransactionEvent adds to its record's event log."""
    return {
        "seqNo": request["seqNo"],
        "eventType": request["eventType"],
        "triggerReason": request["triggerReason"],
        "timestamp": request["timestamp"],
        "meterValues": len(request.get("meterValue") or ()),
    }


def _raw(frame: list[Any]) -> bytes:
    return json.dumps(frame).encode()


def _process(
    processor: FrameProcessor,
    raw: bytes,
    version: OcppVersion = V201,
    answered_action: str | None = None,
    now: datetime = NOW,
    lookups: Lookups | None = None,
    registration_status: str = "Accepted",
) -> Outcome:
    frame = StationFrame(STATION, version, raw, answered_action, registration_status)
    return processor.process(frame, now, lookups)


# ------------------------------------------------------------------ golden calls

BOOT = {"chargingStation": {"model": "M1", "vendorName": "Acme", "serialNumber": "S-1"}, "reason": "PowerUp"}
BOOT_STATION = {
    "model": "M1",
    "vendorName": "Acme",
    "serialNumber": "S-1",
    "firmwareVersion": None,
    "modem": None,
}
"""Every identity key is written at every boot: null deletes what an earlier boot reported."""
BOOT_MODEM = {
    "chargingStation": {
        "model": "M2",
        "vendorName": "Acme",
        "firmwareVersion": "2.0",
        "modem": {"imsi": "204040000000001", "customData": {"vendorId": "com.acme"}},
        "customData": {"vendorId": "com.acme", "board": "rev-b"},
    },
    "reason": "FirmwareUpdate",
}
BOOT_MODEM_STATION = {
    "model": "M2",
    "vendorName": "Acme",
    "serialNumber": None,
    "firmwareVersion": "2.0",
    # A modem that is sent has both keys; customData is not kept, here or in the station.
    "modem": {"iccid": None, "imsi": "204040000000001"},
}
ID_TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}
TOKEN_ACCEPTED = Lookups(tokens={"04A2B3C4": TokenStatus("Accepted")})
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

GOLDEN_CALLS: list[tuple[str, str, Payload, Lookups, Payload, list[Effect]]] = [
    (
        "boot",
        "BootNotification",
        BOOT,
        Lookups(registration_status="Accepted"),
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_STATION,
                    "bootReason": "PowerUp",
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                    "lastSeen": NOW_ISO,
                }
            )
        ],
    ),
    (
        "boot-modem-custom-data",
        "BootNotification",
        BOOT_MODEM,
        Lookups(registration_status="Accepted"),
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_MODEM_STATION,
                    "bootReason": "FirmwareUpdate",
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                    "lastSeen": NOW_ISO,
                }
            )
        ],
    ),
    (
        "boot-empty-modem",
        "BootNotification",
        {"chargingStation": {"model": "M3", "vendorName": "Acme", "modem": {}}, "reason": "Unknown"},
        Lookups(registration_status="Accepted"),
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": {
                        "model": "M3",
                        "vendorName": "Acme",
                        "serialNumber": None,
                        "firmwareVersion": None,
                        "modem": {"iccid": None, "imsi": None},
                    },
                    "bootReason": "Unknown",
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                    "lastSeen": NOW_ISO,
                }
            )
        ],
    ),
    (
        "heartbeat",
        "Heartbeat",
        {},
        Lookups(),
        {"currentTime": NOW_ISO},
        [ShadowUpdate({"lastHeartbeat": NOW_ISO, "lastSeen": NOW_ISO})],
    ),
    (
        "status",
        "StatusNotification",
        {"timestamp": T0, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 2},
        Lookups(),
        {},
        [
            ShadowUpdate(
                {
                    "evses": {"1": {"connectors": {"2": {"status": "Occupied", "timestamp": T0}}}},
                    "lastSeen": NOW_ISO,
                }
            )
        ],
    ),
    (
        "tx-started",
        "TransactionEvent",
        TX_STARTED,
        TOKEN_ACCEPTED,
        {"idTokenInfo": {"status": "Accepted"}},
        [
            # Started first clears the old transaction (lastSeen folds into this first update) ...
            ShadowUpdate(
                {
                    "activeTransaction": None,
                    "evses": {"1": {"activeTransaction": None}},
                    "lastSeen": NOW_ISO,
                }
            ),
            # ... then writes the new one whole.
            ShadowUpdate(
                {
                    "activeTransaction": TX_STARTED_TRANSACTION,
                    "evses": {"1": {"activeTransaction": TX_STARTED_TRANSACTION}},
                }
            ),
            TransactionRecord(
                "tx-1",
                {**TX_STARTED_TRANSACTION, "status": "Started"},
                event=_event(TX_STARTED),
                meter_values=(METER_1, METER_2),
            ),
        ],
    ),
    (
        "tx-updated",
        "TransactionEvent",
        TX_UPDATED,
        Lookups(),
        {},
        [
            ShadowUpdate({"activeTransaction": TX_UPDATED_TRANSACTION, "lastSeen": NOW_ISO}),
            TransactionRecord(
                "tx-1",
                {**TX_UPDATED_TRANSACTION, "status": "Updated"},
                event=_event(TX_UPDATED),
                meter_values=(METER_2,),
            ),
        ],
    ),
    (
        # Ended reports lastTransaction; the shadow service removes activeTransaction (TransactionRecord.ended).
        "tx-ended",
        "TransactionEvent",
        TX_ENDED,
        TOKEN_ACCEPTED,
        {"idTokenInfo": {"status": "Accepted"}},
        [
            ShadowUpdate({"lastTransaction": None, "lastSeen": NOW_ISO}),
            ShadowUpdate({"lastTransaction": TX_ENDED_TRANSACTION}),
            TransactionRecord(
                "tx-1", {**TX_ENDED_TRANSACTION, "status": "Ended"}, ended=True, event=_event(TX_ENDED)
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("action", "request_payload", "lookups", "reply_payload", "effects"),
    [case[1:] for case in GOLDEN_CALLS],
    ids=[case[0] for case in GOLDEN_CALLS],
)
@pytest.mark.parametrize("version", [V201, V20, V21])
def test_golden_calls(
    processor: FrameProcessor,
    schemas: SchemaRegistry,
    version: OcppVersion,
    action: str,
    request_payload: Payload,
    lookups: Lookups,
    reply_payload: Payload,
    effects: list[Effect],
) -> None:
    outcome = _process(processor, _raw([2, "msg-1", action, request_payload]), version, lookups=lookups)
    assert outcome == Outcome(
        CallResult("msg-1", reply_payload),
        effects,
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
    outcome = _process(processor, _raw([2, "m1", action, payload]), lookups=TOKEN_ACCEPTED)
    assert outcome.reply is not None
    assert outcome.reply.to_json() == text


def test_the_reply_time_is_utc(processor: FrameProcessor) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=2)))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]), now=local)
    assert outcome.reply == CallResult("m1", {"currentTime": NOW_ISO})
    assert outcome.effects == [ShadowUpdate({"lastHeartbeat": NOW_ISO, "lastSeen": NOW_ISO})]


def test_the_heartbeat_interval_is_the_configured_one(schemas: SchemaRegistry) -> None:
    outcome = FrameProcessor(schemas, shipped_routing(), heartbeat_interval=45).process(
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
        ShadowUpdate({"lastTransaction": None, "lastSeen": NOW_ISO}),
        ShadowUpdate(
            {
                "lastTransaction": {
                    "transactionId": "tx-9",
                    "updatedAt": T0,
                    "lastTriggerReason": "EVCommunicationLost",
                    "endTime": T0,
                },
            }
        ),
        # No stoppedReason: the record gets none (never a null).
        TransactionRecord(
            "tx-9",
            {
                "transactionId": "tx-9",
                "updatedAt": T0,
                "lastTriggerReason": "EVCommunicationLost",
                "status": "Ended",
                "endTime": T0,
            },
            ended=True,
            event=_event(request),
        ),
    ]


@pytest.mark.parametrize(
    ("id_token", "lookups", "status"),
    [
        (ID_TOKEN, TOKEN_ACCEPTED, "Accepted"),
        (ID_TOKEN, Lookups(tokens={"04A2B3C4": TokenStatus("Blocked")}), "Blocked"),
        (ID_TOKEN, Lookups(tokens={"04A2B3C4": TokenStatus("Expired")}), "Expired"),
        (ID_TOKEN, Lookups(), "Invalid"),
        (ID_TOKEN, Lookups(tokens={"FFFFFFFF": TokenStatus("Accepted")}), "Invalid"),
        ({"idToken": "", "type": "NoAuthorization"}, Lookups(), "Accepted"),
        (
            {"idToken": "", "type": "NoAuthorization"},
            Lookups(tokens={"": TokenStatus("Blocked")}),
            "Accepted",
        ),
    ],
)
def test_a_transaction_event_token_status_comes_from_the_lookups(
    processor: FrameProcessor, id_token: Payload, lookups: Lookups, status: str
) -> None:
    request = {**TX_UPDATED, "idToken": id_token}
    outcome = _process(processor, _raw([2, "m1", "TransactionEvent", request]), lookups=lookups)
    assert outcome.reply == CallResult("m1", {"idTokenInfo": {"status": status}})


@pytest.mark.parametrize(
    ("lookups", "status"),
    [
        (Lookups(), "Accepted"),
        (Lookups(registration_status="Accepted"), "Accepted"),
        (Lookups(registration_status="Pending"), "Pending"),
        (Lookups(registration_status="Rejected"), "Rejected"),
    ],
)
@pytest.mark.parametrize("frame_status", ["Accepted", "Pending", "Rejected"])
def test_the_boot_status_is_the_registry_one(
    processor: FrameProcessor, lookups: Lookups, status: str, frame_status: str
) -> None:
    # A station not (yet) accepted may always boot; the answer is what the registry says now.
    outcome = _process(
        processor,
        _raw([2, "m1", "BootNotification", BOOT]),
        lookups=lookups,
        registration_status=frame_status,
    )
    assert outcome == Outcome(
        CallResult("m1", {"currentTime": NOW_ISO, "interval": INTERVAL, "status": status}),
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_STATION,
                    "bootReason": "PowerUp",
                    "bootedAt": NOW_ISO,
                    "registrationStatus": status,
                    "lastSeen": NOW_ISO,
                }
            )
        ],
        action="BootNotification",
        message_id="m1",
    )


# --------------------------------------------------------- lastSeen folding


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
        (V21, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 2.1 action"),
        # Reset is a CSMS-initiated action: known to the schemas, routed for no station.
        (
            V201,
            "Reset",
            {"type": "Immediate"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.0.1",
        ),
        # not supported is decided before the payload is looked at
        (V201, "Reset", {"bogus": 1}, "NotSupported", "Reset is not supported by this CSMS for OCPP 2.0.1"),
        (
            V20,
            "Reset",
            {"type": "OnIdle"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.0",
        ),
        (
            V21,
            "Reset",
            {"type": "Immediate"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.1",
        ),
        (
            V201,
            "RequestStartTransaction",
            {},
            "NotSupported",
            "RequestStartTransaction is not supported by this CSMS for OCPP 2.0.1",
        ),
        (V16, "Reset", {"type": "Hard"}, "NotSupported", "Reset is not supported by this CSMS for OCPP 1.6"),
        (
            V16,
            "RemoteStartTransaction",
            {"idTag": "TAG"},
            "NotSupported",
            "RemoteStartTransaction is not supported by this CSMS for OCPP 1.6",
        ),
        (
            V201,
            "Authorize",
            {"idToken": {"idToken": "04A2B3C4"}},
            "OccurenceConstraintViolation",
            "Authorize: idToken: 'type' is a required property",
        ),
        (
            V201,
            "BootNotification",
            {"reason": "PowerUp"},
            "OccurenceConstraintViolation",
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
    ("version", "code"), [(V201, "OccurenceConstraintViolation"), (V16, "OccurenceConstraintViolation")]
)
def test_schema_errors_use_the_version_spelling(
    schemas: SchemaRegistry, version: OcppVersion, code: str
) -> None:
    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("an invalid request reached the handler")

    processor = processor_with(schemas, "BootNotification", Route(never_called))
    outcome = _process(processor, _raw([2, "m1", "BootNotification", {}]), version)
    assert outcome.reply is not None
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == code
    assert outcome.effects == [LAST_SEEN]


@pytest.mark.parametrize("version", [V201, V16])
def test_an_invalid_reply_of_our_own_is_an_internal_error(
    schemas: SchemaRegistry, version: OcppVersion
) -> None:
    def broken(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": 12}, [ShadowUpdate({"x": 1})])

    processor = processor_with(schemas, "Heartbeat", Route(broken))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]), version)
    # The handler's effects are dropped: only lastSeen is reported.
    assert outcome == _call_error(
        "m1", "InternalError", "the CSMS could not build a valid reply", "Heartbeat"
    )


# ------------------------------------------------- stations not yet accepted


@pytest.mark.parametrize("registration_status", ["Pending", "Rejected"])
@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (V201, "Heartbeat", {}),
        (
            V201,
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
        ),
        (V201, "TransactionEvent", TX_STARTED),
        (V201, "Authorize", {"idToken": ID_TOKEN}),
        (V21, "Heartbeat", {}),
        # refused before the payload is validated
        (V201, "Heartbeat", {"extra": True}),
        (V16, "Heartbeat", {}),
    ],
)
def test_only_boot_is_allowed_until_accepted(
    schemas: SchemaRegistry,
    registration_status: str,
    version: OcppVersion,
    action: str,
    payload: Payload,
) -> None:
    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("a station not accepted reached the handler")

    processor = processor_with(schemas, action, Route(never_called))
    outcome = _process(
        processor, _raw([2, "m1", action, payload]), version, registration_status=registration_status
    )
    description = f"registration status is {registration_status}: only BootNotification is allowed"
    assert outcome == _call_error("m1", "SecurityError", description, action)


@pytest.mark.parametrize(
    ("action", "code", "description"),
    [
        ("Bogus", "NotImplemented", "Bogus is not an OCPP 2.0.1 action"),
        ("Reset", "NotSupported", "Reset is not supported by this CSMS for OCPP 2.0.1"),
    ],
)
def test_unknown_and_unrouted_actions_are_refused_as_such_while_pending(
    processor: FrameProcessor, action: str, code: str, description: str
) -> None:
    outcome = _process(processor, _raw([2, "m1", action, {}]), registration_status="Pending")
    assert outcome == _call_error("m1", code, description, action)


def test_a_pending_station_answer_is_still_taken(processor: FrameProcessor) -> None:
    frame = StationFrame(
        STATION, V201, _raw([3, "c1", {"status": "Accepted"}]), "RequestStartTransaction", "Pending"
    )
    assert processor.process(frame, NOW) == Outcome(
        None,
        [LAST_SEEN],
        action="RequestStartTransaction",
        message_id="c1",
        answer=CallResult("c1", {"status": "Accepted"}),
    )


# -------------------------------------------------------- plan and complete

NO_AUTHORIZATION = {"idToken": "", "type": "NoAuthorization"}


@pytest.mark.parametrize(
    ("action", "payload", "lookup"),
    [
        ("BootNotification", BOOT, LookupRequest(registration=True)),
        ("Heartbeat", {}, NO_LOOKUP),
        (
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
            NO_LOOKUP,
        ),
        ("TransactionEvent", TX_STARTED, LookupRequest(tokens=("04A2B3C4",), price_for="04A2B3C4")),
        ("TransactionEvent", TX_UPDATED, NO_LOOKUP),
        ("TransactionEvent", {**TX_UPDATED, "idToken": NO_AUTHORIZATION}, NO_LOOKUP),
        ("Authorize", {"idToken": ID_TOKEN}, LookupRequest(tokens=("04A2B3C4",))),
        ("Authorize", {"idToken": NO_AUTHORIZATION}, NO_LOOKUP),
        ("MeterValues", {"evseId": 1, "meterValue": [METER_1]}, NO_LOOKUP),
    ],
)
@pytest.mark.parametrize("version", [V201, V21])
def test_plan_says_what_to_look_up(
    processor: FrameProcessor, version: OcppVersion, action: str, payload: Payload, lookup: LookupRequest
) -> None:
    frame = StationFrame(STATION, version, _raw([2, "p1", action, payload]))
    plan = processor.plan(frame, NOW)
    assert plan == Plan(frame, Call("p1", action, payload), shipped_routing().call(version, action), lookup)
    assert isinstance(plan, Plan)
    assert plan.lookup.is_empty is (lookup == NO_LOOKUP)


def test_plan_does_not_run_the_handler(schemas: SchemaRegistry) -> None:
    asked: list[Payload] = []

    def needs(request: Payload) -> LookupRequest:
        asked.append(request)
        return LookupRequest(tokens=("X",), allocate_transaction_id=True)

    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("plan ran the handler")

    route = Route(never_called, needs)
    processor = processor_with(schemas, "Heartbeat", route)
    frame = StationFrame(STATION, V201, _raw([2, "p1", "Heartbeat", {}]))
    assert processor.plan(frame, NOW) == Plan(
        frame, Call("p1", "Heartbeat", {}), route, LookupRequest(tokens=("X",), allocate_transaction_id=True)
    )
    assert asked == [{}]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Bogus", {}])),
            _call_error("m1", "NotImplemented", "Bogus is not an OCPP 2.0.1 action", "Bogus"),
        ),
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Heartbeat", {"extra": True}])),
            _call_error(
                "m1",
                "FormatViolation",
                "Heartbeat: (payload): Additional properties are not allowed ('extra' was unexpected)",
                "Heartbeat",
            ),
        ),
        (
            StationFrame(STATION, V201, _raw([2, "m1", "Heartbeat", {}]), registration_status="Pending"),
            _call_error(
                "m1",
                "SecurityError",
                "registration status is Pending: only BootNotification is allowed",
                "Heartbeat",
            ),
        ),
        (
            StationFrame(STATION, V201, b'[2,"m1","Heartbeat",[]]'),
            Outcome(
                CallError("m1", "FormatViolation", "payload must be a JSON object", {}),
                [],
                action="-",
                message_id="m1",
                error="payload must be a JSON object",
            ),
        ),
        (
            StationFrame(STATION, V201, b'[3,"m1"]'),
            Outcome(None, [], message_id="m1", error="a CallResult has 3 elements, the last an object"),
        ),
        (
            StationFrame(STATION, V201, _raw([3, "c1", {"status": "Accepted"}]), "RequestStopTransaction"),
            Outcome(
                None,
                [LAST_SEEN],
                action="RequestStopTransaction",
                message_id="c1",
                answer=CallResult("c1", {"status": "Accepted"}),
            ),
        ),
    ],
    ids=["unknown-action", "invalid-request", "pending", "malformed", "malformed-answer", "answer"],
)
def test_plan_answers_at_once_when_nothing_is_to_be_run(
    processor: FrameProcessor, frame: StationFrame, expected: Outcome
) -> None:
    assert processor.plan(frame, NOW) == expected
    assert processor.process(frame, NOW) == expected


@pytest.mark.parametrize(
    ("lookups", "token_info"),
    [
        (TOKEN_ACCEPTED, {"status": "Accepted"}),
        (
            Lookups(tokens={"04A2B3C4": TokenStatus("Blocked", "2024-06-01T00:00:00.000Z")}),
            {"status": "Blocked", "cacheExpiryDateTime": "2024-06-01T00:00:00.000Z"},
        ),
        (Lookups(), {"status": "Invalid"}),
    ],
)
def test_complete_runs_the_planned_call_with_its_lookups(
    processor: FrameProcessor, lookups: Lookups, token_info: Payload
) -> None:
    frame = StationFrame(STATION, V201, _raw([2, "p1", "TransactionEvent", TX_STARTED]))
    plan = processor.plan(frame, NOW)
    assert isinstance(plan, Plan)
    later = NOW + timedelta(seconds=2)
    outcome = processor.complete(plan, lookups, later)
    assert outcome == Outcome(
        CallResult("p1", {"idTokenInfo": token_info}),
        [
            ShadowUpdate(
                {
                    "activeTransaction": None,
                    "evses": {"1": {"activeTransaction": None}},
                    "lastSeen": "2024-01-02T03:04:07.678Z",
                }
            ),
            ShadowUpdate(
                {
                    "activeTransaction": TX_STARTED_TRANSACTION,
                    "evses": {"1": {"activeTransaction": TX_STARTED_TRANSACTION}},
                }
            ),
            TransactionRecord(
                "tx-1",
                {**TX_STARTED_TRANSACTION, "status": "Started"},
                event=_event(TX_STARTED),
                meter_values=(METER_1, METER_2),
            ),
        ],
        action="TransactionEvent",
        message_id="p1",
    )
    assert processor.process(frame, later, lookups) == outcome


def test_complete_turns_an_invalid_reply_into_an_internal_error(schemas: SchemaRegistry) -> None:
    def broken(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"idTokenInfo": {"status": context.lookups.token("04A2B3C4").status}})

    processor = processor_with(schemas, "Authorize", Route(broken, authorize_needs))
    plan = processor.plan(
        StationFrame(STATION, V201, _raw([2, "p1", "Authorize", {"idToken": ID_TOKEN}])), NOW
    )
    assert isinstance(plan, Plan)
    assert plan.lookup == LookupRequest(tokens=("04A2B3C4",))
    good = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Blocked")}), NOW)
    assert good.reply == CallResult("p1", {"idTokenInfo": {"status": "Blocked"}})
    bad = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Stolen")}), NOW)
    assert bad == _call_error("p1", "InternalError", "the CSMS could not build a valid reply", "Authorize")


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
