"""Every station-initiated action the handler routes, sent by the ocpp library's own clients.

Each case runs on a fresh, registered station: optional setup calls, then the
call under test (``await station.call(...)`` with the library's 1.6 or 2.0.1
dataclass, so the library validates the reply against its schema), then:

* the reply frame exactly as it arrived on the socket, field by field;
* the station's whole ``state.reported`` shadow document, polled until it
  matches exactly (every key the call leaves, and nothing else);
* for transactions, the station's transaction records.

Values not known in advance are :class:`Var`: the first occurrence binds one, every
later occurrence must be equal. ``NOW`` is the handler's clock for the call under
test, so ``currentTime`` in a reply, ``bootedAt``/``updatedAt`` and ``lastSeen``
in the shadow must all be the same instant.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from csms_common.ocpp.versions import OcppVersion
from csms_handler.routing import shipped_routing
from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, Station201, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

HANDLER_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
"""What the handler's clock looks like (csms_common.clock.iso_z): milliseconds, UTC, ``Z``."""

TS = "2024-01-01T10:00:00Z"
TS2 = "2024-01-01T10:05:00Z"
EXPIRY = "2030-01-01T00:00:00Z"
TOKENS = {
    "ALL-OK": {"status": "Accepted", "expiryDate": EXPIRY},
    "ALL-BLOCKED": {"status": "Blocked"},
}


# ----------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Var:
    """A value not known in advance: bound by its first occurrence, equal at every later one."""

    name: str
    kind: type | re.Pattern[str]

    def accepts(self, value: Any) -> bool:
        if isinstance(self.kind, re.Pattern):
            return isinstance(value, str) and bool(self.kind.match(value))
        return type(value) is self.kind


@dataclass(frozen=True)
class AsString:
    """The string form of a bound integer (1.6 transaction ids are kept as strings in records)."""

    var: Var


@dataclass(frozen=True)
class Pattern:
    """Any string matching, bound to nothing (times of setup calls)."""

    regex: re.Pattern[str]


NOW = Var("now", HANDLER_TIME)
TX = Var("tx", int)
TIME = Pattern(HANDLER_TIME)


def mismatch(actual: Any, expected: Any, bindings: dict[str, Any], path: str = "$") -> str | None:
    """None when ``actual`` matches ``expected`` exactly (binding Vars), else where and how it differs."""
    if isinstance(expected, Var):
        if expected.name in bindings:
            if actual == bindings[expected.name] and type(actual) is type(bindings[expected.name]):
                return None
            return f"{path}: {actual!r} != {expected.name} = {bindings[expected.name]!r}"
        if not expected.accepts(actual):
            return f"{path}: {actual!r} is not a {expected.name} ({expected.kind})"
        bindings[expected.name] = actual
        return None
    if isinstance(expected, AsString):
        bound = bindings.get(expected.var.name)
        return None if bound is not None and actual == str(bound) else f"{path}: {actual!r} != str({bound!r})"
    if isinstance(expected, Pattern):
        ok = isinstance(actual, str) and expected.regex.match(actual)
        return None if ok else f"{path}: {actual!r} does not match {expected.regex.pattern}"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: {actual!r} is not an object"
        if set(actual) != set(expected):
            return f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key, value in expected.items():
            problem = mismatch(actual[key], value, bindings, f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{path}: {actual!r} is not a list of {len(expected)}"
        for index, (item, want) in enumerate(zip(actual, expected, strict=True)):
            problem = mismatch(item, want, bindings, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if type(actual) is not type(expected) or actual != expected:
        return f"{path}: {actual!r} != {expected!r}"
    return None


# ----------------------------------------------------------------------------- cases

Request = Any | Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Case:
    id: str
    request: Request
    """A call dataclass, or a function of the bindings so far that returns one."""
    reply: dict[str, Any]
    """The exact reply payload on the wire."""
    reported: dict[str, Any]
    """The exact ``state.reported`` of the station's shadow after the call."""
    setup: tuple[tuple[Request, dict[str, Any]], ...] = ()
    """Calls made first, each with the exact reply it must get (which may bind Vars)."""
    transactions: list[dict[str, Any]] | None = None
    """When given, the exact ``GET /charge-points/{id}/transactions`` list."""
    bug: str | None = None
    """A known bug in the services that makes this case fail: it is then a strict xfail."""

    @property
    def action(self) -> str:
        """The action under test: the id up to its first dash."""
        return self.id.split("-")[0]


UNKNOWN_VENDOR = {"status": "UnknownVendorId"}
BOOT_201 = call201.BootNotification(
    charging_station={
        "model": "All-201",
        "vendor_name": "QA",
        "serial_number": "SN-201",
        "firmware_version": "2.0.1-a",
        "modem": {"iccid": "8901", "imsi": "2620"},
    },
    reason="PowerUp",
)
BOOT_16 = call16.BootNotification(
    charge_point_model="All-16",
    charge_point_vendor="QA",
    charge_box_serial_number="CB-1",
    charge_point_serial_number="SN-16",
    firmware_version="1.6-a",
    iccid="8901",
    imsi="2620",
    meter_serial_number="M-1",
    meter_type="DC",
)
REJECTED_CERTIFICATE_201 = {
    "status": "Rejected",
    "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": "no certificate authority configured"},
}
METER_VALUES_201 = [
    {"timestamp": TS, "sampled_value": [{"value": 1000.0, "measurand": "Energy.Active.Import.Register"}]},
    {
        "timestamp": TS2,
        "sampled_value": [
            {
                "value": 1234.5,
                "measurand": "Energy.Active.Import.Register",
                "unit_of_measure": {"unit": "Wh"},
            },
            {"value": 7.2, "measurand": "Power.Active.Import", "phase": "L1"},
        ],
    },
]
LAST_METER_VALUE_201 = {
    "timestamp": TS2,
    "sampledValue": [
        {"value": 1234.5, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}},
        {"value": 7.2, "measurand": "Power.Active.Import", "phase": "L1"},
    ],
}
EVENT_201 = {
    "event_id": 1,
    "timestamp": TS,
    "trigger": "Delta",
    "actual_value": "Available",
    "event_notification_type": "HardWiredNotification",
    "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
    "variable": {"name": "AvailabilityState"},
}
PROFILE_201 = {
    "id": 3,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": [
        {
            "id": 1,
            "start_schedule": TS,
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": 21.4}],
        }
    ],
}
TRANSACTION_201 = {
    "transactionId": "tx-all-201",
    "updatedAt": TS,
    "lastTriggerReason": "Authorized",
    "chargingState": "Charging",
    "evseId": 1,
    "idToken": {"idToken": "ALL-OK", "type": "ISO14443"},
    "remoteStartId": 17,
    "lastMeterValue": LAST_METER_VALUE_201,
    "startTime": TS,
}

