"""OCPP 1.6 golden cases: shared requests, expectations and the checks every case passes.

Each golden case runs twice: through the FrameProcessor (raw frame, schema checks
both ways, ``lastSeen`` folded in) and by calling the handler directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from csms_common.ocpp.frames import CallResult
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
from csms_handler.processor import FrameProcessor, Outcome, Plan, StationFrame

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


class GoldenTests:
    """The checks every golden case passes; a test module subclasses this with its ``cases``
    (conftest.py parametrizes ``case`` from them)."""

    cases: list[Case] = []

    def test_golden_call_through_the_processor(self, processor: FrameProcessor, case: Case) -> None:
        outcome = _process(processor, case.action, case.request, case.lookups)

        assert outcome.reply == CallResult(MESSAGE_ID, case.reply)
        assert outcome.effects == _seen(case.effects)
        assert outcome.action == case.action
        assert outcome.message_id == MESSAGE_ID
        assert outcome.error is None

    def test_golden_call_direct(self, case: Case) -> None:
        reply = V16_ROUTES[case.action].handler(case.request, _context(case.lookups))

        assert reply.payload == case.reply
        assert reply.effects == case.effects

    def test_golden_request_and_reply_match_the_schemas(self, schemas: SchemaRegistry, case: Case) -> None:
        schemas.validate_request(V16, case.action, case.request)
        schemas.validate_response(V16, case.action, case.reply)

    def test_needs(self, case: Case) -> None:
        assert V16_ROUTES[case.action].needs(case.request) == case.needs

    def test_the_processor_plans_the_lookups_the_handler_needs(
        self, processor: FrameProcessor, case: Case
    ) -> None:
        plan = processor.plan(StationFrame(STATION, V16, _raw(case.action, case.request)), NOW)

        assert isinstance(plan, Plan)
        assert plan.lookup == case.needs
        assert plan.lookup.is_empty == (case.needs == NO_LOOKUP)

    def test_nulls_are_written_only_for_absent_optional_fields(self, case: Case) -> None:
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
                fields = next(
                    (fields for pattern, fields in nullable.items() if _matches(pattern, path)), None
                )
                assert fields is not None, f"{'.'.join(path)} is not an optional field of a reported object"
                present = [name for name in fields if name in case.request]
                assert not present, f"{'.'.join(path)} is null though the request has {present}"

    def test_every_absent_optional_field_is_written_as_null(self, case: Case) -> None:
        """The other way round: an optional field the station left out is never left out of its object."""
        for pattern, fields in NULLABLE.get(case.action, {}).items():
            if any(name in case.request for name in fields):
                continue
            for reported in _updates(case):
                for parent in _objects(reported, pattern[:-1]):
                    shown = _at(reported, parent)
                    assert pattern[-1] in shown, f"{'.'.join((*parent, pattern[-1]))} is left out"
                    assert shown[pattern[-1]] is None
