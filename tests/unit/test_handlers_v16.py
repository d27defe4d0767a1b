"""OCPP 1.6 handlers: golden requests in, exact replies, effects and lookups out, at a fixed time.

Each golden case runs twice: through the FrameProcessor (raw frame, schema checks
both ways, ``lastSeen`` folded in) and by calling the handler directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.frames import CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    NO_LOOKUP,
    CallContext,
    Effect,
    LookupRequest,
    Lookups,
    Payload,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.handlers.v16.authorize import authorize
from csms_handler.handlers.v16.boot_notification import boot_notification
from csms_handler.handlers.v16.start_transaction import start_transaction
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame
from csms_handler.routing import route_for

V16 = OcppVersion.V16
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
T1 = "2024-01-02T03:30:00.000Z"
T2 = "2024-01-02T04:00:00.000Z"
EXPIRY = "2024-12-31T23:59:59.000Z"
STATION = "CP-016"
MESSAGE_ID = "m-16"
INTERVAL = 300
LAST_SEEN = ShadowUpdate({"lastSeen": NOW_ISO})

TAG = "04A2B3C4"
OTHER_TAG = "DEADBEEF"
ACCEPTED_TAG = TokenStatus("Accepted")
BLOCKED_TAG = TokenStatus("Blocked")
EXPIRED_TAG = TokenStatus("Expired", expiry_date=EXPIRY)


def _tokens(statuses: dict[str, TokenStatus]) -> Lookups:
    return Lookups(tokens=MappingProxyType(statuses))


def _token(value: str, status: TokenStatus) -> Lookups:
    return Lookups(tokens=MappingProxyType({value: status}))


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, INTERVAL)


def _raw(action: str, payload: Payload, message_id: str = MESSAGE_ID) -> bytes:
    return json.dumps([2, message_id, action, payload]).encode()


def _process(
    processor: FrameProcessor,
    action: str,
    payload: Payload,
    lookups: Lookups | None = None,
    registration_status: str = "Accepted",
) -> Outcome:
    frame = StationFrame(STATION, V16, _raw(action, payload), registration_status=registration_status)
    return processor.process(frame, NOW, lookups)


def _context(lookups: Lookups | None = None) -> CallContext:
    return CallContext(STATION, V16, MESSAGE_ID, NOW, INTERVAL, lookups or Lookups())


def _seen(effects: list[Effect]) -> list[Effect]:
    """The processor's rule: ``lastSeen`` goes into the first shadow update, or is appended."""
    for index, effect in enumerate(effects):
        if isinstance(effect, ShadowUpdate):
            merged = ShadowUpdate({**effect.reported, "lastSeen": NOW_ISO})
            return [*effects[:index], merged, *effects[index + 1 :]]
    return [*effects, LAST_SEEN]


# ------------------------------------------------------------------ golden requests

BOOT_FULL = {
    "chargePointVendor": "Acme",
    "chargePointModel": "Volt-22",
    "chargePointSerialNumber": "CPS-1",
    "chargeBoxSerialNumber": "CBS-1",
    "firmwareVersion": "1.2.3",
    "iccid": "8931000000000000001",
    "imsi": "204040000000001",
    "meterType": "EM-340",
    "meterSerialNumber": "MS-9",
}
BOOT_FULL_STATION = {
    "model": "Volt-22",
    "vendorName": "Acme",
    "serialNumber": "CPS-1",
    "firmwareVersion": "1.2.3",
    "modem": {"iccid": "8931000000000000001", "imsi": "204040000000001"},
    "chargeBoxSerialNumber": "CBS-1",
    "meterType": "EM-340",
    "meterSerialNumber": "MS-9",
}
BOOT_MINIMAL = {"chargePointVendor": "Acme", "chargePointModel": "Volt-22"}
BOOT_MINIMAL_STATION = {
    "model": "Volt-22",
    "vendorName": "Acme",
    "serialNumber": None,
    "firmwareVersion": None,
    "modem": None,
    "chargeBoxSerialNumber": None,
    "meterType": None,
    "meterSerialNumber": None,
}
"""Every identity key is written at every boot: null deletes what an earlier boot reported."""

