"""OCPP 2.x NotifyEvent: golden calls (2.0, 2.0.1 and 2.1)."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import T0, T1, Case, GoldenTests

EVENT_1 = {
    "eventId": 6,
    "timestamp": T0,
    "trigger": "Alerting",
    "actualValue": "95",
    "eventNotificationType": "CustomMonitor",
    "component": {"name": "TemperatureSensor"},
    "variable": {"name": "Temperature"},
}

EVENT_2 = {
    "eventId": 7,
    "timestamp": T1,
    "trigger": "Delta",
    "actualValue": "Faulted",
    "eventNotificationType": "HardWiredNotification",
    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
    "variable": {"name": "AvailabilityState", "instance": "main"},
    "cause": 6,
    "cleared": True,
    "techCode": "E42",
    "techInfo": "over temperature",
    "transactionId": "tx-1",
}


CASES = [
    Case(
        "notify-event",
        "NotifyEvent",
        {"generatedAt": T1, "seqNo": 4, "tbc": False, "eventData": [EVENT_1, EVENT_2]},
        {},
        {
            "lastEvents": {"generatedAt": T1, "seqNo": 4, "count": 2},
            "lastEvent": {
                "eventId": 7,
                "timestamp": T1,
                "trigger": "Delta",
                "actualValue": "Faulted",
                "eventNotificationType": "HardWiredNotification",
                "componentName": "Connector",
                "variableName": "AvailabilityState",
            },
        },
    ),
    Case(
        "notify-event-one",
        "NotifyEvent",
        {"generatedAt": T0, "seqNo": 0, "eventData": [EVENT_1]},
        {},
        {
            "lastEvents": {"generatedAt": T0, "seqNo": 0, "count": 1},
            "lastEvent": {
                "eventId": 6,
                "timestamp": T0,
                "trigger": "Alerting",
                "actualValue": "95",
                "eventNotificationType": "CustomMonitor",
                "componentName": "TemperatureSensor",
                "variableName": "Temperature",
            },
        },
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
