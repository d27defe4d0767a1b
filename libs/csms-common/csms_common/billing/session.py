"""One transaction record (1.6 or 2.x) and its stored meter samples to a billing session. Pure.

A session is what an operator bills: who charged where and when, the energy with every correction
noted (``energyNotes``), the samples the energy was computed from, signed values kept verbatim,
and, when a tariff applies, its cost breakdown and (once finished) an OCPI CDR.

Status: ``active`` until the transaction ends; ``awaitingEvents`` when it has ended but the
station's seqNo log has holes (OCPP 2.0.1 E14: queued events are still to come; the cost is shown
but provisional); ``completed`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms_common.billing.cdr import PartyId, build_cdr
from csms_common.billing.cost import CostBreakdown, compute_cost
from csms_common.billing.energy import EnergyResult, compute_energy
from csms_common.billing.money import amount, round_half_up
from csms_common.billing.readings import BEGIN, END, Reading, parse_meter_values, parse_time
from csms_common.billing.tariffs import Tariff

ACTIVE = "active"
AWAITING = "awaitingEvents"
COMPLETED = "completed"
MAX_SHOWN_READINGS = 200
"""Readings listed on a session; beyond it the list is thinned evenly (noted) - energy uses them all."""
MAX_SHOWN_SIGNED = 20
DEFAULT_PARTY = PartyId("XX", "CSM")
_AUTHORIZING_TRIGGERS = frozenset({"Authorized", "RemoteStart"})


@dataclass(frozen=True)
class SessionInputs:
    station_id: str
    record: Mapping[str, Any]
    samples: Sequence[Mapping[str, Any]]
    """Stored sample entries in arrival order: ``{"meterValue": [...], "offline": bool}``."""
    tariffs: Sequence[Tariff] = ()
    max_power_w: Decimal | None = None
    party: PartyId = DEFAULT_PARTY
    samples_thinned: int = 0


def session_id(station_id: str, transaction_id: str) -> str:
    return f"{station_id}:{transaction_id}"


def _time_or_none(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def _seq_gaps(events: Sequence[Mapping[str, Any]]) -> list[int]:
    seq_nos = sorted({int(event["seqNo"]) for event in events if isinstance(event.get("seqNo"), int)})
    if not seq_nos:
        return []
    present = set(seq_nos)
    return [seq for seq in range(seq_nos[0], seq_nos[-1] + 1) if seq not in present][:50]


def _wh_reading(value: Any, at: datetime | None, context: str) -> Reading | None:
    if at is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Reading(at, -1, Decimal(str(value)), context)
    except ArithmeticError:
        return None


def _thinned(readings: Sequence[Reading], limit: int) -> list[Reading]:
    if len(readings) <= limit:
        return list(readings)
    step = len(readings) / (limit - 1)
    picked = [readings[int(index * step)] for index in range(limit - 1)]
    return [*picked, readings[-1]]


def _id_token(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    token = record.get("idToken")
    if isinstance(token, Mapping):
        return (None if token.get("idToken") is None else str(token["idToken"])), token.get("type")
    if record.get("idTag") is not None:
        return str(record["idTag"]), "ISO14443"
    return None, None


@dataclass(frozen=True)
class SampleFold:
    """What a session takes from its stored sample entries before the energy is counted."""

    readings: tuple[Reading, ...]
    """In arrival order."""
    signed: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]
    flagged: bool


def fold_entry(entry: Mapping[str, Any], arrival: int) -> SampleFold:
    """One stored entry, the ``arrival``-th of its session (0-based)."""
    parsed = parse_meter_values(entry.get("meterValue") or [], first_arrival=arrival * 1000)
    return SampleFold(parsed.readings, parsed.signed, parsed.notes, parsed.flagged)


def fold_samples(samples: Sequence[Mapping[str, Any]]) -> SampleFold:
    readings: list[Reading] = []
    signed: list[dict[str, Any]] = []
    notes: list[str] = []
    flagged = False
    for arrival, entry in enumerate(samples):
        fold = fold_entry(entry, arrival)
        readings.extend(fold.readings)
        signed.extend(fold.signed)
        notes.extend(fold.notes)
        flagged = flagged or fold.flagged
    return SampleFold(tuple(readings), tuple(signed), tuple(notes), flagged)


@dataclass(frozen=True)
class Counted:
    """A running session's samples counted already (:mod:`csms_common.billing.running`): the energy,
    and the readings (all of them, in time order, at most MAX_SHOWN_READINGS) as the session lists them."""

    energy: EnergyResult
    listed: list[dict[str, Any]]


def listed_reading(reading: Reading) -> dict[str, Any]:
    """One reading as a session lists it under ``samples``."""
    return {"timestamp": _iso(reading.at), "wh": _number(reading.wh), "context": reading.context}


def explicit_start(record: Mapping[str, Any]) -> Reading | None:
    """1.6's meterStart as the reading the count starts from (None for 2.x or without a start time)."""
    if "meterStart" not in record:
        return None
    return _wh_reading(record.get("meterStart"), _time_or_none(record.get("startTime")), BEGIN)


def build_session(inputs: SessionInputs, now: datetime) -> dict[str, Any]:
    """The session of one transaction record, with its cost and, once completed, its CDR (``cdr``)."""
    return assemble_session(inputs, fold_samples(inputs.samples), now)