METER_1 = {"timestamp": T0, "sampledValue": [{"value": "0"}]}
METER_2 = {
    "timestamp": T1,
    "sampledValue": [
        {
            "value": "1234.5",
            "context": "Sample.Periodic",
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
        }
    ],
}

START_FULL = {"connectorId": 2, "idTag": TAG, "meterStart": 100, "timestamp": T0, "reservationId": 9}
START_FULL_SHOWN = {
    "transactionId": 42,
    "evseId": 2,
    "connectorId": 2,
    "idTag": TAG,
    "meterStart": 100,
    "startTime": T0,
    "reservationId": 9,
}
START_MINIMAL = {"connectorId": 1, "idTag": OTHER_TAG, "meterStart": 0, "timestamp": T0}
START_MINIMAL_SHOWN = {
    "transactionId": 7,
    "evseId": 1,
    "connectorId": 1,
    "idTag": OTHER_TAG,
    "meterStart": 0,
    "startTime": T0,
}

STOP_FULL = {
    "transactionId": 42,
    "idTag": TAG,
    "meterStop": 2100,
    "timestamp": T2,
    "reason": "Local",
    "transactionData": [METER_1, METER_2],
}
STOP_MINIMAL = {"transactionId": 7, "meterStop": 50, "timestamp": T2}

# The clearing update a handler sends before writing a whole new transaction object,
# so no optional field of an older one survives the shadow's key-by-key merge.
CLEAR_ACTIVE_1 = ShadowUpdate({"activeTransaction": None, "evses": {"1": {"activeTransaction": None}}})
CLEAR_ACTIVE_2 = ShadowUpdate({"activeTransaction": None, "evses": {"2": {"activeTransaction": None}}})
CLEAR_LAST = ShadowUpdate({"lastTransaction": None})
CLEARING_ACTIONS = {"StartTransaction", "StopTransaction"}
"""Actions whose first effect is a clearing update (nulls only), and only that one."""


@dataclass(frozen=True)
class Case:
    """One golden call: the request, the lookups the shell fetched, and everything expected of it."""

    name: str
    action: str
    request: Payload
    reply: Payload
    effects: list[Effect]
    needs: LookupRequest = NO_LOOKUP
    lookups: Lookups = field(default_factory=Lookups)


