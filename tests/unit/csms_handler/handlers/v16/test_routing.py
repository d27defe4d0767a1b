"""OCPP 1.6 routing table, requests refused before any handler, and rules across actions' golden cases."""

from __future__ import annotations

import pytest

from csms_common.ocpp.frames import CallError
from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.context import Lookups, Payload
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.processor import FrameProcessor
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.handlers.v16.golden import LAST_SEEN, T0, V16, _at, _objects, _process, _updates
from tests.unit.csms_handler.handlers.v16.test_authorize import CASES as AUTHORIZE_CASES
from tests.unit.csms_handler.handlers.v16.test_boot_notification import CASES as BOOT_NOTIFICATION_CASES
from tests.unit.csms_handler.handlers.v16.test_data_transfer import CASES as DATA_TRANSFER_CASES
from tests.unit.csms_handler.handlers.v16.test_diagnostics_status_notification import (
    CASES as DIAGNOSTICS_STATUS_NOTIFICATION_CASES,
)
from tests.unit.csms_handler.handlers.v16.test_firmware_status_notification import (
    CASES as FIRMWARE_STATUS_NOTIFICATION_CASES,
)
from tests.unit.csms_handler.handlers.v16.test_heartbeat import CASES as HEARTBEAT_CASES
from tests.unit.csms_handler.handlers.v16.test_log_status_notification import (
    CASES as LOG_STATUS_NOTIFICATION_CASES,
)
from tests.unit.csms_handler.handlers.v16.test_meter_values import CASES as METER_VALUES_CASES
from tests.unit.csms_handler.handlers.v16.test_security_event_notification import (
    CASES as SECURITY_EVENT_NOTIFICATION_CASES,
)
from tests.unit.csms_handler.handlers.v16.test_sign_certificate import CASES as SIGN_CERTIFICATE_CASES
from tests.unit.csms_handler.handlers.v16.test_signed_firmware_status_notification import (
    CASES as SIGNED_FIRMWARE_STATUS_NOTIFICATION_CASES,
)
from tests.unit.csms_handler.handlers.v16.test_start_transaction import CASES as START_TRANSACTION_CASES
from tests.unit.csms_handler.handlers.v16.test_status_notification import CASES as STATUS_NOTIFICATION_CASES
from tests.unit.csms_handler.handlers.v16.test_stop_transaction import CASES as STOP_TRANSACTION_CASES

CASES = [
    *AUTHORIZE_CASES,
    *BOOT_NOTIFICATION_CASES,
    *DATA_TRANSFER_CASES,
    *DIAGNOSTICS_STATUS_NOTIFICATION_CASES,
    *FIRMWARE_STATUS_NOTIFICATION_CASES,
    *HEARTBEAT_CASES,
    *LOG_STATUS_NOTIFICATION_CASES,
    *METER_VALUES_CASES,
    *SECURITY_EVENT_NOTIFICATION_CASES,
    *SIGN_CERTIFICATE_CASES,
    *SIGNED_FIRMWARE_STATUS_NOTIFICATION_CASES,
    *START_TRANSACTION_CASES,
    *STATUS_NOTIFICATION_CASES,
    *STOP_TRANSACTION_CASES,
]

CASE_IDS = [case.name for case in CASES]

HANDLED_ACTIONS = {
    "Authorize",
    "BootNotification",
    "DataTransfer",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
}


# ------------------------------------------------------------------ the routing table


def test_the_routing_table_has_every_station_initiated_action() -> None:
    assert set(V16_ROUTES) == HANDLED_ACTIONS
    assert {case.action for case in CASES} == HANDLED_ACTIONS


@pytest.mark.parametrize("action", sorted(HANDLED_ACTIONS))
def test_every_routed_action_is_a_16_action_and_routed_by_version(
    schemas: SchemaRegistry, action: str
) -> None:
    assert schemas.knows(V16, action)
    assert shipped_routing().call(V16, action) is V16_ROUTES[action]


REPORTED_OBJECTS: list[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]] = [
    ("chargingStation", ("BootNotification",), (("chargingStation",),)),
    ("modem", ("BootNotification",), (("chargingStation", "modem"),)),
    # A connector's status and the charge point's are one kind of object.
    ("status", ("StatusNotification",), (("chargePointStatus",), ("evses", "*", "connectors", "1"))),
    ("lastDataTransfer", ("DataTransfer",), (("lastDataTransfer",),)),
    # Plain and signed firmware statuses are one object.
    (
        "firmwareStatus",
        ("FirmwareStatusNotification", "SignedFirmwareStatusNotification"),
        (("firmwareStatus",),),
    ),
    ("logStatus", ("LogStatusNotification",), (("logStatus",),)),
    ("lastSecurityEvent", ("SecurityEventNotification",), (("lastSecurityEvent",),)),
]
"""Each kind of reported object with optional fields: the actions that report it and where it is."""


@pytest.mark.parametrize(
    ("actions", "patterns"),
    [entry[1:] for entry in REPORTED_OBJECTS],
    ids=[entry[0] for entry in REPORTED_OBJECTS],
)
def test_each_reported_object_always_has_the_same_keys(
    actions: tuple[str, ...], patterns: tuple[tuple[str, ...], ...]
) -> None:
    """Whatever the station sent, a reported object has one set of keys: nothing of an earlier one survives."""
    shown = [
        _at(reported, path)
        for case in CASES
        if case.action in actions
        for reported in _updates(case)
        for pattern in patterns
        for path in _objects(reported, pattern)
    ]
    assert len(shown) >= 2
    assert len({frozenset(item) for item in shown}) == 1, shown


@pytest.mark.parametrize(
    ("action", "payload", "code"),
    [
        (
            "StartTransaction",
            {"connectorId": 1, "meterStart": 0, "timestamp": T0},
            "OccurenceConstraintViolation",
        ),
        (
            "StopTransaction",
            {"transactionId": "7", "meterStop": 1, "timestamp": T0},
            "TypeConstraintViolation",
        ),
        (
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Busy"},
            "PropertyConstraintViolation",
        ),
        ("MeterValues", {"connectorId": 1, "meterValue": []}, "OccurenceConstraintViolation"),
    ],
    ids=["start-without-id-tag", "stop-string-id", "status-unknown", "meter-values-empty"],
)
def test_invalid_requests_never_reach_a_handler(
    processor: FrameProcessor, action: str, payload: Payload, code: str
) -> None:
    outcome = _process(processor, action, payload, Lookups(transaction_id=1))

    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == code
    assert outcome.effects == [LAST_SEEN]
