"""Station budgets in the handler: id limits, bounded meter summaries, through the processor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from csms_common.ocpp.frames import CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.budgets import StationLimits, summarise_id_token, summarise_meter_values
from csms_handler.context import Lookups, ShadowUpdate, TransactionRecord
from csms_handler.processor import FrameProcessor, Outcome, StationFrame
from csms_handler.routing import shipped_routing

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
LIMITS = StationLimits(max_evse_id=4, max_connector_id=2, max_sampled_values=3, max_value_chars=20)


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), heartbeat_interval=300, limits=LIMITS)


def _call(processor: FrameProcessor, version: OcppVersion, action: str, payload: dict[str, Any]) -> Outcome:
    raw = json.dumps([2, "m1", action, payload]).encode()
    return processor.process(StationFrame("CP-1", version, raw), NOW, Lookups(transaction_id=7))


def _sample(value: Any, measurand: str, phase: str | None = None, **extra: Any) -> dict[str, Any]:
    sample = {"value": value, "measurand": measurand, **extra}
    if phase is not None:
        sample["phase"] = phase
    return sample


def test_the_summary_keeps_the_newest_meter_value_one_sample_per_measurand_phase_location() -> None:
    older = {"timestamp": "t0", "sampledValue": [_sample(1, "Power.Active.Import")]}
    newest = {
        "timestamp": "t1",
        "sampledValue": [
            _sample(10, "Energy.Active.Import.Register", customData={"vendorId": "x", "blob": "y" * 1000}),
            _sample(5, "Current.Import", "L1"),
            _sample(6, "Current.Import", "L2"),
            _sample(11, "Energy.Active.Import.Register"),
            _sample(7, "Current.Import", "L3", unitOfMeasure={"unit": "A", "customData": {"vendorId": "v"}}),
        ],
    }
    summary = summarise_meter_values([older, newest], LIMITS)
    assert summary.value == {
        "timestamp": "t1",
        "sampledValue": [
            {"value": 11, "measurand": "Energy.Active.Import.Register"},
            {"value": 5, "measurand": "Current.Import", "phase": "L1"},
            {"value": 6, "measurand": "Current.Import", "phase": "L2"},
        ],
    }
    assert summary.dropped == 1  # L3 is beyond the cap of three


def test_a_long_v16_value_is_left_out_of_the_summary() -> None:
    meter_value = {
        "timestamp": "t",
        "sampledValue": [{"value": "x" * 21, "format": "SignedData"}, {"value": "12.5", "unit": "Wh"}],
    }
    summary = summarise_meter_values([meter_value], LIMITS)
    assert summary.value["sampledValue"] == [{"value": "12.5", "unit": "Wh"}]
    assert summary.dropped == 1


def test_an_id_token_loses_its_unbounded_parts() -> None:
    token = {
        "idToken": "A",
        "type": "ISO14443",
        "additionalInfo": [{"additionalIdToken": "b", "type": "c"}] * 999,
    }
    assert summarise_id_token(token) == {"idToken": "A", "type": "ISO14443"}


@pytest.mark.parametrize(
    ("version", "action", "payload", "reason"),
    [
        (
            OcppVersion.V201,
            "StatusNotification",
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "connectorStatus": "Available",
                "evseId": 5,
                "connectorId": 1,
            },
            "evse id 5 is above this CSMS's limit of 4",
        ),
        (
            OcppVersion.V201,
            "StatusNotification",
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "connectorStatus": "Available",
                "evseId": 1,
                "connectorId": 3,
            },
            "connector id 3 is above this CSMS's limit of 2",
        ),
        (
            OcppVersion.V201,
            "MeterValues",
            {
                "evseId": 99999,
                "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": 1}]}],
            },
            "evse id 99999 is above this CSMS's limit of 4",
        ),
        (
            OcppVersion.V16,
            "StatusNotification",
            {"connectorId": 5, "errorCode": "NoError", "status": "Available"},
            "evse id 5 is above this CSMS's limit of 4",
        ),
        (
            OcppVersion.V16,
            "MeterValues",
            {
                "connectorId": 5,
                "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]}],
            },
            "evse id 5 is above this CSMS's limit of 4",
        ),
    ],
)
def test_an_id_above_the_limit_is_a_property_constraint_violation(
    processor: FrameProcessor, version: OcppVersion, action: str, payload: dict[str, Any], reason: str
) -> None:
    outcome = _call(processor, version, action, payload)
    assert outcome.reply == CallError("m1", "PropertyConstraintViolation", reason, {})
    assert outcome.over_budget in (("evse_id",), ("connector_id",))
    # Nothing but lastSeen reaches the shadow.
    assert outcome.effects == [ShadowUpdate({"lastSeen": "2024-01-02T03:04:05.000Z"})]


def test_a_transaction_on_an_evse_above_the_limit_is_kept_without_its_per_evse_copy(
    processor: FrameProcessor,
) -> None:
    outcome = _call(
        processor,
        OcppVersion.V201,
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": "2024-01-01T00:00:00Z",
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-1"},
            "evse": {"id": 50},
        },
    )
    assert isinstance(outcome.reply, CallResult)
    assert outcome.over_budget == ("evse_id",)
    updates = [effect.reported for effect in outcome.effects if isinstance(effect, ShadowUpdate)]
    assert all("evses" not in update for update in updates)
    assert any("activeTransaction" in update for update in updates)
    records = [effect for effect in outcome.effects if isinstance(effect, TransactionRecord)]
    assert records[0].fields["evseId"] == 50


def test_a_v16_meter_value_for_a_transaction_only_updates_an_existing_record(
    processor: FrameProcessor,
) -> None:
    outcome = _call(
        processor,
        OcppVersion.V16,
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 123456,
            "meterValue": [{"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]}],
        },
    )
    records = [effect for effect in outcome.effects if isinstance(effect, TransactionRecord)]
    assert [record.update_only for record in records] == [True]


def test_the_energy_register_survives_the_cap() -> None:
    """Billing reads the energy register: it is kept even when it comes after the cap."""
    samples = [_sample(n, "Current.Import", phase) for n, phase in enumerate(["L1", "L2", "L3", "N"])]
    samples.append(_sample(99, "Energy.Active.Import.Register"))
    samples.append({"value": 7})  # no measurand: OCPP's default, the energy register too
    summary = summarise_meter_values([{"timestamp": "t", "sampledValue": samples}], LIMITS)
    assert summary.value["sampledValue"] == [
        {"value": 0, "measurand": "Current.Import", "phase": "L1"},
        {"value": 99, "measurand": "Energy.Active.Import.Register"},
        {"value": 7},
    ]
    assert summary.dropped == 3
