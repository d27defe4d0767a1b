"""The fixed set of OCPP-J frames the load generator sends, and its answers to CSMS calls.

Pure functions: every payload here is valid against the official OCPP 2.0.1 or
1.6 schema (``bench/test_loadgen.py`` checks each against
``csms_common.ocpp.schemas.SchemaRegistry``). Frames are serialised with
``json.dumps`` once per call; nothing here does I/O.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Payload = dict[str, Any]

CALL = 2
CALL_RESULT = 3
CALL_ERROR = 4

V201 = "2.0.1"
V16 = "1.6"
VERSIONS = (V201, V16)

SUBPROTOCOLS = {V201: "ocpp2.0.1", V16: "ocpp1.6"}

MEASURAND = "Energy.Active.Import.Register"


class Mix(StrEnum):
    """Which calls a station cycles through."""

    FULL = "full"
    """Heartbeat, StatusNotification, a transaction (Started/Updated/Ended; 1.6: Start/Stop), MeterValues."""
    HEARTBEAT = "heartbeat"
    """Heartbeats only: an idle station."""


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def call_frame(message_id: str, action: str, payload: Payload) -> str:
    """``[2, id, action, payload]`` as text."""
    return _dumps([CALL, message_id, action, payload])


def call_result_frame(message_id: str, payload: Payload) -> str:
    """``[3, id, payload]`` as text."""
    return _dumps([CALL_RESULT, message_id, payload])


def call_error_frame(message_id: str, code: str, description: str) -> str:
    """``[4, id, code, description, {}]`` as text."""
    return _dumps([CALL_ERROR, message_id, code, description, {}])


class IsoClock:
    """UTC timestamps (``2025-01-01T00:00:00Z``), formatted at most once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        return self._text


# ----------------------------------------------------------------- payloads


def boot_notification(version: str) -> tuple[str, Payload]:
    if version == V16:
        return "BootNotification", {"chargePointVendor": "BenchVendor", "chargePointModel": "LoadGen"}
    return "BootNotification", {
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "BenchVendor", "model": "LoadGen", "firmwareVersion": "1.0"},
    }


def heartbeat() -> tuple[str, Payload]:
    return "Heartbeat", {}


def status_notification(version: str, status: str, timestamp: str) -> tuple[str, Payload]:
    """``status`` is a 2.0.1 ConnectorStatusEnumType (Available, Occupied) or a 1.6 ChargePointStatus."""
    if version == V16:
        return "StatusNotification", {
            "connectorId": 1,
            "errorCode": "NoError",
            "status": status,
            "timestamp": timestamp,
        }
    return "StatusNotification", {
        "timestamp": timestamp,
        "connectorStatus": status,
        "evseId": 1,
        "connectorId": 1,
    }


def _meter_value_201(timestamp: str, watt_hours: int) -> Payload:
    return {
        "timestamp": timestamp,
        "sampledValue": [{"value": watt_hours, "measurand": MEASURAND, "context": "Sample.Periodic"}],
    }


def _meter_value_16(timestamp: str, watt_hours: int) -> Payload:
    return {
        "timestamp": timestamp,
        "sampledValue": [
            {"value": str(watt_hours), "measurand": MEASURAND, "unit": "Wh", "context": "Sample.Periodic"}
        ],
    }


def meter_values(
    version: str, timestamp: str, watt_hours: int, transaction_id: int | None = None
) -> tuple[str, Payload]:
    if version == V16:
        payload: Payload = {"connectorId": 1, "meterValue": [_meter_value_16(timestamp, watt_hours)]}
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        return "MeterValues", payload
    return "MeterValues", {"evseId": 1, "meterValue": [_meter_value_201(timestamp, watt_hours)]}


def transaction_event(
    event_type: str,
    *,
    seq_no: int,
    transaction_id: str,
    timestamp: str,
    watt_hours: int,
    id_token: str | None = None,
) -> tuple[str, Payload]:
    """OCPP 2.0.1 TransactionEvent Started, Updated or Ended on EVSE 1, connector 1."""
    trigger = {"Started": "Authorized", "Updated": "MeterValuePeriodic", "Ended": "StopAuthorized"}[
        event_type
    ]
    info: Payload = {"transactionId": transaction_id}
    if event_type == "Ended":
        info["stoppedReason"] = "Local"
        info["chargingState"] = "Idle"
    else:
        info["chargingState"] = "Charging"
    payload: Payload = {
        "eventType": event_type,
        "timestamp": timestamp,
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        "meterValue": [_meter_value_201(timestamp, watt_hours)],
    }
    if event_type == "Started":
        payload["evse"] = {"id": 1, "connectorId": 1}
    if id_token is not None:
        payload["idToken"] = {"idToken": id_token, "type": "ISO14443"}
    return "TransactionEvent", payload


