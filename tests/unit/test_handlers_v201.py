"""OCPP 2.x handlers beyond boot, heartbeat, status and transactions: exact replies, effects and lookups.

Every case runs twice: through the FrameProcessor (request and reply validated
against the official schema of 2.0, 2.0.1 and 2.1) and by calling the routed
handler directly.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from csms_common.ocpp.frames import Call, CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    NO_LOOKUP,
    CallContext,
    LookupRequest,
    Lookups,
    Payload,
    Reply,
    ShadowUpdate,
    TokenStatus,
)
from csms_handler.handlers.v201 import V201_ROUTES
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame
from csms_handler.routing import shipped_routing

V20, V201, V21 = OcppVersion.V20, OcppVersion.V201, OcppVersion.V21
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
T1 = "2024-01-02T03:10:00.000Z"
STATION = "CP-201"
INTERVAL = 300


# ----------------------------------------------------------------- requests

TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}
NO_AUTHORIZATION_TOKEN = {"idToken": "", "type": "NoAuthorization"}
METER_1 = {"timestamp": T0, "sampledValue": [{"value": 0}]}
METER_2 = {
    "timestamp": T1,
    "sampledValue": [{"value": 1234.5, "measurand": "Energy.Active.Import.Register"}],
}
REPORT_ITEM = {
    "component": {"name": "EVSE", "evse": {"id": 1}},
    "variable": {"name": "Power"},
    "variableAttribute": [{"type": "Actual", "value": "22000"}],
}
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
SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
}
CHARGING_PROFILE = {
    "id": 9,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [SCHEDULE],
}
OCSP_REQUEST = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a1b2",
    "issuerKeyHash": "c3d4",
    "serialNumber": "0123",
    "responderURL": "http://ocsp.example.com",
}
NOT_SUPPORTED = {"reasonCode": "NotSupported"}


@dataclass(frozen=True)
class Case:
    """One call: the request, what was looked up, and the exact reply and shadow report expected."""

    id: str
    action: str
    request: Payload
    reply: Payload
    reported: Payload | None
    """The handler's one ShadowUpdate, or None when it reports nothing."""
    lookups: Lookups = field(default_factory=Lookups)
    lookup: LookupRequest = NO_LOOKUP
    """What the route's ``needs`` asks for."""


def _token(status: TokenStatus) -> Lookups:
    """The lookups when the store knows TOKEN with ``status``."""
    return Lookups(tokens={"04A2B3C4": status})


NEEDS_TOKEN = LookupRequest(tokens=("04A2B3C4",))
CHAIN_ENTRY = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "ab" * 32,
    "issuerKeyHash": "cd" * 32,
    "serialNumber": "1f",
    "responderURL": "http://127.0.0.1:1/ocsp",
}
EV_REQUEST = {
    "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
    "action": "Install",
    "exiRequest": "AAEC",
}


