"""What the allocator can and cannot steer: offline at max(last share, failsafe), rejected at the maximum."""

from __future__ import annotations

from csms_shadow.charging.allocator import Enforced, OpenTransaction, demands_for
from csms_shadow.charging.charging_config import ChargingSettings

SETTINGS = ChargingSettings(station_max_amps=32.0, failsafe_amps=6.0, min_amps=6.0)


def tx(station: str, connected: bool = True) -> OpenTransaction:
    return OpenTransaction(station, "1", 1, "depot", 0.0, connected, "ocpp2.0.1")


def test_fixed_demands() -> None:
    online, offline, offline_new, rejected = tx("on"), tx("off", False), tx("new", False), tx("rej")
    enforced = {
        offline.key: Enforced("off", "1", 1, 10.0, "m1", "accepted"),
        offline_new.key: Enforced("new", "1", 1, 0.0, "m2", "accepted"),
        rejected.key: Enforced("rej", "1", 1, 8.0, "m3", "rejected"),
    }
    demands = {d.key: d for d in demands_for([online, offline, offline_new, rejected], enforced, SETTINGS)}
    assert demands[online.key].fixed_amps is None
    assert demands[offline.key].fixed_amps == 10.0
    assert demands[offline_new.key].fixed_amps == 6.0, "a paused station offline may start at the failsafe"
    assert demands[rejected.key].fixed_amps == 32.0
    assert online.key != tx("on:1").key and '"' not in online.station_id
    prioritised = OpenTransaction("vip", "1", 1, "depot", 0.0, True, "ocpp2.0.1", priority=3)
    assert demands_for([prioritised], {}, SETTINGS)[0].priority == 3


def test_token_of_a_record() -> None:
    from csms_shadow.charging.allocator import token_of

    assert token_of({"idToken": {"idToken": "A1", "type": "ISO14443"}}) == "A1"
    assert token_of({"idTag": "T16"}) == "T16"
    assert token_of({"idToken": "not-an-object"}) is None


def test_meter_currents_and_the_spare_cap() -> None:
    from csms_common.smart_charging.spare import SpareSettings
    from csms_shadow.charging.allocator import drawn_amps, observed

    meter = {
        "timestamp": "2026-01-01T00:00:00Z",
        "sampledValue": [
            {"value": "1000", "measurand": "Energy.Active.Import.Register"},
            {"value": "8.5", "measurand": "Current.Import", "phase": "L1"},
            {"value": 9.0, "measurand": "Current.Import", "phase": "L2"},
            {"value": "x", "measurand": "Current.Import", "phase": "L3"},
        ],
    }
    assert drawn_amps(meter) == (9.0, "2026-01-01T00:00:00Z")
    assert drawn_amps({"sampledValue": [{"value": "1", "measurand": "Voltage"}]}) == (None, None)
    spare = SpareSettings(settling_seconds=60)
    entry = Enforced("on", "1", 1, 16.0, "m", "accepted")
    first = observed(entry, _metered("2026-01-01T00:00:00Z", 9.0), spare)
    assert (first.below_since, first.draw_cap) == (1767225600.0, None)
    assert observed(first, _metered("2026-01-01T00:00:00Z", 9.0), spare) == first, "the same sample once"
    settled = observed(first, _metered("2026-01-01T00:01:00Z", 9.0), spare)
    assert settled.draw_cap == 10.0
    demand = demands_for([_metered("2026-01-01T00:01:00Z", 9.0)], {tx("on").key: settled}, SETTINGS)[0]
    assert demand.cap_amps == 10.0


def _metered(at: str, amps: float) -> OpenTransaction:
    return OpenTransaction("on", "1", 1, "depot", 0.0, True, "ocpp2.0.1", drawn_amps=amps, meter_at=at)