CASES = [
    # ---------------------------------------------------------------- BootNotification
    Case(
        "boot-full",
        "BootNotification",
        BOOT_FULL,
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_FULL_STATION,
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Accepted"),
    ),
    Case(
        "boot-minimal-unknown-registration-is-accepted",
        "BootNotification",
        BOOT_MINIMAL,
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_MINIMAL_STATION,
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                }
            )
        ],
        LookupRequest(registration=True),
    ),
    Case(
        "boot-pending-iccid-only",
        "BootNotification",
        {**BOOT_MINIMAL, "iccid": "8931000000000000001"},
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Pending"},
        [
            ShadowUpdate(
                {
                    "chargingStation": {
                        **BOOT_MINIMAL_STATION,
                        "modem": {"iccid": "8931000000000000001", "imsi": None},
                    },
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Pending",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Pending"),
    ),
    Case(
        "boot-rejected-imsi-and-meter-type",
        "BootNotification",
        {**BOOT_MINIMAL, "imsi": "204040000000001", "meterType": "EM-340"},
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Rejected"},
        [
            ShadowUpdate(
                {
                    "chargingStation": {
                        **BOOT_MINIMAL_STATION,
                        "modem": {"iccid": None, "imsi": "204040000000001"},
                        "meterType": "EM-340",
                    },
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Rejected",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Rejected"),
    ),
    # ---------------------------------------------------------------- Heartbeat
    Case(
        "heartbeat",
        "Heartbeat",
        {},
        {"currentTime": NOW_ISO},
        [ShadowUpdate({"lastHeartbeat": NOW_ISO})],
    ),
    # ---------------------------------------------------------------- StatusNotification
    Case(
        "status-connector-full",
        "StatusNotification",
        {
            "connectorId": 2,
            "errorCode": "GroundFailure",
            "status": "Faulted",
            "timestamp": T0,
            "info": "RCD tripped",
            "vendorErrorCode": "E42",
            "vendorId": "com.acme",
        },
        {},
        [
            ShadowUpdate(
                {
                    "evses": {
                        "2": {
                            "connectors": {
                                "1": {
                                    "status": "Faulted",
                                    "errorCode": "GroundFailure",
                                    "timestamp": T0,
                                    "info": "RCD tripped",
                                    "vendorErrorCode": "E42",
                                    "vendorId": "com.acme",
                                }
                            }
                        }
                    }
                }
            )
        ],
    ),
    Case(
        "status-connector-minimal",
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        {},
        [
            ShadowUpdate(
                {
                    "evses": {
                        "1": {
                            "connectors": {
                                "1": {
                                    "status": "Available",
                                    "errorCode": "NoError",
                                    "timestamp": None,
                                    "info": None,
                                    "vendorErrorCode": None,
                                    "vendorId": None,
                                }
                            }
                        }
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-full",
        "StatusNotification",
        {
            "connectorId": 0,
            "errorCode": "OtherError",
            "status": "Unavailable",
            "timestamp": T1,
            "info": "maintenance",
            "vendorErrorCode": "M1",
            "vendorId": "com.acme",
        },
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Unavailable",
                        "errorCode": "OtherError",
                        "timestamp": T1,
                        "info": "maintenance",
                        "vendorErrorCode": "M1",
                        "vendorId": "com.acme",
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-minimal",
        "StatusNotification",
        {"connectorId": 0, "errorCode": "NoError", "status": "Available"},
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Available",
                        "errorCode": "NoError",
                        "timestamp": None,
                        "info": None,
                        "vendorErrorCode": None,
                        "vendorId": None,
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-with-timestamp",
        "StatusNotification",
        {"connectorId": 0, "errorCode": "NoError", "status": "Available", "timestamp": T0},
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Available",
                        "errorCode": "NoError",
                        "timestamp": T0,
                        "info": None,
                        "vendorErrorCode": None,
                        "vendorId": None,
                    }
                }
            )
        ],
    ),
    # ---------------------------------------------------------------- Authorize
    Case(
        "authorize-accepted",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Accepted"}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, ACCEPTED_TAG),
    ),
    Case(
        "authorize-blocked",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Blocked"}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, BLOCKED_TAG),
    ),
    Case(
        "authorize-expired-with-expiry-date",
        "Authorize",
        {"idTag": TAG},
        {"idTagInfo": {"status": "Expired", "expiryDate": EXPIRY}},
        [],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, EXPIRED_TAG),
    ),
    Case(
        "authorize-unknown-is-invalid",
        "Authorize",
        {"idTag": OTHER_TAG},
        {"idTagInfo": {"status": "Invalid"}},
        [],
        LookupRequest(tokens=(OTHER_TAG,)),
        # Only another tag is known: the asked one is missing from the answer.
        _token(TAG, ACCEPTED_TAG),
    ),
    # ---------------------------------------------------------------- StartTransaction
    Case(
        "start-full-accepted",
        "StartTransaction",
        START_FULL,
        {"transactionId": 42, "idTagInfo": {"status": "Accepted"}},
        [
            CLEAR_ACTIVE_2,
            ShadowUpdate(
                {
                    "activeTransaction": START_FULL_SHOWN,
                    "evses": {"2": {"activeTransaction": START_FULL_SHOWN}},
                }
            ),
            TransactionRecord(
                "42",
                {
                    "transactionId": "42",
                    "connectorId": 2,
                    "evseId": 2,
                    "idTag": TAG,
                    "meterStart": 100,
                    "startTime": T0,
                    "status": "Started",
                    "reservationId": 9,
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: ACCEPTED_TAG}), transaction_id=42),
    ),
    Case(
        "start-minimal-unknown-tag-is-still-recorded",
        "StartTransaction",
        START_MINIMAL,
        {"transactionId": 7, "idTagInfo": {"status": "Invalid"}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": START_MINIMAL_SHOWN,
                    "evses": {"1": {"activeTransaction": START_MINIMAL_SHOWN}},
                }
            ),
            TransactionRecord(
                "7",
                {
                    "transactionId": "7",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": OTHER_TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(OTHER_TAG,), allocate_transaction_id=True),
        Lookups(transaction_id=7),
    ),
    Case(
        "start-blocked-tag-is-still-recorded",
        "StartTransaction",
        {**START_MINIMAL, "idTag": TAG},
        {"transactionId": 7, "idTagInfo": {"status": "Blocked"}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": {**START_MINIMAL_SHOWN, "idTag": TAG},
                    "evses": {"1": {"activeTransaction": {**START_MINIMAL_SHOWN, "idTag": TAG}}},
                }
            ),
            TransactionRecord(
                "7",
                {
                    "transactionId": "7",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: BLOCKED_TAG}), transaction_id=7),
    ),
    Case(
        "start-expired-tag",
        "StartTransaction",
        {**START_MINIMAL, "idTag": TAG},
        {"transactionId": 8, "idTagInfo": {"status": "Expired", "expiryDate": EXPIRY}},
        [
            CLEAR_ACTIVE_1,
            ShadowUpdate(
                {
                    "activeTransaction": {**START_MINIMAL_SHOWN, "transactionId": 8, "idTag": TAG},
                    "evses": {
                        "1": {"activeTransaction": {**START_MINIMAL_SHOWN, "transactionId": 8, "idTag": TAG}}
                    },
                }
            ),
            TransactionRecord(
                "8",
                {
                    "transactionId": "8",
                    "connectorId": 1,
                    "evseId": 1,
                    "idTag": TAG,
                    "meterStart": 0,
                    "startTime": T0,
                    "status": "Started",
                },
            ),
        ],
        LookupRequest(tokens=(TAG,), allocate_transaction_id=True),
        Lookups(tokens=MappingProxyType({TAG: EXPIRED_TAG}), transaction_id=8),
    ),
    # ---------------------------------------------------------------- StopTransaction
    Case(
        "stop-full",
        "StopTransaction",
        STOP_FULL,
        {"idTagInfo": {"status": "Accepted"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {
                    "lastTransaction": {
                        "transactionId": 42,
                        "endTime": T2,
                        "meterStop": 2100,
                        "stoppedReason": "Local",
                        "idTag": TAG,
                    }
                }
            ),
            TransactionRecord(
                "42",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 2100,
                    "stoppedReason": "Local",
                    "stopIdTag": TAG,
                    "lastMeterValue": METER_2,
                },
                ended=True,
                meter_values=(METER_1, METER_2),
            ),
        ],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, ACCEPTED_TAG),
    ),
    Case(
        "stop-without-id-tag",
        "StopTransaction",
        STOP_MINIMAL,
        {},
        [
            CLEAR_LAST,
            ShadowUpdate({"lastTransaction": {"transactionId": 7, "endTime": T2, "meterStop": 50}}),
            TransactionRecord("7", {"status": "Ended", "endTime": T2, "meterStop": 50}, ended=True),
        ],
    ),
    Case(
        "stop-unknown-tag-empty-transaction-data",
        "StopTransaction",
        {**STOP_MINIMAL, "idTag": OTHER_TAG, "reason": "EVDisconnected", "transactionData": []},
        {"idTagInfo": {"status": "Invalid"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {
                    "lastTransaction": {
                        "transactionId": 7,
                        "endTime": T2,
                        "meterStop": 50,
                        "stoppedReason": "EVDisconnected",
                        "idTag": OTHER_TAG,
                    }
                }
            ),
            TransactionRecord(
                "7",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 50,
                    "stoppedReason": "EVDisconnected",
                    "stopIdTag": OTHER_TAG,
                },
                ended=True,
            ),
        ],
        LookupRequest(tokens=(OTHER_TAG,)),
    ),
    Case(
        "stop-blocked-tag-one-meter-value",
        "StopTransaction",
        {**STOP_MINIMAL, "idTag": TAG, "transactionData": [METER_1]},
        {"idTagInfo": {"status": "Blocked"}},
        [
            CLEAR_LAST,
            ShadowUpdate(
                {"lastTransaction": {"transactionId": 7, "endTime": T2, "meterStop": 50, "idTag": TAG}}
            ),
            TransactionRecord(
                "7",
                {
                    "status": "Ended",
                    "endTime": T2,
                    "meterStop": 50,
                    "stopIdTag": TAG,
                    "lastMeterValue": METER_1,
                },
                ended=True,
                meter_values=(METER_1,),
            ),
        ],
        LookupRequest(tokens=(TAG,)),
        _token(TAG, BLOCKED_TAG),
    ),
    # ---------------------------------------------------------------- MeterValues
    Case(
        "meter-values-connector-in-transaction",
        "MeterValues",
        {"connectorId": 2, "transactionId": 42, "meterValue": [METER_1, METER_2]},
        {},
        [
            ShadowUpdate({"evses": {"2": {"lastMeterValue": METER_2}}}),
            TransactionRecord(
                "42", {"lastMeterValue": METER_2}, update_only=True, meter_values=(METER_1, METER_2)
            ),
        ],
    ),
    Case(
        "meter-values-connector-no-transaction",
        "MeterValues",
        {"connectorId": 1, "meterValue": [METER_1]},
        {},
        [ShadowUpdate({"evses": {"1": {"lastMeterValue": METER_1}}})],
    ),
    Case(
        "meter-values-charge-point",
        "MeterValues",
        {"connectorId": 0, "meterValue": [METER_2, METER_1]},
        {},
        [ShadowUpdate({"lastMeterValue": METER_1})],
    ),
    Case(
        "meter-values-charge-point-in-transaction",
        "MeterValues",
        {"connectorId": 0, "transactionId": 3, "meterValue": [METER_2]},
        {},
        [
            ShadowUpdate({"lastMeterValue": METER_2}),
            TransactionRecord("3", {"lastMeterValue": METER_2}, update_only=True, meter_values=(METER_2,)),
        ],
    ),
    # ---------------------------------------------------------------- DataTransfer
    Case(
        "data-transfer-full",
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Ping", "data": '{"a": 1}'},
        {"status": "UnknownVendorId"},
        [
            ShadowUpdate(
                {"lastDataTransfer": {"vendorId": "com.acme", "messageId": "Ping", "receivedAt": NOW_ISO}}
            )
        ],
    ),
    Case(
        "data-transfer-vendor-only",
        "DataTransfer",
        {"vendorId": "com.acme"},
        {"status": "UnknownVendorId"},
        [
            ShadowUpdate(
                {"lastDataTransfer": {"vendorId": "com.acme", "messageId": None, "receivedAt": NOW_ISO}}
            )
        ],
    ),
    # ---------------------------------------------------------------- diagnostics and firmware
    Case(
        "diagnostics-status",
        "DiagnosticsStatusNotification",
        {"status": "Uploaded"},
        {},
        [ShadowUpdate({"diagnosticsStatus": {"status": "Uploaded", "updatedAt": NOW_ISO}})],
    ),
    Case(
        "firmware-status",
        "FirmwareStatusNotification",
        {"status": "Installing"},
        {},
        # A plain 1.6 status belongs to no SignedUpdateFirmware: no requestId, and none left behind.
        [ShadowUpdate({"firmwareStatus": {"status": "Installing", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
    # ---------------------------------------------------------------- security extension
    Case(
        "security-event-full",
        "SecurityEventNotification",
        {"type": "FirmwareUpdated", "timestamp": T1, "techInfo": "v1.2.3"},
        {},
        [
            ShadowUpdate(
                {"lastSecurityEvent": {"type": "FirmwareUpdated", "timestamp": T1, "techInfo": "v1.2.3"}}
            )
        ],
    ),
    Case(
        "security-event-minimal",
        "SecurityEventNotification",
        {"type": "StartupOfTheDevice", "timestamp": T0},
        {},
        [
            ShadowUpdate(
                {"lastSecurityEvent": {"type": "StartupOfTheDevice", "timestamp": T0, "techInfo": None}}
            )
        ],
    ),
    Case(
        "log-status-with-request",
        "LogStatusNotification",
        {"status": "Uploading", "requestId": 5},
        {},
        [ShadowUpdate({"logStatus": {"status": "Uploading", "requestId": 5, "updatedAt": NOW_ISO}})],
    ),
    Case(
        "log-status-idle",
        "LogStatusNotification",
        {"status": "Idle"},
        {},
        [ShadowUpdate({"logStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
    Case(
        "signed-firmware-status-with-request",
        "SignedFirmwareStatusNotification",
        {"status": "SignatureVerified", "requestId": 11},
        {},
        [
            ShadowUpdate(
                {"firmwareStatus": {"status": "SignatureVerified", "requestId": 11, "updatedAt": NOW_ISO}}
            )
        ],
    ),
    Case(
        "signed-firmware-status-idle",
        "SignedFirmwareStatusNotification",
        {"status": "Idle"},
        {},
        [ShadowUpdate({"firmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}})],
    ),
    Case(
        "sign-certificate-is-rejected",
        "SignCertificate",
        {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"},
        {"status": "Rejected"},
        [],
        needs=LookupRequest(
            sign_certificate={
                "csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"
            }
        ),
        lookups=Lookups(sign_certificate={"status": "Rejected", "reasonCode": "InvalidCSR"}),
    ),
    Case(
        "sign-certificate-is-accepted-when-the-ca-accepts",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Accepted"},
        [],
        needs=LookupRequest(sign_certificate={"csr": "PEM"}),
        lookups=Lookups(sign_certificate={"status": "Accepted"}),
    ),
    Case(
        "sign-certificate-without-an-answer-is-rejected",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Rejected"},
        [],
        needs=LookupRequest(sign_certificate={"csr": "PEM"}),
    ),
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
    assert route_for(V16, action) is V16_ROUTES[action]


# ------------------------------------------------------------------ golden calls


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_call_through_the_processor(processor: FrameProcessor, case: Case) -> None:
    outcome = _process(processor, case.action, case.request, case.lookups)

    assert outcome.reply == CallResult(MESSAGE_ID, case.reply)
    assert outcome.effects == _seen(case.effects)
    assert outcome.action == case.action
    assert outcome.message_id == MESSAGE_ID
    assert outcome.error is None


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_call_direct(case: Case) -> None:
    reply = V16_ROUTES[case.action].handler(case.request, _context(case.lookups))

    assert reply.payload == case.reply
    assert reply.effects == case.effects


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_request_and_reply_match_the_schemas(schemas: SchemaRegistry, case: Case) -> None:
    schemas.validate_request(V16, case.action, case.request)
    schemas.validate_response(V16, case.action, case.reply)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_needs(case: Case) -> None:
    assert V16_ROUTES[case.action].needs(case.request) == case.needs


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_processor_plans_the_lookups_the_handler_needs(processor: FrameProcessor, case: Case) -> None:
    plan = processor.plan(StationFrame(STATION, V16, _raw(case.action, case.request)), NOW)

    assert isinstance(plan, Plan)
    assert plan.lookup == case.needs
    assert plan.lookup.is_empty == (case.needs == NO_LOOKUP)


def _nulls(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of every null in ``value``."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _nulls(item, (*path, key))]
    return []


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return len(pattern) == len(path) and all(
        want in ("*", key) for want, key in zip(pattern, path, strict=True)
    )


_STATUS_OPTIONAL = ("timestamp", "info", "vendorErrorCode", "vendorId")

NULLABLE: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    "BootNotification": {
        ("chargingStation", "serialNumber"): ("chargePointSerialNumber",),
        ("chargingStation", "firmwareVersion"): ("firmwareVersion",),
        ("chargingStation", "modem"): ("iccid", "imsi"),
        ("chargingStation", "modem", "iccid"): ("iccid",),
        ("chargingStation", "modem", "imsi"): ("imsi",),
        ("chargingStation", "chargeBoxSerialNumber"): ("chargeBoxSerialNumber",),
        ("chargingStation", "meterType"): ("meterType",),
        ("chargingStation", "meterSerialNumber"): ("meterSerialNumber",),
    },
    "StatusNotification": {
        **{("chargePointStatus", key): (key,) for key in _STATUS_OPTIONAL},
        **{("evses", "*", "connectors", "1", key): (key,) for key in _STATUS_OPTIONAL},
    },
    "DataTransfer": {("lastDataTransfer", "messageId"): ("messageId",)},
    # A plain 1.6 FirmwareStatusNotification has no requestId at all: it is always null.
    "FirmwareStatusNotification": {("firmwareStatus", "requestId"): ()},
    "LogStatusNotification": {("logStatus", "requestId"): ("requestId",)},
    "SecurityEventNotification": {("lastSecurityEvent", "techInfo"): ("techInfo",)},
    "SignedFirmwareStatusNotification": {("firmwareStatus", "requestId"): ("requestId",)},
}
"""Per action, each reported path that may be null, and the request fields whose absence makes it null."""


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_nulls_are_written_only_for_absent_optional_fields(case: Case) -> None:
    reply = V16_ROUTES[case.action].handler(case.request, _context(case.lookups))
    effects = reply.effects
    if case.action in CLEARING_ACTIONS:
        # Only the first effect may write nulls: the clearing update, which writes nothing else.
        clearing, *effects = effects
        assert isinstance(clearing, ShadowUpdate)
        assert clearing.reported
        assert set(_leaves(clearing.reported)) == {None}
    nullable = NULLABLE.get(case.action, {})
    for effect in effects:
        if isinstance(effect, TransactionRecord):
            assert _nulls(effect.fields) == []
            continue
        for path in _nulls(effect.reported):
            fields = next((fields for pattern, fields in nullable.items() if _matches(pattern, path)), None)
            assert fields is not None, f"{'.'.join(path)} is not an optional field of a reported object"
            present = [name for name in fields if name in case.request]
            assert not present, f"{'.'.join(path)} is null though the request has {present}"


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _objects(reported: Payload, pattern: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The paths of the objects in ``reported`` that match ``pattern`` (``*`` stands for any key)."""
    found: list[tuple[str, ...]] = [()]
    for want in pattern:
        found = [
            (*path, key)
            for path in found
            for key, value in _at(reported, path).items()
            if want in ("*", key) and isinstance(value, dict)
        ]
    return found


def _updates(case: Case) -> list[Payload]:
    """The shadow updates of a case, without the clearing update of a clearing action."""
    reply = V16_ROUTES[case.action].handler(case.request, _context(case.lookups))
    updates = [effect.reported for effect in reply.effects if isinstance(effect, ShadowUpdate)]
    return updates[1:] if case.action in CLEARING_ACTIONS else updates


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_absent_optional_field_is_written_as_null(case: Case) -> None:
    """The other way round: an optional field the station left out is never left out of its object."""
    for pattern, fields in NULLABLE.get(case.action, {}).items():
        if any(name in case.request for name in fields):
            continue
        for reported in _updates(case):
            for parent in _objects(reported, pattern[:-1]):
                shown = _at(reported, parent)
                assert pattern[-1] in shown, f"{'.'.join((*parent, pattern[-1]))} is left out"
                assert shown[pattern[-1]] is None


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


# ------------------------------------------------------------------ particular rules


def test_last_seen_is_appended_when_the_handler_updates_no_shadow(processor: FrameProcessor) -> None:
    outcome = _process(processor, "Authorize", {"idTag": TAG}, _token(TAG, ACCEPTED_TAG))

    assert outcome.effects == [ShadowUpdate({"lastSeen": NOW_ISO})]


def test_last_seen_is_folded_into_the_shadow_update_before_the_record(processor: FrameProcessor) -> None:
    outcome = _process(
        processor, "MeterValues", {"connectorId": 1, "transactionId": 5, "meterValue": [METER_1]}
    )

    assert outcome.effects == [
        ShadowUpdate({"evses": {"1": {"lastMeterValue": METER_1}}, "lastSeen": NOW_ISO}),
        TransactionRecord(
            "5", {"lastMeterValue": METER_1}, ended=False, update_only=True, meter_values=(METER_1,)
        ),
    ]


def test_the_boot_interval_is_the_configured_one(schemas: SchemaRegistry) -> None:
    outcome = FrameProcessor(schemas, 45).process(
        StationFrame(STATION, V16, _raw("BootNotification", BOOT_MINIMAL)), NOW, Lookups()
    )

    assert outcome.reply == CallResult(
        MESSAGE_ID, {"currentTime": NOW_ISO, "interval": 45, "status": "Accepted"}
    )


def test_a_station_pending_registration_may_boot(processor: FrameProcessor) -> None:
    outcome = _process(
        processor,
        "BootNotification",
        BOOT_MINIMAL,
        Lookups(registration_status="Pending"),
        registration_status="Pending",
    )

    assert outcome.reply == CallResult(
        MESSAGE_ID, {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Pending"}
    )


def test_an_unknown_registration_status_is_an_internal_error(processor: FrameProcessor) -> None:
    with pytest.raises(OcppError) as raised:
        boot_notification(BOOT_MINIMAL, _context(Lookups(registration_status="Maybe")))
    assert raised.value.kind is ErrorKind.INTERNAL_ERROR

    outcome = _process(processor, "BootNotification", BOOT_MINIMAL, Lookups(registration_status="Maybe"))
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == "InternalError"
    assert outcome.effects == [LAST_SEEN]


def test_start_transaction_without_an_allocated_id_is_an_internal_error(processor: FrameProcessor) -> None:
    lookups = _token(TAG, ACCEPTED_TAG)
    with pytest.raises(OcppError) as raised:
        start_transaction(START_FULL, _context(lookups))
    assert raised.value.kind is ErrorKind.INTERNAL_ERROR

    outcome = _process(processor, "StartTransaction", START_FULL, lookups)
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.message_id == MESSAGE_ID
    assert outcome.reply.error_code == "InternalError"
    # Nothing is shown or recorded for a transaction without an id.
    assert outcome.effects == [LAST_SEEN]


def test_a_start_transaction_id_of_zero_is_used(processor: FrameProcessor) -> None:
    outcome = _process(processor, "StartTransaction", START_MINIMAL, Lookups(transaction_id=0))

    assert outcome.reply == CallResult(MESSAGE_ID, {"transactionId": 0, "idTagInfo": {"status": "Invalid"}})
    shown = {**START_MINIMAL_SHOWN, "transactionId": 0}
    assert outcome.effects == [
        ShadowUpdate(
            {"activeTransaction": None, "evses": {"1": {"activeTransaction": None}}, "lastSeen": NOW_ISO}
        ),
        ShadowUpdate({"activeTransaction": shown, "evses": {"1": {"activeTransaction": shown}}}),
        TransactionRecord(
            "0",
            {
                "transactionId": "0",
                "connectorId": 1,
                "evseId": 1,
                "idTag": OTHER_TAG,
                "meterStart": 0,
                "startTime": T0,
                "status": "Started",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("status", "info"),
    [
        (ACCEPTED_TAG, {"status": "Accepted"}),
        (BLOCKED_TAG, {"status": "Blocked"}),
        (EXPIRED_TAG, {"status": "Expired", "expiryDate": EXPIRY}),
        (TokenStatus("Accepted", expiry_date=EXPIRY), {"status": "Accepted", "expiryDate": EXPIRY}),
        (TokenStatus("ConcurrentTx"), {"status": "ConcurrentTx"}),
        (None, {"status": "Invalid"}),
    ],
    ids=["accepted", "blocked", "expired", "accepted-until", "concurrent", "unknown"],
)
def test_token_statuses_become_id_tag_info(
    schemas: SchemaRegistry, status: TokenStatus | None, info: Payload
) -> None:
    lookups = _token(TAG, status) if status is not None else Lookups()

    authorized = authorize({"idTag": TAG}, _context(lookups))
    started = start_transaction(START_FULL, _context(Lookups(tokens=lookups.tokens, transaction_id=1)))
    stopped = V16_ROUTES["StopTransaction"].handler(STOP_FULL, _context(lookups))

    assert authorized.payload == {"idTagInfo": info}
    assert started.payload == {"transactionId": 1, "idTagInfo": info}
    assert stopped.payload == {"idTagInfo": info}
    schemas.validate_response(V16, "Authorize", authorized.payload)
    schemas.validate_response(V16, "StartTransaction", started.payload)
    schemas.validate_response(V16, "StopTransaction", stopped.payload)


def test_a_token_is_looked_up_by_its_exact_value() -> None:
    lookups = _tokens({TAG: BLOCKED_TAG, OTHER_TAG: ACCEPTED_TAG})

    assert authorize({"idTag": TAG}, _context(lookups)).payload == {"idTagInfo": {"status": "Blocked"}}
    assert authorize({"idTag": OTHER_TAG}, _context(lookups)).payload == {"idTagInfo": {"status": "Accepted"}}
    assert authorize({"idTag": TAG.lower()}, _context(lookups)).payload == {
        "idTagInfo": {"status": "Invalid"}
    }


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