CASES: list[Case] = [
    # ------------------------------------------------------------ Authorize
    Case(
        "authorize-accepted",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Accepted"}},
        None,
        _token(TokenStatus("Accepted")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-accepted-until",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2025-01-01T00:00:00.000Z"}},
        None,
        _token(TokenStatus("Accepted", "2025-01-01T00:00:00.000Z")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-blocked",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Blocked"}},
        None,
        _token(TokenStatus("Blocked")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-expired",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Expired"}},
        None,
        _token(TokenStatus("Expired")),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-unknown",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Invalid"}},
        None,
        Lookups(),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-other-token-known",
        "Authorize",
        {"idToken": TOKEN},
        {"idTokenInfo": {"status": "Invalid"}},
        None,
        Lookups(tokens={"04A2B3C5": TokenStatus("Accepted")}),
        NEEDS_TOKEN,
    ),
    Case(
        "authorize-same-value-other-type",
        "Authorize",
        {"idToken": {"idToken": "04A2B3C4", "type": "Central"}},
        {"idTokenInfo": {"status": "Blocked"}},
        None,
        _token(TokenStatus("Blocked")),
        NEEDS_TOKEN,
    ),
    Case(
        # Never looked up: even a store that calls the empty token Blocked is not asked.
        "authorize-no-authorization",
        "Authorize",
        {"idToken": NO_AUTHORIZATION_TOKEN},
        {"idTokenInfo": {"status": "Accepted"}},
        None,
        Lookups(tokens={"": TokenStatus("Blocked")}),
        NO_LOOKUP,
    ),
    # Plug & Charge (C07): the contract chain checked by OCSP in the shadow service.
    Case(
        "authorize-contract-chain-good",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Accepted"}, "certificateStatus": "Accepted"},
        None,
        Lookups(tokens={"04A2B3C4": TokenStatus("Accepted")}, contract_certificate_status="Accepted"),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
    Case(
        "authorize-contract-chain-revoked-makes-the-token-invalid",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertificateRevoked"},
        None,
        Lookups(
            tokens={"04A2B3C4": TokenStatus("Accepted")}, contract_certificate_status="CertificateRevoked"
        ),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
    Case(
        "authorize-contract-chain-unchecked-is-a-chain-error",
        "Authorize",
        {"idToken": TOKEN, "iso15118CertificateHashData": [CHAIN_ENTRY]},
        {"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertChainError"},
        None,
        _token(TokenStatus("Accepted")),
        LookupRequest(tokens=("04A2B3C4",), contract_certificates=(CHAIN_ENTRY,)),
    ),
    # ---------------------------------------------------------- MeterValues
    Case(
        "meter-values-evse",
        "MeterValues",
        {"evseId": 2, "meterValue": [METER_1, METER_2]},
        {},
        {"evses": {"2": {"lastMeterValue": METER_2}}},
    ),
    Case(
        "meter-values-station",
        "MeterValues",
        {"evseId": 0, "meterValue": [METER_1]},
        {},
        {"lastMeterValue": METER_1},
    ),
    # -------------------------------------------------------- NotifyReport
    Case(
        "notify-report",
        "NotifyReport",
        {
            "requestId": 11,
            "generatedAt": T0,
            "tbc": True,
            "seqNo": 3,
            "reportData": [REPORT_ITEM, REPORT_ITEM],
        },
        {},
        {"lastReport": {"requestId": 11, "seqNo": 3, "generatedAt": T0, "tbc": True, "items": 2}},
    ),
    Case(
        "notify-report-empty",
        "NotifyReport",
        {"requestId": 12, "generatedAt": T1, "seqNo": 0},
        {},
        {"lastReport": {"requestId": 12, "seqNo": 0, "generatedAt": T1, "tbc": False, "items": 0}},
    ),
    # --------------------------------------------------------- NotifyEvent
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
    # -------------------------------------------- SecurityEventNotification
    Case(
        "security-event",
        "SecurityEventNotification",
        {"type": "TamperDetectionActivated", "timestamp": T0, "techInfo": "door open"},
        {},
        {"lastSecurityEvent": {"type": "TamperDetectionActivated", "timestamp": T0, "techInfo": "door open"}},
    ),
    Case(
        # techInfo null: the previous event's techInfo is removed from the shadow.
        "security-event-no-tech-info",
        "SecurityEventNotification",
        {"type": "StartupOfTheDevice", "timestamp": T1},
        {},
        {"lastSecurityEvent": {"type": "StartupOfTheDevice", "timestamp": T1, "techInfo": None}},
    ),
    # ------------------------------------------- Log/Firmware status updates
    Case(
        "log-status",
        "LogStatusNotification",
        {"status": "Uploaded", "requestId": 3},
        {},
        {"logStatus": {"status": "Uploaded", "requestId": 3, "updatedAt": NOW_ISO}},
    ),
    Case(
        "log-status-idle",
        "LogStatusNotification",
        {"status": "Idle"},
        {},
        {"logStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
    Case(
        "firmware-status",
        "FirmwareStatusNotification",
        {"status": "Installed", "requestId": 5},
        {},
        {"firmwareStatus": {"status": "Installed", "requestId": 5, "updatedAt": NOW_ISO}},
    ),
    Case(
        "firmware-status-idle",
        "FirmwareStatusNotification",
        {"status": "Idle"},
        {},
        {"firmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
    Case(
        "publish-firmware-status",
        "PublishFirmwareStatusNotification",
        {"status": "Published", "location": ["http://cs.local/fw.bin"], "requestId": 8},
        {},
        {"publishFirmwareStatus": {"status": "Published", "requestId": 8, "updatedAt": NOW_ISO}},
    ),
    Case(
        "publish-firmware-status-idle",
        "PublishFirmwareStatusNotification",
        {"status": "Idle"},
        {},
        {"publishFirmwareStatus": {"status": "Idle", "requestId": None, "updatedAt": NOW_ISO}},
    ),
    # -------------------------------------------------------- DataTransfer
    Case(
        "data-transfer",
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Ping", "data": {"n": 1}},
        {"status": "UnknownVendorId"},
        {"lastDataTransfer": {"vendorId": "com.acme", "messageId": "Ping", "receivedAt": NOW_ISO}},
    ),
    Case(
        "data-transfer-no-message-id",
        "DataTransfer",
        {"vendorId": "org.example"},
        {"status": "UnknownVendorId"},
        {"lastDataTransfer": {"vendorId": "org.example", "messageId": None, "receivedAt": NOW_ISO}},
    ),
    # -------------------------------------------------------- certificates
    Case(
        "sign-certificate-without-a-ca",
        "SignCertificate",
        {"csr": "-----BEGIN CERTIFICATE REQUEST-----", "certificateType": "ChargingStationCertificate"},
        {
            "status": "Rejected",
            "statusInfo": {
                "reasonCode": "NotSupported",
                "additionalInfo": "no certificate authority configured",
            },
        },
        None,
        lookup=LookupRequest(
            sign_certificate={
                "csr": "-----BEGIN CERTIFICATE REQUEST-----",
                "certificateType": "ChargingStationCertificate",
            }
        ),
    ),
    Case(
        "sign-certificate-refused-by-the-ca",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": "weak key"}},
        None,
        lookups=Lookups(
            sign_certificate={"status": "Rejected", "reasonCode": "InvalidCSR", "additionalInfo": "weak key"}
        ),
        lookup=LookupRequest(sign_certificate={"csr": "PEM", "certificateType": None}),
    ),
    Case(
        "sign-certificate-accepted-by-the-ca",
        "SignCertificate",
        {"csr": "PEM"},
        {"status": "Accepted"},
        None,
        lookups=Lookups(sign_certificate={"status": "Accepted"}),
        lookup=LookupRequest(sign_certificate={"csr": "PEM", "certificateType": None}),
    ),
    Case(
        "get-15118-ev-certificate-without-a-service",
        "Get15118EVCertificate",
        EV_REQUEST,
        {"status": "Failed", "exiResponse": "", "statusInfo": NOT_SUPPORTED},
        None,
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
    Case(
        "get-15118-ev-certificate-forwarded",
        "Get15118EVCertificate",
        EV_REQUEST,
        {"status": "Accepted", "exiResponse": "gAAB"},
        None,
        lookups=Lookups(ev_certificate={"status": "Accepted", "exiResponse": "gAAB"}),
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
    Case(
        "get-15118-ev-certificate-service-down",
        "Get15118EVCertificate",
        EV_REQUEST,
        {
            "status": "Failed",
            "exiResponse": "",
            "statusInfo": {"reasonCode": "Unavailable", "additionalInfo": "x"},
        },
        None,
        lookups=Lookups(
            ev_certificate={"status": "Failed", "reasonCode": "Unavailable", "additionalInfo": "x"}
        ),
        lookup=LookupRequest(ev_certificate=EV_REQUEST),
    ),
    Case(
        "get-certificate-status-without-an-answer",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Failed", "statusInfo": NOT_SUPPORTED},
        None,
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
    Case(
        "get-certificate-status-answered",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Accepted", "ocspResult": "MIIB"},
        None,
        lookups=Lookups(certificate_status={"status": "Accepted", "ocspResult": "MIIB"}),
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
    Case(
        "get-certificate-status-responder-down",
        "GetCertificateStatus",
        {"ocspRequestData": OCSP_REQUEST},
        {"status": "Failed", "statusInfo": {"reasonCode": "Unavailable", "additionalInfo": "timed out"}},
        None,
        lookups=Lookups(
            certificate_status={
                "status": "Failed",
                "reasonCode": "Unavailable",
                "additionalInfo": "timed out",
            }
        ),
        lookup=LookupRequest(certificate_status=OCSP_REQUEST),
    ),
    # -------------------------------------------------------- reservations
    Case(
        "reservation-expired",
        "ReservationStatusUpdate",
        {"reservationId": 12, "reservationUpdateStatus": "Expired"},
        {},
        {"reservations": {"12": {"status": "Expired", "updatedAt": NOW_ISO}}},
    ),
    Case(
        "reservation-removed",
        "ReservationStatusUpdate",
        {"reservationId": 0, "reservationUpdateStatus": "Removed"},
        {},
        {"reservations": {"0": {"status": "Removed", "updatedAt": NOW_ISO}}},
    ),
    # ------------------------------------------------------ smart charging
    Case(
        "notify-charging-limit",
        "NotifyChargingLimit",
        {
            "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True},
            "evseId": 1,
            "chargingSchedule": [SCHEDULE],
        },
        {},
        {
            "chargingLimit": {
                "chargingLimitSource": "EMS",
                "isGridCritical": True,
                "isLocalGeneration": None,
                "evseId": 1,
                "limitAmps": 15.9,
            }
        },
    ),
    Case(
        "notify-charging-limit-station",
        "NotifyChargingLimit",
        {"chargingLimit": {"chargingLimitSource": "SO"}},
        {},
        {
            "chargingLimit": {
                "chargingLimitSource": "SO",
                "isGridCritical": None,
                "isLocalGeneration": None,
                "evseId": None,
                "limitAmps": None,
            }
        },
    ),
    Case(
        "cleared-charging-limit",
        "ClearedChargingLimit",
        {"chargingLimitSource": "EMS", "evseId": 1},
        {},
        {"chargingLimit": None},
    ),
    Case(
        "report-charging-profiles",
        "ReportChargingProfiles",
        {"requestId": 1, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": [CHARGING_PROFILE]},
        {},
        {
            "chargingProfiles": {
                "9": {
                    "evseId": 1,
                    "chargingLimitSource": "CSO",
                    "requestId": 1,
                    "stackLevel": 0,
                    "purpose": "TxDefaultProfile",
                    "kind": "Absolute",
                    "recurrencyKind": None,
                    "validFrom": None,
                    "validTo": None,
                    "transactionId": None,
                    "schedule": {
                        "rateUnit": "W",
                        "startSchedule": None,
                        "duration": None,
                        "minChargingRate": None,
                        "periods": [{"start": 0, "limit": 11000}],
                    },
                    "periodsOmitted": None,
                    "reportedAt": NOW_ISO,
                }
            }
        },
    ),
    Case(
        "notify-ev-charging-needs",
        "NotifyEVChargingNeeds",
        {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"}},
        {"status": "Accepted"},
        {
            "evChargingNeeds": {
                "1": {
                    "requestedEnergyTransfer": "AC_three_phase",
                    "departureTime": None,
                    "evMaxCurrent": None,
                    "evMinCurrent": None,
                    "evMaxPower": None,
                    "energyAmount": None,
                    "receivedAt": NOW_ISO,
                }
            }
        },
    ),
    Case(
        "notify-ev-charging-schedule",
        "NotifyEVChargingSchedule",
        {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
        {"status": "Accepted"},
        {
            "evChargingSchedule": {
                "1": {"timeBase": T0, "periods": [{"start": 0, "limitAmps": 15.9}], "receivedAt": NOW_ISO}
            }
        },
    ),
    # ------------------------------------------------- report-style notices
    Case(
        "notify-monitoring-report",
        "NotifyMonitoringReport",
        {"requestId": 4, "seqNo": 0, "generatedAt": T0},
        {},
        None,
    ),
    Case("notify-display-messages", "NotifyDisplayMessages", {"requestId": 5, "tbc": False}, {}, None),
    Case(
        "notify-customer-information",
        "NotifyCustomerInformation",
        {"data": "no data held", "seqNo": 0, "generatedAt": T0, "requestId": 6},
        {},
        None,
    ),
]

NEW_ACTIONS = {
    "Authorize",
    "MeterValues",
    "NotifyReport",
    "NotifyEvent",
    "SecurityEventNotification",
    "LogStatusNotification",
    "FirmwareStatusNotification",
    "PublishFirmwareStatusNotification",
    "DataTransfer",
    "SignCertificate",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "ReservationStatusUpdate",
    "NotifyChargingLimit",
    "ClearedChargingLimit",
    "ReportChargingProfiles",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyMonitoringReport",
    "NotifyDisplayMessages",
    "NotifyCustomerInformation",
}
FIRST_FOUR = {"BootNotification", "Heartbeat", "StatusNotification", "TransactionEvent"}

by_case = pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), INTERVAL)


def _frame(
    action: str, payload: Payload, version: OcppVersion = V201, message_id: str = "m1"
) -> StationFrame:
    return StationFrame(STATION, version, json.dumps([2, message_id, action, payload]).encode())


def _context(lookups: Lookups) -> CallContext:
    return CallContext(STATION, V201, "m1", NOW, INTERVAL, lookups)


# ------------------------------------------------------------- routing table


def test_the_routing_table_has_every_new_action_and_keeps_the_first_four() -> None:
    assert set(V201_ROUTES) == NEW_ACTIONS | FIRST_FOUR


def test_every_case_table_action_is_covered() -> None:
    assert {case.action for case in CASES} == NEW_ACTIONS


@pytest.mark.parametrize("version", [V20, V201, V21])
def test_every_routed_action_is_an_action_of_every_2x_version(
    schemas: SchemaRegistry, version: OcppVersion
) -> None:
    assert set(V201_ROUTES) <= schemas.actions(version)


# ------------------------------------------------------ through the processor


@by_case
@pytest.mark.parametrize("version", [V201, V20, V21])
def test_through_the_processor(processor: FrameProcessor, version: OcppVersion, case: Case) -> None:
    outcome = processor.process(_frame(case.action, case.request, version), NOW, case.lookups)
    expected_effects = [
        ShadowUpdate(
            {"lastSeen": NOW_ISO} if case.reported is None else {**case.reported, "lastSeen": NOW_ISO}
        )
    ]
    assert outcome == Outcome(
        CallResult("m1", case.reply), expected_effects, action=case.action, message_id="m1", error=None
    )


@by_case
@pytest.mark.parametrize("version", [V201, V21])
def test_plan_asks_for_what_the_route_needs(
    processor: FrameProcessor, version: OcppVersion, case: Case
) -> None:
    frame = _frame(case.action, case.request, version)
    plan = processor.plan(frame, NOW)
    assert plan == Plan(frame, Call("m1", case.action, case.request), V201_ROUTES[case.action], case.lookup)


@by_case
def test_needs(case: Case) -> None:
    assert V201_ROUTES[case.action].needs(case.request) == case.lookup


# ---------------------------------------------------------- handlers directly


@by_case
def test_the_handler_directly(case: Case) -> None:
    request = copy.deepcopy(case.request)
    reply = V201_ROUTES[case.action].handler(request, _context(case.lookups))
    assert reply == Reply(case.reply, [] if case.reported is None else [ShadowUpdate(case.reported)])
    assert request == case.request, "a handler must not change its request"


@by_case
@pytest.mark.parametrize("version", [V201, V21])
def test_every_reply_is_valid(schemas: SchemaRegistry, version: OcppVersion, case: Case) -> None:
    reply = V201_ROUTES[case.action].handler(case.request, _context(case.lookups))
    schemas.validate_response(version, case.action, reply.payload)


@pytest.mark.parametrize("status", ["Accepted", "Blocked", "ConcurrentTx", "Expired", "Invalid", "NoCredit"])
@pytest.mark.parametrize("version", [V201, V21])
def test_authorize_passes_any_stored_status_on(
    processor: FrameProcessor, version: OcppVersion, status: str
) -> None:
    outcome = processor.process(
        _frame("Authorize", {"idToken": TOKEN}, version), NOW, _token(TokenStatus(status))
    )
    assert outcome.reply == CallResult("m1", {"idTokenInfo": {"status": status}})


def test_authorize_without_lookups_is_invalid(processor: FrameProcessor) -> None:
    outcome = processor.process(_frame("Authorize", {"idToken": TOKEN}), NOW)
    assert outcome.reply == CallResult("m1", {"idTokenInfo": {"status": "Invalid"}})


def test_complete_runs_the_plan_with_its_lookups(processor: FrameProcessor) -> None:
    plan = processor.plan(_frame("Authorize", {"idToken": TOKEN}, message_id="a-1"), NOW)
    assert isinstance(plan, Plan)
    outcome = processor.complete(plan, Lookups(tokens={"04A2B3C4": TokenStatus("Blocked")}), NOW)
    assert outcome == Outcome(
        CallResult("a-1", {"idTokenInfo": {"status": "Blocked"}}),
        [ShadowUpdate({"lastSeen": NOW_ISO})],
        action="Authorize",
        message_id="a-1",
    )


# ---------------------------------------------------------------- wire text


@pytest.mark.parametrize(
    ("action", "payload", "text"),
    [
        ("DataTransfer", {"vendorId": "com.acme"}, '[3,"m1",{"status":"UnknownVendorId"}]'),
        (
            "SignCertificate",
            {"csr": "x"},
            '[3,"m1",{"status":"Rejected","statusInfo":{"reasonCode":"NotSupported",'
            '"additionalInfo":"no certificate authority configured"}}]',
        ),
        (
            "Get15118EVCertificate",
            {"iso15118SchemaVersion": "v", "action": "Update", "exiRequest": "x"},
            '[3,"m1",{"status":"Failed","exiResponse":"","statusInfo":{"reasonCode":"NotSupported"}}]',
        ),
        (
            "GetCertificateStatus",
            {"ocspRequestData": OCSP_REQUEST},
            '[3,"m1",{"status":"Failed","statusInfo":{"reasonCode":"NotSupported"}}]',
        ),
        (
            "NotifyEVChargingNeeds",
            {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC"}},
            '[3,"m1",{"status":"Accepted"}]',
        ),
        (
            "NotifyEVChargingSchedule",
            {"timeBase": T0, "evseId": 1, "chargingSchedule": SCHEDULE},
            '[3,"m1",{"status":"Accepted"}]',
        ),
        ("MeterValues", {"evseId": 1, "meterValue": [METER_1]}, '[3,"m1",{}]'),
    ],
)
def test_reply_wire_text(processor: FrameProcessor, action: str, payload: Payload, text: str) -> None:
    outcome = processor.process(_frame(action, payload), NOW)
    assert outcome.reply is not None
    assert outcome.reply.to_json() == text


# ----------------------------------------------------------- refused requests


@pytest.mark.parametrize(
    ("action", "payload", "code", "description"),
    [
        (
            "Authorize",
            {"idToken": {"idToken": "04A2B3C4"}},
            "OccurenceConstraintViolation",
            "Authorize: idToken: 'type' is a required property",
        ),
        (
            "MeterValues",
            {"evseId": 1, "meterValue": []},
            "OccurenceConstraintViolation",
            "MeterValues: meterValue: [] should be non-empty",
        ),
        (
            "NotifyEvent",
            {"generatedAt": T0, "seqNo": 0, "eventData": []},
            "OccurenceConstraintViolation",
            "NotifyEvent: eventData: [] should be non-empty",
        ),
        (
            "ReservationStatusUpdate",
            {"reservationId": 1, "reservationUpdateStatus": "NoTransaction"},
            "PropertyConstraintViolation",
            "ReservationStatusUpdate: reservationUpdateStatus: 'NoTransaction' is not one of ['Expired', 'Removed']",
        ),
    ],
)
def test_invalid_requests_never_reach_the_handler(
    processor: FrameProcessor, action: str, payload: Payload, code: str, description: str
) -> None:
    outcome = processor.process(_frame(action, payload), NOW)
    assert outcome == Outcome(
        CallError("m1", code, description, {}),
        [ShadowUpdate({"lastSeen": NOW_ISO})],
        action=action,
        message_id="m1",
        error=description,
    )


def test_2_1_only_values_are_accepted_in_2_1(processor: FrameProcessor) -> None:
    request: dict[str, Any] = {"reservationId": 3, "reservationUpdateStatus": "NoTransaction"}
    outcome = processor.process(_frame("ReservationStatusUpdate", request, V21), NOW)
    assert outcome.reply == CallResult("m1", {})
    assert outcome.effects == [
        ShadowUpdate(
            {"reservations": {"3": {"status": "NoTransaction", "updatedAt": NOW_ISO}}, "lastSeen": NOW_ISO}
        )
    ]


def test_a_2_1_charging_limit_keeps_is_local_generation(processor: FrameProcessor) -> None:
    request = {"chargingLimit": {"chargingLimitSource": "Other", "isLocalGeneration": True}}
    outcome = processor.process(_frame("NotifyChargingLimit", request, V21), NOW)
    assert outcome.effects == [
        ShadowUpdate(
            {
                "chargingLimit": {
                    "chargingLimitSource": "Other",
                    "isGridCritical": None,
                    "isLocalGeneration": True,
                    "evseId": None,
                    "limitAmps": None,
                },
                "lastSeen": NOW_ISO,
            }
        )
    ]


@pytest.mark.parametrize("action", sorted(NEW_ACTIONS))
def test_a_station_not_yet_accepted_is_refused(processor: FrameProcessor, action: str) -> None:
    case = next(case for case in CASES if case.action == action)
    frame = StationFrame(STATION, V201, _frame(action, case.request).raw, registration_status="Pending")
    outcome = processor.process(frame, NOW, case.lookups)
    description = "registration status is Pending: only BootNotification is allowed"
    assert outcome == Outcome(
        CallError("m1", "SecurityError", description, {}),
        [ShadowUpdate({"lastSeen": NOW_ISO})],
        action=action,
        message_id="m1",
        error=description,
    )