UPDATED_201 = {
    **TRANSACTION_201,
    "updatedAt": TS2,
    "lastTriggerReason": "ChargingStateChanged",
    "chargingState": "SuspendedEV",
}


def logged_event(seq_no: int, event_type: str, trigger: str, timestamp: str, meter_values: int) -> Any:
    """An entry of a 2.x transaction record's ``events`` log: one per seqNo the station sent."""
    return {
        "seqNo": seq_no,
        "eventType": event_type,
        "triggerReason": trigger,
        "timestamp": timestamp,
        "meterValues": meter_values,
    }


STARTED_EVENT = logged_event(0, "Started", "Authorized", TS, len(METER_VALUES_201))


def started_201() -> Any:
    return call201.TransactionEvent(
        event_type="Started",
        timestamp=TS,
        trigger_reason="Authorized",
        seq_no=0,
        transaction_info={
            "transaction_id": "tx-all-201",
            "charging_state": "Charging",
            "remote_start_id": 17,
        },
        evse={"id": 1, "connector_id": 1},
        id_token={"id_token": "ALL-OK", "type": "ISO14443"},
        meter_value=METER_VALUES_201,
    )


CASES_201: list[Case] = [
    Case(
        "Authorize-Accepted",
        call201.Authorize(id_token={"id_token": "ALL-OK", "type": "ISO14443"}),
        {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": EXPIRY}},
        {"lastSeen": NOW},
    ),
    Case(
        "Authorize-Blocked",
        call201.Authorize(id_token={"id_token": "ALL-BLOCKED", "type": "ISO14443"}),
        {"idTokenInfo": {"status": "Blocked"}},
        {"lastSeen": NOW},
    ),
    Case(
        "Authorize-Unknown",
        call201.Authorize(id_token={"id_token": f"ALL-NONE-{uuid.uuid4().hex[:6]}", "type": "eMAID"}),
        {"idTokenInfo": {"status": "Invalid"}},
        {"lastSeen": NOW},
    ),
    Case(
        "Authorize-NoAuthorization",
        call201.Authorize(id_token={"id_token": "", "type": "NoAuthorization"}),
        {"idTokenInfo": {"status": "Accepted"}},
        {"lastSeen": NOW},
    ),
    Case(
        "BootNotification",
        BOOT_201,
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        {
            "chargingStation": {
                "model": "All-201",
                "vendorName": "QA",
                "serialNumber": "SN-201",
                "firmwareVersion": "2.0.1-a",
                "modem": {"iccid": "8901", "imsi": "2620"},
            },
            "bootReason": "PowerUp",
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
    ),
    Case(
        "BootNotification-reboot",
        call201.BootNotification(
            charging_station={"model": "All-201", "vendor_name": "QA"}, reason="RemoteReset"
        ),
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        # What the station reports at this boot, not a mix with the previous boot's identity.
        {
            "chargingStation": {"model": "All-201", "vendorName": "QA"},
            "bootReason": "RemoteReset",
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
        setup=((BOOT_201, {"currentTime": TIME, "interval": 300, "status": "Accepted"}),),
    ),
    Case(
        "BootNotification-new-modem",
        call201.BootNotification(
            charging_station={
                "model": "All-201",
                "vendor_name": "QA",
                "firmware_version": "2.0.1-b",
                "modem": {"imsi": "2621"},
                "custom_data": {"vendor_id": "com.example", "board": "rev-b"},
            },
            reason="FirmwareUpdate",
        ),
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        # The new modem has no iccid, not the old one's; customData is not kept.
        {
            "chargingStation": {
                "model": "All-201",
                "vendorName": "QA",
                "firmwareVersion": "2.0.1-b",
                "modem": {"imsi": "2621"},
            },
            "bootReason": "FirmwareUpdate",
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
        setup=((BOOT_201, {"currentTime": TIME, "interval": 300, "status": "Accepted"}),),
    ),
    Case(
        "ClearedChargingLimit",
        call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1),
        {},
        {"lastSeen": NOW},  # the limit the setup reported is gone
        setup=(
            (
                call201.NotifyChargingLimit(
                    charging_limit={"charging_limit_source": "EMS", "is_grid_critical": False}, evse_id=1
                ),
                {},
            ),
        ),
    ),
    Case(
        "DataTransfer",
        call201.DataTransfer(vendor_id="com.example.vendor", message_id="hello", data={"k": [1, 2]}),
        {"status": "UnknownVendorId"},
        {
            "lastDataTransfer": {"vendorId": "com.example.vendor", "messageId": "hello", "receivedAt": NOW},
            "lastSeen": NOW,
        },
    ),
    Case(
        "FirmwareStatusNotification",
        call201.FirmwareStatusNotification(status="Installed", request_id=7),
        {},
        {"firmwareStatus": {"status": "Installed", "requestId": 7, "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "Get15118EVCertificate",
        call201.Get15118EVCertificate(
            iso15118_schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="AAECAw=="
        ),
        {
            "status": "Failed",
            "exiResponse": "",
            "statusInfo": {
                "reasonCode": "NotSupported",
                "additionalInfo": "no contract certificate service configured",
            },
        },
        {"lastSeen": NOW},
    ),
    Case(
        "GetCertificateStatus",
        call201.GetCertificateStatus(
            ocsp_request_data={
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "a" * 64,
                "issuer_key_hash": "b" * 64,
                "serial_number": "0A1B2C",
                "responder_url": "http://ocsp.example.com",
            }
        ),
        # No CA_OCSP_RESPONDERS in the test system: the CSMS fetches no station-chosen URL.
        {
            "status": "Failed",
            "statusInfo": {
                "reasonCode": "NotAllowed",
                "additionalInfo": "the responderURL is not one of CA_OCSP_RESPONDERS",
            },
        },
        {"lastSeen": NOW},
    ),
    Case(
        "Heartbeat",
        call201.Heartbeat(),
        {"currentTime": NOW},
        {"lastHeartbeat": NOW, "lastSeen": NOW},
    ),
    Case(
        "LogStatusNotification",
        call201.LogStatusNotification(status="Uploaded", request_id=3),
        {},
        {"logStatus": {"status": "Uploaded", "requestId": 3, "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "MeterValues-evse1",
        call201.MeterValues(evse_id=1, meter_value=METER_VALUES_201),
        {},
        {"evses": {"1": {"lastMeterValue": LAST_METER_VALUE_201}}, "lastSeen": NOW},
    ),
    Case(
        "MeterValues-station",
        call201.MeterValues(evse_id=0, meter_value=METER_VALUES_201),
        {},
        {"lastMeterValue": LAST_METER_VALUE_201, "lastSeen": NOW},
    ),
    Case(
        "NotifyChargingLimit",
        call201.NotifyChargingLimit(
            charging_limit={"charging_limit_source": "SO", "is_grid_critical": True},
            evse_id=2,
            charging_schedule=[
                {
                    "id": 1,
                    "charging_rate_unit": "W",
                    "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
                }
            ],
        ),
        {},
        {
            "chargingLimit": {
                "chargingLimitSource": "SO",
                "isGridCritical": True,
                "evseId": 2,
                "limitAmps": 15.9,
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "NotifyCustomerInformation",
        call201.NotifyCustomerInformation(data="no customer data", seq_no=0, generated_at=TS, request_id=1),
        {},
        {"lastSeen": NOW},
    ),
    Case(
        "NotifyDisplayMessages",
        call201.NotifyDisplayMessages(
            request_id=2,
            message_info=[
                {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
            ],
        ),
        {},
        {"lastSeen": NOW},
    ),
    Case(
        "NotifyEVChargingNeeds",
        call201.NotifyEVChargingNeeds(
            charging_needs={
                "requested_energy_transfer": "AC_three_phase",
                "ac_charging_parameters": {
                    "energy_amount": 20000,
                    "ev_min_current": 6,
                    "ev_max_current": 32,
                    "ev_max_voltage": 400,
                },
            },
            evse_id=1,
        ),
        {"status": "Accepted"},
        {
            "lastSeen": NOW,
            "evChargingNeeds": {
                "1": {
                    "requestedEnergyTransfer": "AC_three_phase",
                    "evMaxCurrent": 32,
                    "evMinCurrent": 6,
                    "energyAmount": 20000,
                    "receivedAt": NOW,
                }
            },
        },
    ),
    Case(
        "NotifyEVChargingSchedule",
        call201.NotifyEVChargingSchedule(
            time_base=TS,
            charging_schedule={
                "id": 1,
                "charging_rate_unit": "W",
                "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
            },
            evse_id=1,
        ),
        {"status": "Accepted"},
        {
            # The EV's plan in force, in amps per phase (11,000 W over 3 phases at 230 V, rounded down
            # to 0.1 A), caps its share in a site (docs/smart-charging.md).
            "evChargingSchedule": {
                "1": {
                    "timeBase": TS,
                    "periods": [{"start": 0, "limitAmps": math.floor(11000.0 / (3 * 230) * 10) / 10}],
                    "receivedAt": NOW,
                }
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "NotifyEvent",
        call201.NotifyEvent(
            generated_at=TS2,
            seq_no=4,
            event_data=[
                EVENT_201,
                {
                    **EVENT_201,
                    "event_id": 2,
                    "timestamp": TS2,
                    "trigger": "Alerting",
                    "actual_value": "Faulted",
                },
            ],
        ),
        {},
        {
            "lastEvents": {"generatedAt": TS2, "seqNo": 4, "count": 2},
            "lastEvent": {
                "eventId": 2,
                "timestamp": TS2,
                "trigger": "Alerting",
                "actualValue": "Faulted",
                "eventNotificationType": "HardWiredNotification",
                "componentName": "Connector",
                "variableName": "AvailabilityState",
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "NotifyMonitoringReport",
        call201.NotifyMonitoringReport(request_id=4, seq_no=0, generated_at=TS),
        {},
        {"lastSeen": NOW},
    ),
    Case(
        "NotifyReport",
        call201.NotifyReport(
            request_id=5,
            generated_at=TS,
            seq_no=1,
            tbc=True,
            report_data=[
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "variable_attribute": [{"type": "Actual", "value": "300"}],
                },
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "variable_attribute": [{"value": "Available"}],
                },
            ],
        ),
        {},
        {
            "lastReport": {"requestId": 5, "seqNo": 1, "generatedAt": TS, "tbc": True, "items": 2},
            # Reported values of configuration keys (docs/fleet.md): Component[/evse].Variable
            "configuration": {
                "OCPPCommCtrlr.HeartbeatInterval": "300",
                "EVSE/1.AvailabilityState": "Available",
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "PublishFirmwareStatusNotification",
        call201.PublishFirmwareStatusNotification(
            status="Published", location=["https://fw.example.com/local.bin"], request_id=9
        ),
        {},
        {"publishFirmwareStatus": {"status": "Published", "requestId": 9, "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "ReportChargingProfiles",
        call201.ReportChargingProfiles(
            request_id=6, charging_limit_source="CSO", charging_profile=[PROFILE_201], evse_id=1
        ),
        {},
        {
            # The station's reported profiles, summarised (issue 16: ReportChargingProfiles kept).
            "chargingProfiles": {
                "3": {
                    "evseId": 1,
                    "chargingLimitSource": "CSO",
                    "requestId": 6,
                    "stackLevel": 0,
                    "purpose": "TxDefaultProfile",
                    "kind": "Absolute",
                    "schedule": {
                        "rateUnit": "A",
                        "startSchedule": TS,
                        "periods": [{"start": 0, "limit": 21.4}],
                    },
                    "reportedAt": NOW,
                }
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "ReservationStatusUpdate",
        call201.ReservationStatusUpdate(reservation_id=12, reservation_update_status="Expired"),
        {},
        {"reservations": {"12": {"status": "Expired", "updatedAt": NOW}}, "lastSeen": NOW},
    ),
    Case(
        "SecurityEventNotification",
        call201.SecurityEventNotification(type="FirmwareUpdated", timestamp=TS, tech_info="v2.0"),
        {},
        {
            "lastSecurityEvent": {"type": "FirmwareUpdated", "timestamp": TS, "techInfo": "v2.0"},
            "lastSeen": NOW,
        },
    ),
    Case(
        "SignCertificate",
        call201.SignCertificate(
            csr="-----BEGIN CERTIFICATE REQUEST-----MIIB-----END CERTIFICATE REQUEST-----",
            certificate_type="ChargingStationCertificate",
        ),
        REJECTED_CERTIFICATE_201,
        {"lastSeen": NOW},
    ),
    Case(
        "StatusNotification",
        call201.StatusNotification(timestamp=TS, connector_status="Occupied", evse_id=2, connector_id=1),
        {},
        {"evses": {"2": {"connectors": {"1": {"status": "Occupied", "timestamp": TS}}}}, "lastSeen": NOW},
    ),
    Case(
        "TransactionEvent-Started",
        started_201(),
        {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": EXPIRY}},
        {
            "activeTransaction": TRANSACTION_201,
            "evses": {"1": {"activeTransaction": TRANSACTION_201}},
            "lastSeen": NOW,
        },
        transactions=[{**TRANSACTION_201, "status": "Started", "events": [STARTED_EVENT]}],
    ),
    Case(
        "TransactionEvent-Updated",
        call201.TransactionEvent(
            event_type="Updated",
            timestamp=TS2,
            trigger_reason="ChargingStateChanged",
            seq_no=1,
            transaction_info={"transaction_id": "tx-all-201", "charging_state": "SuspendedEV"},
            evse={"id": 1},
        ),
        {},  # no idToken, so no idTokenInfo
        {
            "activeTransaction": UPDATED_201,
            "evses": {"1": {"activeTransaction": UPDATED_201}},
            "lastSeen": NOW,
        },
        setup=((started_201(), {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": EXPIRY}}),),
        transactions=[
            {
                **UPDATED_201,
                "status": "Updated",
                "events": [STARTED_EVENT, logged_event(1, "Updated", "ChargingStateChanged", TS2, 0)],
            }
        ],
    ),
    Case(
        "TransactionEvent-Ended",
        call201.TransactionEvent(
            event_type="Ended",
            timestamp=TS2,
            trigger_reason="StopAuthorized",
            seq_no=1,
            transaction_info={"transaction_id": "tx-all-201", "stopped_reason": "Local"},
            evse={"id": 1},
            id_token={"id_token": "ALL-BLOCKED", "type": "ISO14443"},
        ),
        {"idTokenInfo": {"status": "Blocked"}},
        {
            "evses": {"1": {}},
            "lastTransaction": {
                "transactionId": "tx-all-201",
                "updatedAt": TS2,
                "lastTriggerReason": "StopAuthorized",
                "evseId": 1,
                "stopIdToken": {"idToken": "ALL-BLOCKED", "type": "ISO14443"},
                "endTime": TS2,
                "stoppedReason": "Local",
            },
            "lastSeen": NOW,
        },
        setup=((started_201(), {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": EXPIRY}}),),
        transactions=[
            {
                **TRANSACTION_201,
                "status": "Ended",
                "updatedAt": TS2,
                "lastTriggerReason": "StopAuthorized",
                "stopIdToken": {"idToken": "ALL-BLOCKED", "type": "ISO14443"},
                "endTime": TS2,
                "stoppedReason": "Local",
                "events": [STARTED_EVENT, logged_event(1, "Ended", "StopAuthorized", TS2, 0)],
            }
        ],
    ),
    Case(
        "DataTransfer-without-messageId",
        call201.DataTransfer(vendor_id="com.example.other"),
        {"status": "UnknownVendorId"},
        {"lastDataTransfer": {"vendorId": "com.example.other", "receivedAt": NOW}, "lastSeen": NOW},
        setup=((call201.DataTransfer(vendor_id="com.example.vendor", message_id="first"), UNKNOWN_VENDOR),),
    ),
    Case(
        "FirmwareStatusNotification-without-requestId",
        call201.FirmwareStatusNotification(status="Idle"),
        {},
        {"firmwareStatus": {"status": "Idle", "updatedAt": NOW}, "lastSeen": NOW},
        setup=((call201.FirmwareStatusNotification(status="Downloading", request_id=7), {}),),
    ),
    Case(
        "LogStatusNotification-without-requestId",
        call201.LogStatusNotification(status="Idle"),
        {},
        {"logStatus": {"status": "Idle", "updatedAt": NOW}, "lastSeen": NOW},
        setup=((call201.LogStatusNotification(status="Uploading", request_id=3), {}),),
    ),
    Case(
        "NotifyChargingLimit-replaced",
        call201.NotifyChargingLimit(charging_limit={"charging_limit_source": "EMS"}),
        {},
        {"chargingLimit": {"chargingLimitSource": "EMS"}, "lastSeen": NOW},
        setup=(
            (
                call201.NotifyChargingLimit(
                    charging_limit={"charging_limit_source": "SO", "is_grid_critical": True}, evse_id=2
                ),
                {},
            ),
        ),
    ),
    Case(
        "PublishFirmwareStatusNotification-without-requestId",
        call201.PublishFirmwareStatusNotification(status="Idle"),
        {},
        {"publishFirmwareStatus": {"status": "Idle", "updatedAt": NOW}, "lastSeen": NOW},
        setup=(
            (
                call201.PublishFirmwareStatusNotification(
                    status="Published", location=["https://fw.example.com/local.bin"], request_id=9
                ),
                {},
            ),
        ),
    ),
    Case(
        "SecurityEventNotification-without-techInfo",
        call201.SecurityEventNotification(type="ResetOrReboot", timestamp=TS2),
        {},
        {"lastSecurityEvent": {"type": "ResetOrReboot", "timestamp": TS2}, "lastSeen": NOW},
        setup=(
            (call201.SecurityEventNotification(type="FirmwareUpdated", timestamp=TS, tech_info="v2"), {}),
        ),
    ),
]

METER_VALUES_16 = [
    {"timestamp": TS, "sampled_value": [{"value": "1000"}]},
    {
        "timestamp": TS2,
        "sampled_value": [
            {
                "value": "1234",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "context": "Sample.Periodic",
            },
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1"},
        ],
    },
]
LAST_METER_VALUE_16 = {
    "timestamp": TS2,
    "sampledValue": [
        {
            "value": "1234",
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
            "context": "Sample.Periodic",
        },
        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1"},
    ],
}
ACTIVE_16 = {
    "transactionId": TX,
    "connectorId": 2,
    "evseId": 2,
    "idTag": "ALL-OK",
    "meterStart": 100,
    "startTime": TS,
    "reservationId": 3,
}
START_16 = call16.StartTransaction(
    connector_id=2, id_tag="ALL-OK", meter_start=100, timestamp=TS, reservation_id=3
)
STARTED_16 = {"transactionId": TX, "idTagInfo": {"status": "Accepted", "expiryDate": EXPIRY}}

CASES_16: list[Case] = [
    Case(
        "Authorize-Accepted",
        call16.Authorize(id_tag="ALL-OK"),
        {"idTagInfo": {"status": "Accepted", "expiryDate": EXPIRY}},
        {"lastSeen": NOW},
    ),
    Case(
        "Authorize-Blocked",
        call16.Authorize(id_tag="ALL-BLOCKED"),
        {"idTagInfo": {"status": "Blocked"}},
        {"lastSeen": NOW},
    ),
    Case(
        "Authorize-Unknown",
        call16.Authorize(id_tag=f"ALL-NONE-{uuid.uuid4().hex[:6]}"),
        {"idTagInfo": {"status": "Invalid"}},
        {"lastSeen": NOW},
    ),
    Case(
        "BootNotification",
        BOOT_16,
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        {
            "chargingStation": {
                "model": "All-16",
                "vendorName": "QA",
                "serialNumber": "SN-16",
                "firmwareVersion": "1.6-a",
                "modem": {"iccid": "8901", "imsi": "2620"},
                "chargeBoxSerialNumber": "CB-1",
                "meterType": "DC",
                "meterSerialNumber": "M-1",
            },
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
    ),
    Case(
        "BootNotification-reboot",
        call16.BootNotification(charge_point_model="All-16", charge_point_vendor="QA"),
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        {
            "chargingStation": {"model": "All-16", "vendorName": "QA"},
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
        setup=((BOOT_16, {"currentTime": TIME, "interval": 300, "status": "Accepted"}),),
    ),
    Case(
        "BootNotification-new-modem",
        call16.BootNotification(
            charge_point_model="All-16", charge_point_vendor="QA", iccid="8902", meter_type="AC"
        ),
        {"currentTime": NOW, "interval": 300, "status": "Accepted"},
        {
            "chargingStation": {
                "model": "All-16",
                "vendorName": "QA",
                "modem": {"iccid": "8902"},
                "meterType": "AC",
            },
            "bootedAt": NOW,
            "registrationStatus": "Accepted",
            "lastSeen": NOW,
        },
        setup=((BOOT_16, {"currentTime": TIME, "interval": 300, "status": "Accepted"}),),
    ),
    Case(
        "DataTransfer",
        call16.DataTransfer(vendor_id="com.example.vendor", message_id="hello", data="payload"),
        {"status": "UnknownVendorId"},
        {
            "lastDataTransfer": {"vendorId": "com.example.vendor", "messageId": "hello", "receivedAt": NOW},
            "lastSeen": NOW,
        },
    ),
    Case(
        "DataTransfer-without-messageId",
        call16.DataTransfer(vendor_id="com.example.other"),
        {"status": "UnknownVendorId"},
        # The previous transfer's messageId must not be shown as this one's.
        {"lastDataTransfer": {"vendorId": "com.example.other", "receivedAt": NOW}, "lastSeen": NOW},
        setup=((call16.DataTransfer(vendor_id="com.example.vendor", message_id="first"), UNKNOWN_VENDOR),),
    ),
    Case(
        "DiagnosticsStatusNotification",
        call16.DiagnosticsStatusNotification(status="Uploaded"),
        {},
        {"diagnosticsStatus": {"status": "Uploaded", "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "FirmwareStatusNotification",
        call16.FirmwareStatusNotification(status="Installed"),
        {},
        {"firmwareStatus": {"status": "Installed", "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "Heartbeat",
        call16.Heartbeat(),
        {"currentTime": NOW},
        {"lastHeartbeat": NOW, "lastSeen": NOW},
    ),
    Case(
        "LogStatusNotification",
        call16.LogStatusNotification(status="Uploaded", request_id=9),
        {},
        {"logStatus": {"status": "Uploaded", "requestId": 9, "updatedAt": NOW}, "lastSeen": NOW},
    ),
    Case(
        "MeterValues-connector2",
        call16.MeterValues(connector_id=2, meter_value=METER_VALUES_16),
        {},
        {"evses": {"2": {"lastMeterValue": LAST_METER_VALUE_16}}, "lastSeen": NOW},
    ),
    Case(
        "MeterValues-chargePoint",
        call16.MeterValues(connector_id=0, meter_value=METER_VALUES_16),
        {},
        {"lastMeterValue": LAST_METER_VALUE_16, "lastSeen": NOW},
    ),
    Case(
        "MeterValues-transaction",
        lambda bound: call16.MeterValues(
            connector_id=2, transaction_id=bound["tx"], meter_value=METER_VALUES_16
        ),
        {},
        {
            "activeTransaction": ACTIVE_16,
            "evses": {"2": {"activeTransaction": ACTIVE_16, "lastMeterValue": LAST_METER_VALUE_16}},
            "lastSeen": NOW,
        },
        setup=((START_16, STARTED_16),),
        transactions=[
            {
                **ACTIVE_16,
                "transactionId": AsString(TX),
                "status": "Started",
                "lastMeterValue": LAST_METER_VALUE_16,
            }
        ],
    ),
    Case(
        "SecurityEventNotification",
        call16.SecurityEventNotification(type="StartupOfTheDevice", timestamp=TS, tech_info="cold boot"),
        {},
        {
            "lastSecurityEvent": {"type": "StartupOfTheDevice", "timestamp": TS, "techInfo": "cold boot"},
            "lastSeen": NOW,
        },
    ),
    Case(
        "SignCertificate",
        call16.SignCertificate(
            csr="-----BEGIN CERTIFICATE REQUEST-----MIIB-----END CERTIFICATE REQUEST-----"
        ),
        {"status": "Rejected"},
        {"lastSeen": NOW},
    ),
    Case(
        "SignedFirmwareStatusNotification",
        call16.SignedFirmwareStatusNotification(status="SignatureVerified", request_id=2),
        {},
        {
            "firmwareStatus": {"status": "SignatureVerified", "requestId": 2, "updatedAt": NOW},
            "lastSeen": NOW,
        },
    ),
    Case(
        "StartTransaction",
        START_16,
        STARTED_16,
        {"activeTransaction": ACTIVE_16, "evses": {"2": {"activeTransaction": ACTIVE_16}}, "lastSeen": NOW},
        transactions=[{**ACTIVE_16, "transactionId": AsString(TX), "status": "Started"}],
    ),
    Case(
        "StatusNotification-connector",
        call16.StatusNotification(
            connector_id=1,
            error_code="GroundFailure",
            status="Faulted",
            timestamp=TS,
            info="ground fault",
            vendor_id="com.example",
            vendor_error_code="E42",
        ),
        {},
        {
            "evses": {
                "1": {
                    "connectors": {
                        "1": {
                            "status": "Faulted",
                            "errorCode": "GroundFailure",
                            "timestamp": TS,
                            "info": "ground fault",
                            "vendorId": "com.example",
                            "vendorErrorCode": "E42",
                        }
                    }
                }
            },
            "lastSeen": NOW,
        },
    ),
    Case(
        "StatusNotification-chargePoint",
        call16.StatusNotification(connector_id=0, error_code="NoError", status="Available"),
        {},
        {"chargePointStatus": {"status": "Available", "errorCode": "NoError"}, "lastSeen": NOW},
    ),
    Case(
        "StopTransaction",
        lambda bound: call16.StopTransaction(
            meter_stop=900,
            timestamp=TS2,
            transaction_id=bound["tx"],
            reason="EVDisconnected",
            id_tag="ALL-BLOCKED",
            transaction_data=METER_VALUES_16,
        ),
        {"idTagInfo": {"status": "Blocked"}},
        {
            "evses": {"2": {}},
            "lastTransaction": {
                "transactionId": TX,
                "endTime": TS2,
                "meterStop": 900,
                "stoppedReason": "EVDisconnected",
                "idTag": "ALL-BLOCKED",
            },
            "lastSeen": NOW,
        },
        setup=((START_16, STARTED_16),),
        transactions=[
            {
                **ACTIVE_16,
                "transactionId": AsString(TX),
                "status": "Ended",
                "endTime": TS2,
                "meterStop": 900,
                "stoppedReason": "EVDisconnected",
                "stopIdTag": "ALL-BLOCKED",
                "lastMeterValue": LAST_METER_VALUE_16,
            }
        ],
    ),
    Case(
        "FirmwareStatusNotification-after-signed",
        call16.FirmwareStatusNotification(status="Installed"),
        {},
        # The SignedUpdateFirmware's requestId belongs to the earlier update, not to this status.
        {"firmwareStatus": {"status": "Installed", "updatedAt": NOW}, "lastSeen": NOW},
        setup=((call16.SignedFirmwareStatusNotification(status="Downloading", request_id=2), {}),),
    ),
    Case(
        "LogStatusNotification-without-requestId",
        call16.LogStatusNotification(status="Idle", request_id=None),
        {},
        {"logStatus": {"status": "Idle", "updatedAt": NOW}, "lastSeen": NOW},
        setup=((call16.LogStatusNotification(status="Uploading", request_id=9), {}),),
    ),
    Case(
        "SecurityEventNotification-without-techInfo",
        call16.SecurityEventNotification(type="ResetOrReboot", timestamp=TS2, tech_info=None),
        {},
        {"lastSecurityEvent": {"type": "ResetOrReboot", "timestamp": TS2}, "lastSeen": NOW},
        setup=(
            (call16.SecurityEventNotification(type="StartupOfTheDevice", timestamp=TS, tech_info="cold"), {}),
        ),
    ),
    Case(
        "StatusNotification-recovered",
        call16.StatusNotification(connector_id=1, error_code="NoError", status="Available", timestamp=TS2),
        {},
        # The fault's info and vendor codes are not this status's.
        {
            "evses": {
                "1": {"connectors": {"1": {"status": "Available", "errorCode": "NoError", "timestamp": TS2}}}
            },
            "lastSeen": NOW,
        },
        setup=(
            (
                call16.StatusNotification(
                    connector_id=1,
                    error_code="GroundFailure",
                    status="Faulted",
                    timestamp=TS,
                    info="ground fault",
                    vendor_id="com.example",
                    vendor_error_code="E42",
                ),
                {},
            ),
        ),
    ),
    Case(
        "StatusNotification-chargePoint-recovered",
        call16.StatusNotification(connector_id=0, error_code="NoError", status="Available"),
        {},
        {"chargePointStatus": {"status": "Available", "errorCode": "NoError"}, "lastSeen": NOW},
        setup=(
            (
                call16.StatusNotification(
                    connector_id=0,
                    error_code="OtherError",
                    status="Unavailable",
                    timestamp=TS,
                    info="maintenance",
                    vendor_id="com.example",
                    vendor_error_code="M1",
                ),
                {},
            ),
        ),
    ),
]

CASES = {OcppVersion.V201: CASES_201, OcppVersion.V16: CASES_16}

# ----------------------------------------------------------------------------- running a case


class RecordingConnection:
    """Hands frames to the library's ChargePoint and keeps the ones received."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.received: list[str] = []

    async def recv(self) -> str:
        frame = str(await self._connection.recv())
        self.received.append(frame)
        return frame

    async def send(self, frame: str) -> None:
        await self._connection.send(frame)


@pytest.fixture(scope="module")
def tokens(system: System) -> Iterator[None]:
    api = Api(system.api_url)
    for token, body in TOKENS.items():
        assert api.request("PUT", f"/id-tokens/{token}", json=body).status_code in (200, 201)
    yield
    for token in TOKENS:
        api.delete(f"/id-tokens/{token}")


async def shadow_matching(
    api: Api, station_id: str, expected: dict[str, Any], bindings: dict[str, Any]
) -> None:
    """Poll the shadow until ``state.reported`` matches exactly (updates land after the reply)."""

    async def matched() -> bool | NotYet:
        shadow = (await api.aget(f"/charge-points/{station_id}/shadow")).json()
        attempt = dict(bindings)
        problem = mismatch(shadow["state"]["reported"], expected, attempt)
        if problem is not None:
            return NotYet(f"{problem}: {json.dumps(shadow['state']['reported'])}")
        bindings.update(attempt)
        return True

    await wait_until_async(matched, 3.0, message=f"station {station_id}'s shadow matched")


async def transactions_matching(
    api: Api, station_id: str, expected: list[Any], bindings: dict[str, Any]
) -> None:
    async def matched() -> bool | NotYet:
        records = (await api.aget(f"/charge-points/{station_id}/transactions")).json()["transactions"]
        problem = mismatch(records, expected, dict(bindings))
        return True if problem is None else NotYet(f"{problem}: {json.dumps(records)}")

    await wait_until_async(matched, 3.0, message=f"station {station_id}'s transactions matched")


async def call_and_match(
    station: Any,
    recording: RecordingConnection,
    request: Request,
    reply: dict[str, Any],
    bindings: dict[str, Any],
    action: str | None = None,
) -> None:
    """Send one call with the library's client and match the reply frame exactly as it arrived."""
    message = request(bindings) if callable(request) else request
    assert action is None or type(message).__name__ == action
    message_id = f"m-{uuid.uuid4().hex[:10]}"
    result = await station.call(message, suppress=False, unique_id=message_id)
    assert type(result).__name__ == type(message).__name__
    frames = [json.loads(frame) for frame in recording.received]
    answers = [frame for frame in frames if frame[1] == message_id]
    assert len(answers) == 1 and answers[0][0] == 3 and len(answers[0]) == 3, answers
    problem = mismatch(answers[0][2], reply, bindings)
    assert problem is None, f"{type(message).__name__} reply {answers[0][2]}: {problem}"


async def run_case(api: Api, gateway_url: str, version: OcppVersion, case: Case) -> None:
    """One case on a fresh registered station; raises AssertionError on any difference."""
    station_id = f"CP-MSG-{uuid.uuid4().hex[:10]}"
    assert (await api.apost("/charge-points", json={"chargePointId": station_id})).status_code == 201
    station_class = Station16 if version is OcppVersion.V16 else Station201
    bindings: dict[str, Any] = {}
    try:
        async with websockets.connect(
            f"{gateway_url}/{station_id}", subprotocols=[version.subprotocol]
        ) as ws:
            recording = RecordingConnection(ws)
            async with running(station_class(station_id, recording)) as station:
                for request, reply in case.setup:
                    await call_and_match(station, recording, request, reply, bindings)
                await call_and_match(station, recording, case.request, case.reply, bindings, case.action)
                await shadow_matching(api, station_id, case.reported, bindings)
                if case.transactions is not None:
                    await transactions_matching(api, station_id, case.transactions, bindings)
    finally:
        await api.adelete(f"/charge-points/{station_id}")
    # Every case leaves lastSeen, so NOW is bound: it is the handler's clock, not some stored time.
    handled_at = datetime.fromisoformat(bindings["now"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - handled_at).total_seconds()) < 30


@pytest.fixture(scope="module")
def outcomes(system: System, tokens: None) -> dict[tuple[OcppVersion, str], BaseException | None]:
    """Run every case once, side by side (each on its own station), and keep what each raised."""
    api = Api(system.api_url)

    async def run_all() -> dict[tuple[OcppVersion, str], BaseException | None]:
        limit = asyncio.Semaphore(8)

        async def guarded(version: OcppVersion, case: Case) -> BaseException | None:
            async with limit:
                try:
                    await asyncio.wait_for(run_case(api, system.gateway_url, version, case), 30)
                except Exception as error:  # noqa: BLE001 - re-raised by the case's own test
                    return error
                return None

        keys = [(version, case) for version, cases in CASES.items() for case in cases]
        results = await asyncio.gather(*(guarded(version, case) for version, case in keys))
        return {(version, case.id): result for (version, case), result in zip(keys, results, strict=True)}

    return asyncio.run(run_all())


def test_the_tables_cover_every_routed_action() -> None:
    for version, cases in CASES.items():
        assert sorted({case.action for case in cases}) == sorted(shipped_routing().calls[version]), version
        assert len({case.id for case in cases}) == len(cases)


def params(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(
            case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        )
        for case in cases
    ]


@pytest.mark.parametrize("case", params(CASES_201))
def test_201_message(outcomes: dict[tuple[OcppVersion, str], BaseException | None], case: Case) -> None:
    error = outcomes[(OcppVersion.V201, case.id)]
    if error is not None:
        raise error


@pytest.mark.parametrize("case", params(CASES_16))
def test_16_message(outcomes: dict[tuple[OcppVersion, str], BaseException | None], case: Case) -> None:
    error = outcomes[(OcppVersion.V16, case.id)]
    if error is not None:
        raise error


# ----------------------------------------------------------------------------- 2.0 and 2.1 with raw frames


@pytest.mark.parametrize("subprotocol", ["ocpp2.0", "ocpp2.0.1", "ocpp2.1"])
def test_short_session_over_2x_subprotocols(
    api: Api, system: System, registered: str, subprotocol: str
) -> None:
    boot = {"chargingStation": {"model": "Raw", "vendorName": "QA"}, "reason": "PowerUp"}
    status = {"timestamp": TS, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}

    async def scenario() -> dict[str, Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=[subprotocol]) as ws:
            assert ws.subprotocol == subprotocol
            station = await api.station_once(registered, lambda record: record["connected"])
            assert station["connection"]["protocol"] == subprotocol
            replies = []
            for frame in (
                [2, "boot-1", "BootNotification", boot],
                [2, "hb-1", "Heartbeat", {}],
                [2, "status-1", "StatusNotification", status],
            ):
                await ws.send(json.dumps(frame))
                replies.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            bindings: dict[str, Any] = {}
            boot_time, heartbeat_time = Var("boot", HANDLER_TIME), Var("heartbeat", HANDLER_TIME)
            expected = [
                [3, "boot-1", {"currentTime": boot_time, "interval": 300, "status": "Accepted"}],
                [3, "hb-1", {"currentTime": heartbeat_time}],
                [3, "status-1", {}],
            ]
            problem = mismatch(replies, expected, bindings)
            assert problem is None, f"{replies}: {problem}"
            await shadow_matching(
                api,
                registered,
                {
                    "chargingStation": {"model": "Raw", "vendorName": "QA"},
                    "bootReason": "PowerUp",
                    "bootedAt": boot_time,
                    "registrationStatus": "Accepted",
                    "lastHeartbeat": heartbeat_time,
                    "evses": {"1": {"connectors": {"1": {"status": "Available", "timestamp": TS}}}},
                    "lastSeen": TIME,
                },
                bindings,
            )
            return bindings

    bindings = asyncio.run(scenario())
    assert bindings["boot"] <= bindings["heartbeat"]
