"""OCPP meter values (1.6 and 2.x) to energy register readings in Wh, with a note for everything skipped.

Only ``Energy.Active.Import.Register`` counts (the default measurand when a sampled value names none).
Units: ``Wh`` and ``kWh`` (1.6 ``unit``, 2.x ``unitOfMeasure`` with its power-of-ten ``multiplier``).
A meter value with per-phase readings and no total is summed over its phases. Signed values (1.6
``format: SignedData``, 2.x ``signedMeterValue``) are kept verbatim for calibration-law audits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ENERGY_REGISTER = "Energy.Active.Import.Register"
BEGIN = "Transaction.Begin"
END = "Transaction.End"
MAX_SIGNED_VALUE_CHARS = 4096
"""A signed value longer than this is not kept verbatim (OCPP 2.0.1 limits signedMeterData to 2500)."""

_UNIT_FACTORS = {"Wh": Decimal(1), "kWh": Decimal(1000)}


@dataclass(frozen=True, order=True)
class Reading:
    """One energy register reading: when, how many Wh, and in which order it arrived."""

    at: datetime
    arrival: int
    wh: Decimal = field(compare=False)
    context: str = field(default="Sample.Periodic", compare=False)


@dataclass(frozen=True)
class ParsedReadings:
    readings: tuple[Reading, ...]
    signed: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]
    flagged: bool


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime:
    """An OCPP timestamp (ISO 8601 with a zone); naive times are refused, never guessed."""
    if not isinstance(value, str):
        raise ValueError(f"timestamp {value!r} is not a string")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return moment


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidOperation
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation
    return number


def _wh_factor(sampled: Mapping[str, Any]) -> Decimal | None:
    unit_of_measure = sampled.get("unitOfMeasure")
    if isinstance(unit_of_measure, Mapping):
        unit = unit_of_measure.get("unit", "Wh")
        multiplier = unit_of_measure.get("multiplier", 0)
        if not isinstance(multiplier, int) or isinstance(multiplier, bool) or abs(multiplier) > 9:
            return None
        base = _UNIT_FACTORS.get(str(unit))
        return None if base is None else base * Decimal(10) ** multiplier
    return _UNIT_FACTORS.get(str(sampled.get("unit", "Wh")))


def parse_meter_values(meter_values: Sequence[Mapping[str, Any]], first_arrival: int = 0) -> ParsedReadings:
    """Readings from a list of OCPP ``meterValue`` objects, numbered by arrival from ``first_arrival``."""
    readings: list[Reading] = []
    signed: list[dict[str, Any]] = []
    notes: list[str] = []
    flagged = False
    for offset, meter_value in enumerate(meter_values):
        try:
            at = parse_time(meter_value.get("timestamp"))
        except ValueError as error:
            notes.append(f"meter value without a usable timestamp ignored: {error}")
            flagged = True
            continue
        total: Decimal | None = None
        phases: dict[str, Decimal] = {}
        context = "Sample.Periodic"
        for sampled in meter_value.get("sampledValue") or ():
            if not isinstance(sampled, Mapping):
                continue
            if sampled.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER:
                continue
            signed_value = _signed_of(sampled, at)
            if signed_value is not None:
                signed.append(signed_value)
            if sampled.get("format") == "SignedData":
                continue  # 1.6: the value is the signed blob itself, kept above
            context = str(sampled.get("context", context))
            factor = _wh_factor(sampled)
            if factor is None:
                notes.append(f"reading at {_iso(at)} in an unknown unit ignored")
                flagged = True
                continue
            try:
                wh = _number(sampled.get("value")) * factor
            except InvalidOperation:
                notes.append(f"non-numeric reading {str(sampled.get('value'))[:40]!r} at {_iso(at)} ignored")
                flagged = True
                continue
            if wh < 0:
                notes.append(f"negative reading {wh} Wh at {_iso(at)} ignored")
                flagged = True
                continue
            phase = sampled.get("phase")
            if phase is None:
                total = wh
            else:
                phases[str(phase)] = wh
        if total is None and phases:
            total = sum(phases.values(), Decimal(0))
            notes.append(f"reading at {_iso(at)} summed over phases {', '.join(sorted(phases))}")
        if total is not None:
            readings.append(Reading(at, first_arrival + offset, total, context))
    return ParsedReadings(tuple(readings), tuple(signed), tuple(notes), flagged)


def _signed_of(sampled: Mapping[str, Any], at: datetime) -> dict[str, Any] | None:
    """The signed data of a sampled value, verbatim, or None when it carries none."""
    if isinstance(sampled.get("signedMeterValue"), Mapping):
        data: Any = dict(sampled["signedMeterValue"])
    elif sampled.get("format") == "SignedData":
        data = sampled.get("value")
    else:
        return None
    if len(str(data)) > MAX_SIGNED_VALUE_CHARS:
        return {"timestamp": _iso(at), "omitted": f"longer than {MAX_SIGNED_VALUE_CHARS} characters"}
    return {"timestamp": _iso(at), "context": sampled.get("context"), "signedMeterValue": data}