def test_caps_from_ev_needs_and_station_limits() -> None:
    from csms_shadow.charging.allocator import external_cap, needs_cap

    started = 1767225600.0  # 2026-01-01T00:00:00Z
    ac = {"evMaxCurrent": 10, "receivedAt": "2026-01-01T00:00:05Z"}
    assert needs_cap(ac, started) == (10.0, "2026-01-01T00:00:05Z")
    assert needs_cap({**ac, "receivedAt": "2025-12-31T23:00:00Z"}, started) == (None, None), "an earlier EV's"
    dc = {"evMaxPower": 6900, "receivedAt": "2026-01-01T00:00:05Z"}
    assert needs_cap(dc, started) == (10.0, "2026-01-01T00:00:05Z"), "6900 W over 3 x 230 V"
    assert needs_cap({"receivedAt": "2026-01-01T00:00:05Z"}, started) == (None, "2026-01-01T00:00:05Z")
    assert needs_cap("garbage", started) == (None, None)
    assert external_cap({"limitAmps": 12.5, "evseId": 1}, 1) == 12.5
    assert external_cap({"limitAmps": 12.5, "evseId": 2}, 1) is None, "another EVSE's"
    assert external_cap({"limitAmps": 12.5}, 1) == 12.5, "the whole station's"
    assert external_cap({"limitAmps": None}, 1) is None
    assert external_cap(None, 1) is None


def test_needs_demand_reads_the_stored_needs() -> None:
    from datetime import UTC, datetime

    from csms_shadow.charging.allocator import needs_demand

    started = 1767225600.0  # 2026-01-01T00:00:00Z
    now = datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    needs = {
        "evMaxCurrent": 32,
        "evMinCurrent": 8,
        "energyAmount": 13800,
        "departureTime": "2026-01-01T02:00:05Z",
        "receivedAt": "2026-01-01T00:00:05Z",
    }
    demand, needs_at = needs_demand(needs, started, now, 3, 6.0)
    assert (round(demand.cap_amps or 0, 6), demand.min_amps, needs_at) == (10.0, 8.0, "2026-01-01T00:00:05Z")
    assert needs_demand({**needs, "departureTime": "soon"}, started, now, 3, 6.0)[0].cap_amps == 32.0
    assert (
        needs_demand({**needs, "receivedAt": "2025-12-31T23:00:00Z"}, started, now, 3, 6.0)[0].min_amps == 6.0
    )
    online = OpenTransaction("on", "1", 1, "depot", 0.0, True, "ocpp2.0.1", min_amps=8.0)
    assert demands_for([online], {}, SETTINGS)[0].min_amps == 8.0
    assert demands_for([tx("plain")], {}, SETTINGS)[0].min_amps == 6.0


def test_phases_of_a_transaction() -> None:
    from csms_shadow.charging.allocator import transaction_phases

    started = 1767225600.0  # 2026-01-01T00:00:00Z
    one_phase = {"sampledValue": [{"value": v, "measurand": "Current.Import", "phase": p} for p, v in
                                  (("L1", 16), ("L2", 0), ("L3", 0))]}  # fmt: skip
    assert transaction_phases(None, None, started, None) == (0, 1, 2)
    assert transaction_phases({"phaseRotation": "STR", "phases": 1}, None, started, None) == (1,)
    assert transaction_phases({"phaseRotation": "TRS"}, None, started, one_phase) == (2,)
    assert transaction_phases({}, None, started, one_phase) == (0, 1, 2), "rotation unknown: every phase"
    needs = {"requestedEnergyTransfer": "AC_single_phase", "receivedAt": "2026-01-01T00:00:05Z"}
    assert transaction_phases({"phaseRotation": "SRT"}, needs, started, None) == (1,)
    earlier = {**needs, "receivedAt": "2025-12-31T23:00:00Z"}
    assert transaction_phases({"phaseRotation": "SRT"}, earlier, started, None) == (0, 1, 2), "another EV's"
    assert transaction_phases("garbage", "garbage", started, "garbage") == (0, 1, 2)
    demand = demands_for([OpenTransaction("on", "1", 1, "depot", 0.0, True, "x", phases=(2,))], {}, SETTINGS)
    assert demand[0].phases == (2,)


