"""What one station's call may make the system store: id limits and bounded summaries (pure).

A station chooses the EVSE, connector and reservation ids it reports and how many sampled
values a meter value carries; each new id is a new key in its shadow document, each sampled
value bytes in it. These limits keep the document (and the work of merging into it) small
whatever a station sends. See docs/budgets-storage.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from csms_common.ocpp.errors import ErrorKind, OcppError

Payload = dict[str, Any]


class BudgetReason:
    """Label values of ``csms_handler_budget_rejections_total{reason}`` (a closed set)."""

    EVSE_ID = "evse_id"
    CONNECTOR_ID = "connector_id"
    SAMPLED_VALUES = "sampled_values"
    UNSOLICITED_ANSWER = "unsolicited_answer"
    INVALID_ANSWER = "invalid_answer"
    ANSWER_PAYLOAD = "answer_payload"
    CHARGING_PROFILES = "charging_profiles"


@dataclass(frozen=True)
class StationLimits:
    """Budgets of one station's reported state (HANDLER_MAX_* settings)."""

    max_evse_id: int = 16
    """Highest EVSE id (1.6: connector id) a station may report; OCPP has no count at boot to check."""
    max_connector_id: int = 8
    """Highest connector id within an EVSE (2.x)."""
    max_sampled_values: int = 16
    """Sampled values kept per meter-value summary (the latest per measurand, phase and location)."""
    max_value_chars: int = 256
    """Longest 1.6 sampled value (a string there) kept in a summary; longer ones are left out."""
    max_answer_bytes: int = 65536
    """Largest station answer to a CSMS call stored in the command record (the waiting caller gets it
    whole); a larger one is recorded without its payload, with its size."""


class BudgetExceeded(OcppError):
    """A call that would exceed a station's budget: answered with PropertyConstraintViolation."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(ErrorKind.PROPERTY_CONSTRAINT_VIOLATION, description)
        self.reason = reason


def check_evse_id(evse_id: int, limits: StationLimits) -> None:
    """Refuse an EVSE (1.6: connector) id above the configured maximum."""
    if evse_id > limits.max_evse_id:
        raise BudgetExceeded(
            BudgetReason.EVSE_ID, f"evse id {evse_id} is above this CSMS's limit of {limits.max_evse_id}"
        )


def check_connector_id(connector_id: int, limits: StationLimits) -> None:
    """Refuse a 2.x connector id above the configured maximum."""
    if connector_id > limits.max_connector_id:
        raise BudgetExceeded(
            BudgetReason.CONNECTOR_ID,
            f"connector id {connector_id} is above this CSMS's limit of {limits.max_connector_id}",
        )


def evse_within(evse_id: int | None, limits: StationLimits) -> bool:
    """Whether a per-EVSE copy may be kept for ``evse_id`` (transactions are never refused for it)."""
    return evse_id is not None and evse_id <= limits.max_evse_id


ENERGY_REGISTER = "Energy.Active.Import.Register"
_V16_SAMPLE_FIELDS = ("value", "context", "format", "measurand", "phase", "location", "unit")
_V2_SAMPLE_FIELDS = ("value", "context", "measurand", "phase", "location", "unitOfMeasure")


@dataclass(frozen=True)
class MeterSummary:
    """A meter value reduced to what the shadow and records keep, and what was left out."""

    value: Payload
    dropped: int


def summarise_meter_values(meter_values: Sequence[Mapping[str, Any]], limits: StationLimits) -> MeterSummary:
    """The newest of ``meter_values`` (the station sends them oldest first) as OCPP's
    ``{"timestamp", "sampledValue": [...]}`` with one sampled value per measurand, phase and
    location (the last one given), at most ``max_sampled_values`` of them, the energy register first.

    Vendor ``customData`` and signed meter data are not kept (their size is the station's
    choice), nor 1.6 values (strings) longer than ``max_value_chars``.
    """
    newest: Mapping[str, Any] = meter_values[-1] if meter_values else {}
    latest: dict[tuple[Any, Any, Any], Payload] = {}
    dropped = 0
    for sample in newest.get("sampledValue") or ():
        value = sample.get("value")
        if isinstance(value, str) and len(value) > limits.max_value_chars:
            dropped += 1
            continue
        fields = _V16_SAMPLE_FIELDS if isinstance(value, str) else _V2_SAMPLE_FIELDS
        kept = {key: sample[key] for key in fields if key in sample}
        unit = kept.get("unitOfMeasure")
        if isinstance(unit, dict):
            kept["unitOfMeasure"] = {key: unit[key] for key in ("unit", "multiplier") if key in unit}
        latest[(sample.get("measurand"), sample.get("phase"), sample.get("location"))] = kept
    samples = list(latest.values())
    if len(samples) > limits.max_sampled_values:
        dropped += len(samples) - limits.max_sampled_values
        # The energy register (billing's reading; OCPP's default measurand) is kept before others.
        found = list(samples)
        ranked = sorted(range(len(found)), key=lambda index: (not _is_energy_register(found[index]), index))
        samples = [found[index] for index in sorted(ranked[: limits.max_sampled_values])]
    return MeterSummary({"timestamp": newest.get("timestamp"), "sampledValue": samples}, dropped)


def _is_energy_register(sample: Mapping[str, Any]) -> bool:
    return bool(sample.get("measurand", ENERGY_REGISTER) == ENERGY_REGISTER)


def summarise_id_token(id_token: Mapping[str, Any]) -> Payload:
    """A 2.x idToken without its unbounded ``additionalInfo`` list and ``customData``."""
    return {key: id_token[key] for key in ("idToken", "type") if key in id_token}