def start_transaction_16(id_tag: str, meter_start: int, timestamp: str) -> tuple[str, Payload]:
    return "StartTransaction", {
        "connectorId": 1,
        "idTag": id_tag,
        "meterStart": meter_start,
        "timestamp": timestamp,
    }


def stop_transaction_16(transaction_id: int, meter_stop: int, timestamp: str) -> tuple[str, Payload]:
    return "StopTransaction", {
        "transactionId": transaction_id,
        "meterStop": meter_stop,
        "timestamp": timestamp,
        "reason": "Local",
    }


def authorize(version: str, token: str) -> tuple[str, Payload]:
    if version == V16:
        return "Authorize", {"idTag": token}
    return "Authorize", {"idToken": {"idToken": token, "type": "ISO14443"}}


# ------------------------------------------------------- the station's script

# One cycle of the full mix: 10 calls, 4 of them transaction events.
CYCLE_201 = (
    "status:Occupied",
    "tx:Started",
    "meter",
    "tx:Updated",
    "heartbeat",
    "tx:Updated",
    "meter",
    "tx:Ended",
    "status:Available",
    "heartbeat",
)
CYCLE_16 = (
    "status:Preparing",
    "tx:Start",
    "meter:tx",
    "heartbeat",
    "meter:tx",
    "meter:tx",
    "tx:Stop",
    "status:Available",
    "heartbeat",
    "meter",
)


@dataclass
class StationScript:
    """What one station sends next: BootNotification first, then its mix in a fixed cycle.

    ``token`` is the station's idTag/idToken for its transactions; 1.6 transaction ids come from
    the CSMS's StartTransaction answer (``on_result``).
    """

    station_id: str
    version: str
    mix: Mix = Mix.FULL
    clock: IsoClock = field(default_factory=IsoClock)
    step: int = 0
    cycle: int = 0
    seq_no: int = 0
    watt_hours: int = 0
    transaction_16: int | None = None

    @property
    def token(self) -> str:
        return f"TAG{zlib.crc32(self.station_id.encode()):08X}"

    def boot(self) -> tuple[str, Payload]:
        return boot_notification(self.version)

    def next_call(self) -> tuple[str, Payload]:
        if self.mix is Mix.HEARTBEAT:
            return heartbeat()
        cycle = CYCLE_16 if self.version == V16 else CYCLE_201
        kind = cycle[self.step]
        self.step += 1
        if self.step == len(cycle):
            self.step = 0
            self.cycle += 1
        now = self.clock.now()
        self.watt_hours += 150
        if kind == "heartbeat":
            return heartbeat()
        if kind.startswith("status:"):
            return status_notification(self.version, kind.split(":", 1)[1], now)
        if kind == "meter":
            return meter_values(self.version, now, self.watt_hours)
        if kind == "meter:tx":
            return meter_values(self.version, now, self.watt_hours, self.transaction_16 or 0)
        if kind == "tx:Start":
            return start_transaction_16(self.token, self.watt_hours, now)
        if kind == "tx:Stop":
            transaction = self.transaction_16 or 0
            self.transaction_16 = None
            return stop_transaction_16(transaction, self.watt_hours, now)
        event_type = kind.split(":", 1)[1]
        if event_type == "Started":
            self.seq_no = 0
        transaction_id = f"{self.station_id[-24:]}-T{self.cycle}"
        call = transaction_event(
            event_type,
            seq_no=self.seq_no,
            transaction_id=transaction_id,
            timestamp=now,
            watt_hours=self.watt_hours,
            id_token=self.token if event_type == "Started" else None,
        )
        self.seq_no += 1
        return call

    def on_result(self, action: str, payload: Payload) -> None:
        """Remember what later calls need from an answer (1.6's transaction id)."""
        if action == "StartTransaction":
            transaction = payload.get("transactionId")
            if isinstance(transaction, int):
                self.transaction_16 = transaction


# ------------------------------------------------------ answers to CSMS calls

ACCEPTED_ACTIONS = frozenset(
    {"RequestStartTransaction", "RequestStopTransaction", "RemoteStartTransaction", "RemoteStopTransaction"}
)


def answer_csms_call(message_id: str, action: str) -> str:
    """Remote start/stop are Accepted; anything else gets CallError NotImplemented."""
    if action in ACCEPTED_ACTIONS:
        return call_result_frame(message_id, {"status": "Accepted"})
    return call_error_frame(message_id, "NotImplemented", f"the load generator does not handle {action}")


def remote_start_token(action: str, payload: Payload) -> str | None:
    """The idTag (1.6) or idToken (2.0.1) a remote start carries, to match it to the HTTP request."""
    if action == "RemoteStartTransaction":
        tag = payload.get("idTag")
        return tag if isinstance(tag, str) else None
    if action == "RequestStartTransaction":
        token = payload.get("idToken")
        if isinstance(token, dict) and isinstance(token.get("idToken"), str):
            return str(token["idToken"])
    return None
