"""FrameProcessor tests' shared frames, requests and helpers (a fixed time, one station)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from csms_common.ocpp.frames import CallError
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    Lookups,
    Payload,
    ShadowUpdate,
    TokenStatus,
)
from csms_handler.processor import FrameProcessor, Outcome, StationFrame

V16, V20, V201, V21 = OcppVersion.V16, OcppVersion.V20, OcppVersion.V201, OcppVersion.V21
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_ISO = "2024-01-02T03:04:05.678Z"
T0 = "2024-01-02T03:00:00.000Z"
STATION = "CP-001"
INTERVAL = 300
LAST_SEEN = ShadowUpdate({"lastSeen": NOW_ISO})


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
    # StopAuthorized: the stopping token, kept apart from the starting one (idToken).
    "stopIdToken": ID_TOKEN,
    "endTime": "2024-01-02T04:00:00.000Z",
    "stoppedReason": "Local",
}


def _call_error(message_id: str, code: str, description: str, action: str) -> Outcome:
    return Outcome(
        CallError(message_id, code, description, {}),
        [LAST_SEEN],
        action=action,
        message_id=message_id,
        error=description,
    )


NO_AUTHORIZATION = {"idToken": "", "type": "NoAuthorization"}
