"""What the allocator can and cannot steer: offline at max(last share, failsafe), rejected at the maximum."""

from __future__ import annotations

from csms_shadow.allocator import Enforced, OpenTransaction, demands_for
from csms_shadow.charging_config import ChargingSettings

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
