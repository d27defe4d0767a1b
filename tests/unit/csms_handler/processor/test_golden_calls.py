"""FrameProcessor, golden calls: exact replies and shadow effects of each action, and the reply's wire text and time."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from csms_common.ocpp.frames import CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    Effect,
    Lookups,
    Payload,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from csms_handler.processor import FrameProcessor, Outcome, StationFrame
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.processor.frames import (
    BOOT,
    BOOT_MODEM,
    BOOT_MODEM_STATION,
    BOOT_STATION,
    ID_TOKEN,
    INTERVAL,
    METER_1,
    METER_2,
    NOW,
    NOW_ISO,
    STATION,
    T0,
    TOKEN_ACCEPTED,
    TX_ENDED,
    TX_ENDED_TRANSACTION,
    TX_STARTED,
    TX_STARTED_TRANSACTION,
    TX_UPDATED,
    TX_UPDATED_TRANSACTION,
    V20,
    V21,
    V201,
    _event,
    _process,
    _raw,
)

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
