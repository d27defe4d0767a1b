"""The running count (csms_common.billing.running) against the full recount of build_session.

Property: for any sequence of stored sample entries, whenever :func:`advance` keeps a state, the
session assembled from it equals ``build_session`` over the whole log, field for field (energy,
notes, listed samples, signed values, cost and its periods with a tariff).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from csms_common import fast_json
from csms_common.billing.running import (
    RunningEnergy,
    advance,
    running_from_json,
    running_json,
    start_running,
)
from csms_common.billing.session import SessionInputs, assemble_session, build_session, explicit_start
from csms_common.billing.tariffs import Tariff, parse_tariff
from tests.unit.csms_common.billing.messages import energy_tariff

START = datetime(2026, 3, 1, 21, 50, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CONTEXTS = ("Sample.Periodic", "Sample.Periodic", "Sample.Periodic", "Transaction.Begin", "Sample.Clock")
TIME_TARIFF = {
    "id": "night",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.2, "vat": 20, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.4, "vat": 20, "step_size": 1}]},
        {"price_components": [{"type": "TIME", "price": 1.5, "vat": 20, "step_size": 60}]},
    ],
}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@st.composite
def sampled_value(draw: st.DrawFn, wh: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["wh", "wh", "wh", "kwh", "phase", "signed", "bad"]))
    value: dict[str, Any] = {
        "measurand": "Energy.Active.Import.Register",
        "context": draw(st.sampled_from(CONTEXTS)),
    }
    if kind == "kwh":
        value.update(value=wh / 1000, unitOfMeasure={"unit": "kWh"})
    elif kind == "phase":
        value.update(value=wh, phase=draw(st.sampled_from(["L1", "L2", "L3"])))
    elif kind == "bad":
        value.update(value=draw(st.sampled_from(["n/a", -5])))
    else:
        value["value"] = wh
    if kind == "signed":
        value["signedMeterValue"] = {
            "signedMeterData": f"SIG{wh}",
            "signingMethod": "x",
            "encodingMethod": "y",
        }
    return value


@st.composite
def entries(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Entries as SessionKeeper stores them: mostly in order and increasing, sometimes not."""
    moment, wh = START, draw(st.integers(0, 99_000))
    log = []
    for _ in range(draw(st.integers(0, 14))):
        meter_values = []
        for _ in range(draw(st.integers(1, 2))):
            moment += timedelta(seconds=draw(st.sampled_from([-60, 0, 30, 60, 60, 60, 900])))
            wh += draw(st.sampled_from([0, 100, 250, 250, 4000, 90_000, -500, -50_000]))
            wh = max(wh, 0)
            values = [draw(sampled_value(wh)) for _ in range(draw(st.integers(1, 2)))]
            meter_values.append({"timestamp": _iso(moment), "sampledValue": values})
        entry: dict[str, Any] = {"meterValue": meter_values}
        if draw(st.booleans()) and draw(st.booleans()):
            entry["offline"] = True
        log.append(entry)
    return log


def record_for(v16: bool, meter_start: int) -> dict[str, Any]:
    if v16:
        return {
            "transactionId": "1001",
            "status": "Active",
            "startTime": _iso(START),
            "meterStart": meter_start,
            "idTag": "T",
        }
    return {
        "transactionId": "tx-1",
        "status": "Active",
        "startTime": _iso(START),
        "idToken": {"idToken": "T", "type": "ISO14443"},
        "events": [
            {"eventType": "Started", "seqNo": 0, "triggerReason": "Authorized", "timestamp": _iso(START)}
        ],
    }


def check(
    log: list[dict[str, Any]], record: dict[str, Any], tariffs: tuple[Tariff, ...], power: Decimal | None
) -> int:
    """Advance through ``log``, comparing with the full recount after each entry; the entries kept."""
    state: RunningEnergy | None = start_running(explicit_start(record), power)
    kept = 0
    for index, entry in enumerate(log):
        state = None if state is None else advance(state, entry)
        if state is None:
            continue
        kept += 1
        state = running_from_json(fast_json.loads(fast_json.dumps(running_json(state))))
        inputs = SessionInputs("CP-1", record, log[: index + 1], tariffs, max_power_w=power)
        running = assemble_session(
            SessionInputs("CP-1", record, (), tariffs, max_power_w=power),
            state.fold(),
            NOW,
            state.counted(bool(tariffs)),
        )
        assert running == build_session(inputs, NOW)
    return kept


@settings(max_examples=300, deadline=None)
@given(
    log=entries(),
    v16=st.booleans(),
    meter_start=st.integers(0, 99_000),
    tariff=st.sampled_from([None, "energy", "time"]),
    power=st.sampled_from([None, Decimal(22_000)]),
)
def test_the_running_count_equals_the_full_recount(
    log: list[dict[str, Any]], v16: bool, meter_start: int, tariff: str | None, power: Decimal | None
) -> None:
    tariffs = {None: (), "energy": (parse_tariff(energy_tariff(0.3)),), "time": (parse_tariff(TIME_TARIFF),)}[
        tariff
    ]
    check(log, record_for(v16, meter_start), tariffs, power)


def test_an_ordinary_session_is_counted_without_a_recount() -> None:
    """A session as stations send it (Begin, then periodic samples) never needs the full log."""
    log = [
        {
            "meterValue": [
                {
                    "timestamp": _iso(START + timedelta(minutes=minute)),
                    "sampledValue": [
                        {
                            "value": 1000 + 250 * minute,
                            "context": "Transaction.Begin" if minute == 0 else "Sample.Periodic",
                        }
                    ],
                }
            ]
        }
        for minute in range(40)
    ]
    assert check(log, record_for(False, 0), (parse_tariff(TIME_TARIFF),), Decimal(22_000)) == 40


def test_a_late_reading_asks_for_the_full_recount() -> None:
    first = {
        "meterValue": [{"timestamp": _iso(START + timedelta(minutes=5)), "sampledValue": [{"value": 10}]}]
    }
    late = {"meterValue": [{"timestamp": _iso(START + timedelta(minutes=1)), "sampledValue": [{"value": 5}]}]}
    state = advance(start_running(None, None), first)
    assert state is not None
    assert advance(state, late) is None