def assemble_session(
    inputs: SessionInputs, fold: SampleFold, now: datetime, counted: Counted | None = None
) -> dict[str, Any]:
    """The session from its folded samples; ``counted``: a running session with a start time whose
    samples are counted already (then ``fold.readings`` is not used), else they are counted here."""
    record = inputs.record
    transaction_id = str(record.get("transactionId"))
    is_v16 = "meterStart" in record
    events: Sequence[Mapping[str, Any]] = record.get("events") or []
    notes: list[str] = list(fold.notes)
    readings = fold.readings
    signed = list(fold.signed)
    flagged = fold.flagged
    if inputs.samples_thinned:
        notes.append(f"{inputs.samples_thinned} stored sample message(s) thinned out beyond the cap")
    offline_events = sum(1 for event in events if event.get("offline"))
    if offline_events:
        notes.append(f"{offline_events} event(s) delivered late by the station (offline: true)")

    start_time = _time_or_none(record.get("startTime"))
    if start_time is None:
        known = [t for t in (_time_or_none(e.get("timestamp")) for e in events) if t is not None]
        known += [reading.at for reading in readings]
        start_time = min(known) if known else None
        if start_time is not None:
            notes.append("no start event received: the session starts at its earliest event or reading")
    end_time = _time_or_none(record.get("endTime"))
    ended = str(record.get("status")) == "Ended"

    start = stop = None
    if is_v16:
        start = _wh_reading(record.get("meterStart"), start_time, BEGIN)
        if ended:
            stop = _wh_reading(record.get("meterStop"), end_time, END)
            if stop is None and record.get("meterStop") is None:
                notes.append("StopTransaction without meterStop")
    energy: EnergyResult = (
        counted.energy
        if counted is not None
        else compute_energy(readings, start=start, stop=stop, ended=ended, max_power_w=inputs.max_power_w)
    )
    notes.extend(energy.notes)
    flagged = flagged or energy.flagged

    gaps = _seq_gaps(events) if not is_v16 else []
    if gaps:
        notes.append(f"events with seqNo {', '.join(map(str, gaps))} not received yet (E14)")
    started = next((e for e in events if e.get("eventType") == "Started"), None)
    id_token, token_type = _id_token(record)
    if (
        started is not None
        and id_token is not None
        and started.get("triggerReason") not in _AUTHORIZING_TRIGGERS
    ):
        notes.append(f"started before authorization (trigger {started.get('triggerReason')})")

    status = ACTIVE if not ended else (AWAITING if gaps else COMPLETED)
    last_reading = energy.stop_reading.at if energy.stop_reading is not None else start_time
    billed_until = end_time if ended and end_time is not None else (last_reading or start_time)
    duration = (billed_until - start_time).total_seconds() if start_time and billed_until else 0.0
    charging = float(energy.charging_seconds)
    if counted is not None:
        listed = counted.listed
    else:
        shown = _thinned(sorted(readings), MAX_SHOWN_READINGS)
        if len(shown) < len(readings):
            notes.append(f"{len(readings)} readings, {len(shown)} listed on the session")
        listed = [listed_reading(reading) for reading in shown]
    session: dict[str, Any] = {
        "id": session_id(inputs.station_id, transaction_id),
        "chargePointId": inputs.station_id,
        "transactionId": transaction_id,
        "protocol": "1.6" if is_v16 else "2.x",
        "status": status,
        "evseId": record.get("evseId"),
        "connectorId": record.get("connectorId"),
        "idToken": id_token,
        "idTokenType": token_type,
        "groupIdToken": record.get("groupIdToken"),
        "startTime": _iso(start_time),
        "endTime": _iso(end_time) if ended else None,
        "startReason": "RemoteStart"
        if record.get("remoteStartMessageId")
        else (started or {}).get("triggerReason"),
        "stopReason": record.get("stoppedReason"),
        "remoteStartMessageId": record.get("remoteStartMessageId"),
        "meterStartWh": _number(energy.start_reading.wh) if energy.start_reading else None,
        "meterStopWh": _number(energy.stop_reading.wh) if energy.stop_reading and ended else None,
        "energyWh": amount(round_half_up(energy.wh, 3)),
        "durationSeconds": round(duration, 3),
        "chargingSeconds": round(min(charging, duration), 3),
        "idleSeconds": round(max(duration - charging, 0.0), 3),
        "samples": listed,
        "signedMeterValues": signed[:MAX_SHOWN_SIGNED]
        + (signed[-1:] if len(signed) > MAX_SHOWN_SIGNED else []),
        "energyNotes": notes,
        "flagged": flagged,
        "tariffIds": [tariff.id for tariff in inputs.tariffs],
        "cost": None,
        "updatedAt": _iso(now),
    }
    if inputs.tariffs and start_time is not None and billed_until is not None:
        breakdown: CostBreakdown = compute_cost(inputs.tariffs, start_time, billed_until, energy.intervals)
        session["cost"] = breakdown.as_json()
        if status == COMPLETED:
            session["cdr"] = build_cdr(session, breakdown, inputs.tariffs, inputs.party, now)
    return session


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _number(value: Decimal) -> float | int:
    return amount(value)
