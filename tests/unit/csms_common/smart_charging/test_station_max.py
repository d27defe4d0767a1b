"""A station's ChargingStationMaxProfile as a circuit under its site: its limit in force, and the tree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from csms_common.smart_charging.allocation import Demand, allocate
from csms_common.smart_charging.limits import parse_limit
from csms_common.smart_charging.profiles import parse_profile
from csms_common.smart_charging.sites import Site
from csms_common.smart_charging.station_max import limit_in_force, station_limit, with_station_circuits

NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


def max_profile(**changes: Any) -> Any:
    body: dict[str, Any] = {
        "id": 1,
        "stackLevel": 0,
        "purpose": "ChargingStationMaxProfile",
        "kind": "Absolute",
        "schedule": {
            "rateUnit": "A",
            "startSchedule": "2026-01-01T00:00:00Z",
            "periods": [{"start": 0, "limit": 10}, {"start": 13 * 3600, "limit": 20}],
        },
    }
    body.update(changes)
    return parse_profile(body)


def test_the_limit_in_force() -> None:
    assert limit_in_force(max_profile(), NOON) == 10.0
    assert limit_in_force(max_profile(), datetime(2026, 1, 1, 14, tzinfo=UTC)) == 20.0
    assert limit_in_force(max_profile(), datetime(2025, 12, 31, tzinfo=UTC)) is None, "not begun"
    assert limit_in_force(max_profile(validTo="2026-01-01T06:00:00Z"), NOON) is None
    daily = max_profile(kind="Recurring", recurrency="Daily")
    assert limit_in_force(daily, datetime(2026, 1, 5, 14, tzinfo=UTC)) == 20.0
    assert limit_in_force(daily, datetime(2026, 1, 5, 1, tzinfo=UTC)) == 10.0
    watts = max_profile(schedule={"rateUnit": "W", "startSchedule": "2026-01-01T00:00:00Z",
                                  "periods": [{"start": 0, "limit": 6900}]})  # fmt: skip
    assert limit_in_force(watts, NOON) == 10.0, "6900 W over 3 x 230 V"
    relative = max_profile(kind="Relative", schedule={"rateUnit": "A", "periods": [{"start": 0, "limit": 8}]})
    assert limit_in_force(relative, NOON) == 8.0
    tx_default = parse_profile({"id": 2, "purpose": "TxDefaultProfile", "kind": "Relative",
                                "schedule": {"rateUnit": "A", "periods": [{"start": 0, "limit": 6}]}})  # fmt: skip
    assert limit_in_force(tx_default, NOON) is None, "only max profiles"
    higher = max_profile(id=3, stackLevel=5, schedule={"rateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
                                                       "periods": [{"start": 0, "limit": 16}]})  # fmt: skip
    assert station_limit([max_profile(), higher, tx_default], NOON) == 16.0, "the highest stack level wins"
    assert station_limit([tx_default], NOON) is None


def test_the_spare_below_a_station_max_goes_to_the_others() -> None:
    sites = {"depot": Site("depot", "Depot", parse_limit({"amps": 32}))}
    limits = {"depot": (32.0, 32.0, 32.0)}
    transactions = [("a1", "A", "depot"), ("a2", "A", "depot"), ("b", "B", "depot")]
    circuits = with_station_circuits(sites, limits, transactions, {"A": 10.0})
    assert circuits.site_of == {"a1": "station\x00A", "a2": "station\x00A", "b": "depot"}
    demands = [
        Demand(key, circuits.site_of[key], 32.0, arrival=n) for n, (key, _, _) in enumerate(transactions)
    ]
    allocation = allocate(circuits.sites, circuits.limits, demands)
    assert dict(allocation.amps) == {"a1": 10.0, "a2": 0.0, "b": 22.0}, (
        "A's 10 A hold one minimum; B the rest"
    )
    assert allocation.paused == {"a2"}
    roomy = with_station_circuits(sites, limits, transactions, {"A": 16.0})
    assert dict(allocate(roomy.sites, roomy.limits, demands).amps) == {"a1": 8.0, "a2": 8.0, "b": 16.0}
    split = with_station_circuits(sites, limits, [("a1", "A", "depot"), ("a2", "A", "hall")], {"A": 10.0})
    assert split.site_of == {"a1": "depot", "a2": "hall"}, "split over sites: capped per transaction instead"
