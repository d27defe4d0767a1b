"""What recorded changes mean as events (pure)."""

from __future__ import annotations

from csms_common.events import EventType
from csms_common.topics import PresenceEvent, RegistryMethod
from csms_shadow.events.event_mapping import (
    command_events,
    presence_events,
    registry_events,
    shadow_update_events,
    transaction_events,
)


def test_presence() -> None:
    presence = {"sessionId": "s1", "gatewayInstance": "g1", "protocol": "ocpp2.0.1", "ipAddress": "10.0.0.9"}
    assert presence_events(PresenceEvent.CONNECTED, presence) == [
        (EventType.STATION_CONNECTED, {"sessionId": "s1", "gatewayInstance": "g1", "protocol": "ocpp2.0.1"})
    ]
    assert (
        presence_events(PresenceEvent.DISCONNECTED, {"closeCode": 1001})[0][0]
        is EventType.STATION_DISCONNECTED
    )


def test_boot_status_and_security_event_in_a_shadow_update() -> None:
    reported = {
        "chargingStation": {"model": "M"},
        "bootReason": "PowerUp",
        "bootedAt": "2024-01-01T00:00:00Z",
        "registrationStatus": "Accepted",
        "evses": {"2": {"connectors": {"1": {"status": "Faulted", "timestamp": "t"}}}},
        "lastSecurityEvent": {"type": "TamperDetected", "timestamp": "t", "techInfo": None},
    }
    assert shadow_update_events(reported) == [
        (
            EventType.STATION_BOOTED,
            {
                "chargingStation": {"model": "M"},
                "bootReason": "PowerUp",
                "registrationStatus": "Accepted",
                "bootedAt": "2024-01-01T00:00:00Z",
            },
        ),
        (
            EventType.CONNECTOR_STATUS_CHANGED,
            {"connectorId": 1, "status": "Faulted", "evseId": 2, "timestamp": "t"},
        ),
        (EventType.SECURITY_EVENT, {"type": "TamperDetected", "timestamp": "t"}),
    ]


def test_ocpp16_charge_point_status_is_connector_zero() -> None:
    assert shadow_update_events({"chargePointStatus": {"status": "Unavailable", "errorCode": "NoError"}}) == [
        (
            EventType.CONNECTOR_STATUS_CHANGED,
            {"connectorId": 0, "status": "Unavailable", "errorCode": "NoError"},
        )
    ]


def test_heartbeats_and_meter_values_are_silent() -> None:
    assert shadow_update_events({"lastHeartbeat": "t"}) == []
    assert shadow_update_events({"evses": {"1": {"lastMeterValue": {}}}}) == []
    assert shadow_update_events({"activeTransaction": {"transactionId": "t1"}}) == []


def test_transactions() -> None:
    started = {"transactionId": "t1", "fields": {"status": "Started", "evseId": 1}, "event": {"seqNo": 0}}
    assert transaction_events(started) == [
        (EventType.TRANSACTION_STARTED, {"transactionId": "t1", "status": "Started", "evseId": 1, "seqNo": 0})
    ]
    updated = {"transactionId": 7, "fields": {"lastMeterValue": {"v": 1}}}
    assert transaction_events(updated) == [
        (EventType.TRANSACTION_UPDATED, {"transactionId": "7", "lastMeterValue": {"v": 1}})
    ]
    ended = {"transactionId": "t1", "fields": {"status": "Ended"}, "ended": True}
    assert transaction_events(ended)[0][0] is EventType.TRANSACTION_ENDED


def test_commands() -> None:
    expected = {
        "sent": EventType.COMMAND_SENT,
        "answered": EventType.COMMAND_ANSWERED,
        "error": EventType.COMMAND_FAILED,
        "rejected": EventType.COMMAND_FAILED,
        "closed": EventType.COMMAND_FAILED,
        "timeout": EventType.COMMAND_TIMED_OUT,
    }
    for state, event_type in expected.items():
        body = {"messageId": "m1", "state": state, "action": "Reset"}
        assert command_events(body) == [(event_type, body)]
    assert command_events({"messageId": "m1", "state": "weird"}) == []


def test_registry_changes_only_when_they_succeeded() -> None:
    answer = {
        "chargePointId": "CP1",
        "registrationStatus": "Pending",
        "securityProfile": 0,
        "connected": False,
    }
    assert registry_events(RegistryMethod.CREATE, 201, answer) == [
        (
            EventType.REGISTRATION_CHANGED,
            {"change": "registered", "registrationStatus": "Pending", "securityProfile": 0},
        )
    ]
    assert registry_events(RegistryMethod.DELETE, 200, {"deleted": True}) == [
        (EventType.REGISTRATION_CHANGED, {"change": "deleted", "deleted": True})
    ]
    assert registry_events(RegistryMethod.CREATE, 409, {}) == []
    assert registry_events(RegistryMethod.GET, 200, answer) == []
