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
    REALISTIC = "realistic"
    """What a charging station really sends (see ``REALISTIC_201``): mostly transaction updates and meter
    values carrying several sampled values, few StatusNotifications, Heartbeats only when idle."""


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


def _sampled_values_201(watt_hours: int) -> list[Payload]:
    """The 7 sampled values a typical 3-phase AC station's periodic sample carries (energy, power,
    current per phase, voltage, state of charge): what the realistic mix sends."""
    periodic = "Sample.Periodic"
    values: list[Payload] = [
        {"value": watt_hours, "measurand": MEASURAND, "context": periodic, "unitOfMeasure": {"unit": "Wh"}},
        {"value": 11040.0, "measurand": "Power.Active.Import", "context": periodic},
    ]
    values += [
        {"value": 16.0, "measurand": "Current.Import", "phase": phase, "context": periodic}
        for phase in ("L1", "L2", "L3")
    ]
    values.append({"value": 230.1, "measurand": "Voltage", "phase": "L1-N", "context": periodic})
    values.append({"value": 40 + watt_hours % 60, "measurand": "SoC", "context": periodic, "location": "EV"})
    return values


def _meter_value_201_full(timestamp: str, watt_hours: int) -> Payload:
    return {"timestamp": timestamp, "sampledValue": _sampled_values_201(watt_hours)}


def _meter_value_16(timestamp: str, watt_hours: int) -> Payload:
    return {
        "timestamp": timestamp,
        "sampledValue": [
            {"value": str(watt_hours), "measurand": MEASURAND, "unit": "Wh", "context": "Sample.Periodic"}
        ],
    }


def _meter_value_16_full(timestamp: str, watt_hours: int) -> Payload:
    """1.6's counterpart of ``_sampled_values_201`` (values are strings in 1.6)."""
    return {
        "timestamp": timestamp,
        "sampledValue": [
            {
                "value": str(value["value"]),
                "measurand": value["measurand"],
                "context": value["context"],
                **({"phase": value["phase"]} if "phase" in value else {}),
                **({"location": value["location"]} if "location" in value else {}),
                **({"unit": "Wh"} if value["measurand"] == MEASURAND else {}),
            }
            for value in _sampled_values_201(watt_hours)
        ],
    }


def meter_values(
    version: str,
    timestamp: str,
    watt_hours: int,
    transaction_id: int | None = None,
    *,
    full: bool = False,
) -> tuple[str, Payload]:
    """MeterValues on EVSE/connector 1; ``full`` sends the 7 sampled values of a real 3-phase sample."""
    if version == V16:
        sample = _meter_value_16_full if full else _meter_value_16
        payload: Payload = {"connectorId": 1, "meterValue": [sample(timestamp, watt_hours)]}
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        return "MeterValues", payload
    sample201 = _meter_value_201_full if full else _meter_value_201
    return "MeterValues", {"evseId": 1, "meterValue": [sample201(timestamp, watt_hours)]}


def transaction_event(
    event_type: str,
    *,
    seq_no: int,
    transaction_id: str,
    timestamp: str,
    watt_hours: int,
    id_token: str | None = None,
    full: bool = False,
) -> tuple[str, Payload]:
    """OCPP 2.0.1 TransactionEvent Started, Updated or Ended on EVSE 1, connector 1 (``full``: the
    meter value carries the 7 sampled values of ``_sampled_values_201``)."""
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
        "meterValue": [(_meter_value_201_full if full else _meter_value_201)(timestamp, watt_hours)],
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

# The realistic mix: one charging session of 20 calls. A station in a session sends a periodic sample
# (TransactionEvent Updated in 2.0.1, MeterValues with the transaction id in 1.6) every
# SampledDataTxUpdatedInterval, typically 30-60 s, and a session lasts tens of minutes; it sends
# StatusNotification only when a connector changes state (twice per session) and Heartbeat only when it
# has sent nothing else for the heartbeat interval. MeterValues outside transactions (the EVSE's own
# meter, AlignedDataInterval) are rarer than the session samples. Per cycle of 20 calls:
# TransactionEvent 12 (60 %: Started 1, Updated 10, Ended 1), MeterValues 4 (20 %),
# StatusNotification 2 (10 %), Heartbeat 2 (10 %). Every sample carries 7 sampled values.
REALISTIC_201 = (
    "status:Occupied",
    "tx:Started",
    *("tx:Updated", "tx:Updated", "meter", "tx:Updated", "tx:Updated", "heartbeat") * 2,
    "tx:Updated",
    "meter",
    "tx:Updated",
    "meter",
    "tx:Ended",
    "status:Available",
)
REALISTIC_16 = (
    "status:Preparing",
    "tx:Start",
    *("meter:tx", "meter:tx", "meter", "meter:tx", "meter:tx", "heartbeat") * 2,
    "meter:tx",
    "meter",
    "meter:tx",
    "meter",
    "tx:Stop",
    "status:Available",
)


def cycle_of(version: str, mix: Mix) -> tuple[str, ...]:
    """The calls one station repeats (``heartbeat`` for Mix.HEARTBEAT)."""
    if mix is Mix.HEARTBEAT:
        return ("heartbeat",)
    if mix is Mix.REALISTIC:
        return REALISTIC_16 if version == V16 else REALISTIC_201
    return CYCLE_16 if version == V16 else CYCLE_201


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
        full = self.mix is Mix.REALISTIC
        cycle = cycle_of(self.version, self.mix)
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
            return meter_values(self.version, now, self.watt_hours, full=full)
        if kind == "meter:tx":
            return meter_values(self.version, now, self.watt_hours, self.transaction_16 or 0, full=full)
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
            full=full,
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