def test_the_station_reported_rotation_when_the_operator_set_none() -> None:
    from csms_shadow.charging.allocator import evse_wiring, transaction_phases

    assert evse_wiring(None, "STR") == {"phaseRotation": "STR"}
    assert evse_wiring({"phases": 1}, "STR") == {"phases": 1, "phaseRotation": "STR"}
    assert evse_wiring({"phaseRotation": "TRS"}, "STR") == {"phaseRotation": "TRS"}, "the operator's wins"
    assert evse_wiring({"phases": 1}, None) == {"phases": 1}
    # A single-phase EVSE the station says is wired STR draws on the site's L2 only.
    assert transaction_phases(evse_wiring({"phases": 1}, "STR"), None, 0.0, None) == (1,)


def test_evse_wiring_in_a_membership() -> None:
    import pytest

    from csms_shadow.charging.site_requests import apply_evse_changes, evse_changes

    wanted: dict[str, object] = {"site": "depot", "evses": {"2": "hall"}, "wiring": {}}
    apply_evse_changes(wanted, evse_changes({"1": {"phaseRotation": "STR", "phases": 1}}))
    assert wanted == {
        "site": "depot",
        "evses": {"2": "hall"},
        "wiring": {"1": {"phaseRotation": "STR", "phases": 1}},
    }
    apply_evse_changes(
        wanted, evse_changes({"1": {"phases": None}, "2": {"site": None, "phaseRotation": "TRS"}})
    )
    assert wanted == {
        "site": "depot",
        "evses": {},
        "wiring": {"1": {"phaseRotation": "STR"}, "2": {"phaseRotation": "TRS"}},
    }
    apply_evse_changes(wanted, evse_changes({"1": {"phaseRotation": "Unknown"}}))
    assert wanted["wiring"] == {"2": {"phaseRotation": "TRS"}}
    for bad, reason in (
        ({"1": {"phaseRotation": "XYZ"}}, "phaseRotation"),
        ({"1": {"phases": 4}}, "phases"),
        ({"1": {"phases": True}}, "phases"),
        ({"1": {}}, "must be"),
        ({"1": {"colour": "red"}}, "must be"),
        ({"0": {"phases": 1}}, "EVSE id"),
        ({"1": {"site": "bad site id"}}, "site id"),
    ):
        with pytest.raises(ValueError, match=reason):
            evse_changes(bad)


def test_the_ev_schedule_in_force_caps_the_share() -> None:
    from datetime import UTC, datetime

    from csms_shadow.charging.allocator import ev_schedule_cap

    started = 1767225600.0  # 2026-01-01T00:00:00Z
    schedule = {
        "timeBase": "2026-01-01T00:00:00Z",
        "periods": [{"start": 0, "limitAmps": 10.0}, {"start": 3600, "limitAmps": 16.0}],
        "receivedAt": "2026-01-01T00:00:05Z",
    }
    assert ev_schedule_cap(schedule, started, datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) == 10.0
    assert ev_schedule_cap(schedule, started, datetime(2026, 1, 1, 2, 0, tzinfo=UTC)) == 16.0, "last holds"
    assert ev_schedule_cap({**schedule, "timeBase": "2026-01-01T01:00:00Z"}, started, datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) is None, "not begun"  # fmt: skip
    assert ev_schedule_cap({**schedule, "receivedAt": "2025-12-31T00:00:00Z"}, started, datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) is None, "an earlier EV's"  # fmt: skip
    assert ev_schedule_cap("garbage", started, datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert ev_schedule_cap({"timeBase": "x", "receivedAt": "2026-01-01T00:00:05Z"}, started, datetime(2026, 1, 1, tzinfo=UTC)) is None  # fmt: skip
