"""Table: recorded station message sequences -> energy and cost, each computed by hand (in the case).

Every case replays real 1.6 or 2.0.1 payloads through the handlers and the shadow's record merge,
then builds the session. Expected values are written out, with the arithmetic beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from csms_common.billing.session import AWAITING, COMPLETED
from csms_common.billing.tariffs import parse_tariff
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from tests.unit.csms_common.billing.messages import (
    Message,
    ended,
    energy_tariff,
    event201,
    meter16,
    register16,
    start16,
    started,
    stop16,
)
from tests.unit.csms_common.billing.recorded import replay

V16, V201 = OcppVersion.V16, OcppVersion.V201
DAY = "2025-01-14T"  # a Tuesday


def at(clock: str) -> str:
    return f"{DAY}{clock}Z"


@dataclass(frozen=True)
class Case:
    name: str
    version: OcppVersion
    messages: list[Message]
    tariffs: list[dict[str, Any]]
    energy_wh: float
    excl_vat: float
    incl_vat: float
    notes: tuple[str, ...] = ()
    """Substrings, one per expected note; with no notes expected, the session must have none."""
    status: str = COMPLETED
    flagged: bool = False
    lines: list[tuple[str, str, float, float]] = field(default_factory=list)
    """(tariffId, type, billedVolume, exclVat) of each line, when the case is about the lines."""
    currency: str = "EUR"


ENERGY_030 = energy_tariff(0.30)
BERLIN = "Europe/Berlin"
MIDNIGHT_BERLIN = "2025-01-15T00:00:00+01:00"

CASES = [
    Case(
        # A lifetime register of 1,234 kWh: only the session's 11 kWh are billed.
        # 11 kWh x 0.30 = 3.30; VAT 20 % = 0.66; 3.96.
        "plain-1.6",
        V16,
        [
            start16(at("10:00:00"), 1234000),
            meter16(at("10:30:00"), register16("1240000")),
            stop16(at("11:00:00"), 1245000),
        ],
        [ENERGY_030],
        11000,
        3.30,
        3.96,
    ),
    Case(
        # Begin 5000, End 10000: 5 kWh x 0.30 = 1.50; VAT 0.30; 1.80.
        "plain-2.0.1",
        V201,
        [
            started(at("10:00:00"), 5000),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 7500),
            ended(2, at("11:00:00"), 10000),
        ],
        [ENERGY_030],
        5000,
        1.50,
        1.80,
    ),
    Case(
        # 50000 -> 52000 (+2000), reset -> 300 (+300 from zero), -> 2300 (+2000) = 4300 Wh.
        # 4.3 x 0.30 = 1.29; VAT 0.258 -> 0.26; 1.55.
        "meter-reset-1.6",
        V16,
        [
            start16(at("10:00:00"), 50000),
            meter16(at("10:20:00"), register16("52000")),
            meter16(at("10:40:00"), register16("300")),
            stop16(at("11:00:00"), 2300),
        ],
        [ENERGY_030],
        4300,
        1.29,
        1.55,
        notes=("meter reset",),
    ),
    Case(
        # 999000 -> 999900 (+900), rolls over at 10^6 -> 400 (+100 +400), -> 1400 (+1000) = 2400 Wh.
        # 2.4 x 0.30 = 0.72; VAT 0.144 -> 0.14; 0.86.
        "rollover-2.0.1",
        V201,
        [
            started(at("10:00:00"), 999000),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 999900),
            event201(2, "Updated", at("10:45:00"), "MeterValuePeriodic", 400),
            ended(3, at("11:00:00"), 1400),
        ],
        [ENERGY_030],
        2400,
        0.72,
        0.86,
        notes=("rollover at 1000000 Wh",),
    ),
    Case(
        # seqNo 2 arrives before seqNo 1; ordered by time: 0 -> 4000 -> 8000 -> 12000 = 12 kWh.
        # 12 x 0.30 = 3.60; VAT 0.72; 4.32.
        "out-of-order-2.0.1",
        V201,
        [
            started(at("10:00:00"), 0),
            event201(2, "Updated", at("10:40:00"), "MeterValuePeriodic", 8000),
            event201(1, "Updated", at("10:20:00"), "MeterValuePeriodic", 4000),
            ended(3, at("11:00:00"), 12000),
        ],
        [ENERGY_030],
        12000,
        3.60,
        4.32,
        notes=("1 reading(s) arrived out of order",),
    ),
    Case(
        # A clock-aligned and a periodic sample at 10:30 with the same value, and the periodic one
        # delivered twice: one reading. 0 -> 5000 -> 9000 = 9 kWh; 2.70; VAT 0.54; 3.24.
        "duplicates-1.6",
        V16,
        [
            start16(at("10:00:00"), 0),
            meter16(at("10:30:00"), register16("5000", context="Sample.Clock")),
            meter16(at("10:30:00"), register16("5000", context="Sample.Periodic")),
            meter16(at("10:30:00"), register16("5000", context="Sample.Periodic")),
            stop16(at("11:00:00"), 9000),
        ],
        [ENERGY_030],
        9000,
        2.70,
        3.24,
        notes=("2 duplicate reading(s) ignored",),
    ),
    Case(
        # The same seqNo twice (a retry after a lost answer): the seqNo log keeps it once.
        # 0 -> 3000 -> 6000: 6 kWh; 1.80; VAT 0.36; 2.16.
        "duplicate-event-2.0.1",
        V201,
        [
            started(at("10:00:00"), 0),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 3000),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 3000),
            ended(2, at("11:00:00"), 6000),
        ],
        [ENERGY_030],
        6000,
        1.80,
        2.16,
    ),
    Case(
        # Queued offline; after reconnecting the station sends Ended before the Updated it queued.
        # 1000 -> 3000 -> 6000: 5 kWh; 1.50; VAT 0.30; 1.80.
        "offline-delivered-2.0.1",
        V201,
        [
            started(at("10:00:00"), 1000),
            ended(2, at("11:00:00"), 6000, offline=True),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 3000, offline=True),
        ],
        [ENERGY_030],
        5000,
        1.50,
        1.80,
        notes=("2 event(s) delivered late", "arrived out of order"),
    ),
    Case(
        # seqNo 1 is still queued at the station (E14): cost shown, session not final, no CDR.
        "offline-gap-2.0.1",
        V201,
        [started(at("10:00:00"), 1000), ended(2, at("11:00:00"), 6000, offline=True)],
        [ENERGY_030],
        5000,
        1.50,
        1.80,
        notes=("1 event(s) delivered late", "seqNo 1 not received yet"),
        status=AWAITING,
    ),
    Case(
        # Ended without a Transaction.End reading: counted up to the last one (6500).
        # 2000 -> 6500: 4.5 kWh x 0.30 = 1.35; VAT 0.27; 1.62.
        "missing-meter-stop-2.0.1",
        V201,
        [
            started(at("10:00:00"), 2000),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 4000),
            event201(2, "Updated", at("10:50:00"), "MeterValuePeriodic", 6500),
            ended(3, at("11:00:00"), None),
        ],
        [ENERGY_030],
        4500,
        1.35,
        1.62,
        notes=("no stop reading",),
    ),
    Case(
        # 23:30-01:30 Berlin time; the tariff changes at local midnight (22:00 -> 23:00 UTC).
        # 22:30-23:30Z holds 6000 Wh: 3000 before 23:00Z at 0.30 = 0.90 (VAT 0.18), and
        # 3000 + 6000 after it at 0.40 = 3.60 (VAT 0.72). 4.50; 5.40.
        "tariff-change-at-midnight-1.6",
        V16,
        [
            start16("2025-01-14T22:30:00Z", 0),
            meter16("2025-01-14T23:30:00Z", register16("6000")),
            stop16("2025-01-15T00:30:00Z", 12000),
        ],
        [
            energy_tariff(0.30, id="until-0115", time_zone=BERLIN, end_date_time=MIDNIGHT_BERLIN),
            energy_tariff(0.40, id="from-0115", time_zone=BERLIN, start_date_time=MIDNIGHT_BERLIN),
        ],
        12000,
        4.50,
        5.40,
        lines=[("until-0115", "ENERGY", 3, 0.90), ("from-0115", "ENERGY", 9, 3.60)],
    ),
    Case(
        # One tariff, cheaper 00:00-06:00 Berlin time. 22:30-23:30Z (23:30-00:30 local), 4000 Wh
        # spread evenly: 2000 at 0.35 = 0.70 (VAT 0.14), 2000 at 0.20 = 0.40 (VAT 0.08). 1.10; 1.32.
        "night-rate-from-local-midnight-1.6",
        V16,
        [start16("2025-01-14T22:30:00Z", 0), stop16("2025-01-14T23:30:00Z", 4000)],
        [
            {
                "id": "night",
                "currency": "EUR",
                "time_zone": BERLIN,
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": 0.20, "vat": 20}],
                        "restrictions": {"start_time": "00:00", "end_time": "06:00"},
                    },
                    {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 20}]},
                ],
            }
        ],
        4000,
        1.10,
        1.32,
        lines=[("night", "ENERGY", 2, 0.40), ("night", "ENERGY", 2, 0.70)],
    ),
    Case(
        # 8 kWh in the first half hour, then parked 10:30-11:00:30 (1830 s, rounded up to whole
        # minutes: 1860 s). Energy 8 x 0.30 = 2.40 (VAT 0.48); parking 1860/3600 h x 6.00 = 3.10
        # (VAT 0.62). 5.50; 6.60.
        "parking-time-2.0.1",
        V201,
        [
            started(at("10:00:00"), 0, charging_state="Charging"),
            event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 8000),
            event201(
                2, "Updated", at("10:45:00"), "ChargingStateChanged", 8000, charging_state="SuspendedEV"
            ),
            ended(3, at("11:00:30"), 8000),
        ],
        [
            {
                "id": "park",
                "currency": "EUR",
                "elements": [
                    {
                        "price_components": [
                            {"type": "ENERGY", "price": 0.30, "vat": 20},
                            {"type": "PARKING_TIME", "price": 6.00, "vat": 20, "step_size": 60},
                        ]
                    }
                ],
            }
        ],
        8000,
        5.50,
        6.60,
        lines=[("park", "ENERGY", 8, 2.40), ("park", "PARKING_TIME", 0.516667, 3.10)],
    ),
    Case(
        # 7210 Wh in 21 minutes. ENERGY step 500 Wh: 7500 Wh x 0.25 = 1.875 -> 1.88 (half up).
        # TIME step 300 s: 1260 s -> 1500 s = 5/12 h x 2.40 = 1.00. No VAT. 2.88.
        "step-size-rounding-1.6",
        V16,
        [start16(at("10:00:00"), 0), stop16(at("10:21:00"), 7210)],
        [
            {
                "id": "steps",
                "currency": "EUR",
                "elements": [
                    {
                        "price_components": [
                            {"type": "ENERGY", "price": 0.25, "vat": 0, "step_size": 500},
                            {"type": "TIME", "price": 2.40, "vat": 0, "step_size": 300},
                        ]
                    }
                ],
            }
        ],
        7210,
        2.88,
        2.88,
        lines=[("steps", "ENERGY", 7.5, 1.88), ("steps", "TIME", 0.416667, 1.00)],
    ),
    Case(
        # Flat fee + energy: 1.50 + 5 kWh x 0.30 = 1.50 + 1.50 = 3.00; VAT 0.30 + 0.30; 3.60.
        "flat-fee-1.6",
        V16,
        [start16(at("10:00:00"), 100), stop16(at("11:00:00"), 5100)],
        [
            {
                "id": "flat",
                "currency": "EUR",
                "elements": [
                    {
                        "price_components": [
                            {"type": "FLAT", "price": 1.50, "vat": 20},
                            {"type": "ENERGY", "price": 0.30, "vat": 20},
                        ]
                    }
                ],
            }
        ],
        5000,
        3.00,
        3.60,
    ),
    Case(
        # Yen have no minor unit: 7.777 kWh x 35 = 272.195 -> 272; VAT 10 % = 27.2 -> 27; 299.
        "yen-1.6",
        V16,
        [start16(at("10:00:00"), 0), stop16(at("11:00:00"), 7777)],
        [energy_tariff(35, vat=10, currency="JPY", id="yen")],
        7777,
        272,
        299,
        currency="JPY",
    ),
    Case(
        # "abc" is skipped; 999,999,999 Wh in 20 minutes is more than 22 kW allows: skipped.
        # 0 -> 5000 -> 10000: 10 kWh; 3.00; VAT 0.60; 3.60. Flagged for a look.
        "bad-samples-1.6",
        V16,
        [
            start16(at("10:00:00"), 0),
            meter16(at("10:10:00"), register16("abc")),
            meter16(at("10:20:00"), register16("999999999")),
            meter16(at("10:30:00"), register16("5000")),
            stop16(at("11:00:00"), 10000),
        ],
        [ENERGY_030],
        10000,
        3.00,
        3.60,
        notes=("non-numeric reading 'abc'", "implausible jump"),
        flagged=True,
    ),
    Case(
        # Started on cable plug-in, authorized a minute later: energy counts from the start.
        # 100 -> 3100: 3 kWh; 0.90; VAT 0.18; 1.08.
        "started-before-authorization-2.0.1",
        V201,
        [
            event201(
                0, "Started", at("10:00:00"), "CablePluggedIn", 100, "Transaction.Begin", id_token=False
            ),
            event201(1, "Updated", at("10:01:00"), "Authorized"),
            ended(2, at("10:31:00"), 3100),
        ],
        [ENERGY_030],
        3000,
        0.90,
        1.08,
        notes=("started before authorization",),
    ),
    Case(
        # 2000 Wh -> "3.5" kWh (3500) -> phases L1+L2+L3 1500 each (4500) -> 6000: 4 kWh.
        # 1.20; VAT 0.24; 1.44.
        "units-and-phases-1.6",
        V16,
        [
            start16(at("10:00:00"), 2000),
            meter16(at("10:30:00"), register16("3.5", unit="kWh")),
            meter16(
                at("10:45:00"),
                register16("1500", phase="L1"),
                register16("1500", phase="L2"),
                register16("1500", phase="L3"),
            ),
            stop16(at("11:00:00"), 6000),
        ],
        [ENERGY_030],
        4000,
        1.20,
        1.44,
        notes=("summed over phases L1, L2, L3",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_recorded_sequence_gives_the_hand_computed_energy_and_cost(
    case: Case, schemas: SchemaRegistry
) -> None:
    tariffs = tuple(parse_tariff(tariff) for tariff in case.tariffs)
    session = replay(schemas, case.version, case.messages).session(tariffs)

    print(
        f"{case.name}: {session['energyWh']} Wh, {session['cost']['totalCost']}, notes {session['energyNotes']}"
    )
    assert session["energyWh"] == case.energy_wh
    assert session["cost"]["currency"] == case.currency
    assert session["cost"]["totalCost"] == {"excl_vat": case.excl_vat, "incl_vat": case.incl_vat}
    assert session["status"] == case.status
    assert session["flagged"] is case.flagged
    assert len(session["energyNotes"]) >= len(case.notes)
    if not case.notes:
        assert session["energyNotes"] == []
    for expected in case.notes:
        assert any(expected in note for note in session["energyNotes"]), expected
    if case.lines:
        shown = sorted(
            (line["tariffId"], line["type"], line["billedVolume"], line["exclVat"])
            for line in session["cost"]["lines"]
        )
        assert shown == sorted(case.lines)
    assert ("cdr" in session) is (case.status == COMPLETED)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_lines_add_up_to_the_total(case: Case, schemas: SchemaRegistry) -> None:
    tariffs = tuple(parse_tariff(tariff) for tariff in case.tariffs)
    cost = replay(schemas, case.version, case.messages).session(tariffs)["cost"]

    excl = sum(Decimal(str(line["exclVat"])) for line in cost["lines"])
    incl = sum(Decimal(str(line["inclVat"])) for line in cost["lines"])
    assert excl == Decimal(str(cost["totalCost"]["excl_vat"]))
    assert incl == Decimal(str(cost["totalCost"]["incl_vat"]))


def test_a_session_without_a_tariff_has_energy_and_no_cost(schemas: SchemaRegistry) -> None:
    session = replay(schemas, V16, CASES[0].messages).session()

    assert session["energyWh"] == 11000
    assert session["cost"] is None
    assert session["meterStartWh"] == 1234000
    assert session["meterStopWh"] == 1245000
    assert session["idToken"] == "TAG-1"
    assert [sample["wh"] for sample in session["samples"]] == [1240000]


def test_charging_and_idle_time_come_from_the_readings(schemas: SchemaRegistry) -> None:
    parking = next(case for case in CASES if case.name == "parking-time-2.0.1")
    session = replay(schemas, V201, parking.messages).session()

    assert session["durationSeconds"] == 3630
    assert session["chargingSeconds"] == 1800
    assert session["idleSeconds"] == 1830


def test_an_active_session_is_priced_up_to_its_newest_reading(schemas: SchemaRegistry) -> None:
    messages = [
        started(at("10:00:00"), 0),
        event201(1, "Updated", at("10:30:00"), "MeterValuePeriodic", 7000),
    ]
    session = replay(schemas, V201, messages).session((parse_tariff(ENERGY_030),))

    assert session["status"] == "active"
    assert session["energyWh"] == 7000
    assert session["cost"]["totalCost"] == {"excl_vat": 2.10, "incl_vat": 2.52}
    assert "cdr" not in session


def test_the_sample_log_is_capped_and_the_thinning_noted(schemas: SchemaRegistry) -> None:
    # 40 periodic readings of +100 Wh each; with a cap of 8 the telescoping sum is unchanged.
    messages: list[Message] = [start16(at("10:00:00"), 0)]
    messages += [meter16(at(f"10:{minute:02d}:00"), register16(str(minute * 100))) for minute in range(1, 41)]
    messages.append(stop16(at("10:41:00"), 4100))
    replayed = replay(schemas, V16, messages, cap=8)
    session = replayed.session((parse_tariff(ENERGY_030),))

    print(
        f"stored sample messages: {len(replayed.samples['1001'])} of 41, thinned {replayed.thinned['1001']}"
    )
    assert len(replayed.samples["1001"]) <= 8
    assert session["energyWh"] == 4100
    assert any("thinned out beyond the cap" in note for note in session["energyNotes"])


def test_signed_meter_values_are_kept_verbatim_for_audits(schemas: SchemaRegistry) -> None:
    begin = {
        "signedMeterData": "T0NNRnxiZWdpbg==",
        "signingMethod": "",
        "encodingMethod": "OCMF",
        "publicKey": "cGs=",
    }
    end = {
        "signedMeterData": "T0NNRnxlbmQ=",
        "signingMethod": "",
        "encodingMethod": "OCMF",
        "publicKey": "cGs=",
    }
    messages = [started(at("10:00:00"), 0, signed=begin), ended(1, at("11:00:00"), 2000, signed=end)]
    session = replay(schemas, V201, messages).session((parse_tariff(ENERGY_030),))

    assert [value["signedMeterValue"] for value in session["signedMeterValues"]] == [begin, end]
    signed = session["cdr"]["signed_data"]
    assert signed["encoding_method"] == "OCMF"
    assert [(v["nature"], v["signed_data"]) for v in signed["signed_values"]] == [
        ("Start", "T0NNRnxiZWdpbg=="),
        ("End", "T0NNRnxlbmQ="),
    ]


def test_the_cdr_has_the_ocpi_shape_and_totals(schemas: SchemaRegistry) -> None:
    parking = next(case for case in CASES if case.name == "parking-time-2.0.1")
    tariffs = tuple(parse_tariff(tariff) for tariff in parking.tariffs)
    cdr = replay(schemas, V201, parking.messages).session(tariffs)["cdr"]

    assert cdr["id"] == "CP-BILL:tx-bill-1"
    assert cdr["start_date_time"] == "2025-01-14T10:00:00Z"
    assert cdr["end_date_time"] == "2025-01-14T11:00:30Z"
    assert cdr["cdr_token"]["uid"] == "TAG-1" and cdr["cdr_token"]["type"] == "RFID"
    assert cdr["currency"] == "EUR"
    assert cdr["total_energy"] == 8
    assert cdr["total_energy_cost"] == {"excl_vat": 2.40, "incl_vat": 2.88}
    assert cdr["total_parking_cost"] == {"excl_vat": 3.10, "incl_vat": 3.72}
    assert cdr["total_parking_time"] == 0.5083  # 1830 s, unrounded by step size
    assert cdr["total_cost"] == {"excl_vat": 5.50, "incl_vat": 6.60}
    assert [p["dimensions"][0]["type"] for p in cdr["charging_periods"]] == ["ENERGY", "PARKING_TIME"]
    assert cdr["charging_periods"][1]["start_date_time"] == "2025-01-14T10:30:00Z"
    assert cdr["tariffs"][0]["id"] == "park"
