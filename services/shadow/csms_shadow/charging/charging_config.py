"""Smart-charging settings of the shadow service (part of :class:`csms_shadow.config.ShadowSettings`)."""

from __future__ import annotations

from dataclasses import dataclass

from csms_common.config import Environment


@dataclass(frozen=True)
class ChargingSettings:
    recompute_seconds: float = 5.0
    """Re-allocate at least this often (schedules, external limits expiring, other replicas' changes);
    transactions, presence and site changes seen by this replica re-allocate at once."""
    debounce_seconds: float = 0.1
    """Changes closer together than this make one re-allocation."""
    hysteresis_amps: float = 1.0
    """An increase smaller than this is not sent (decreases always are)."""
    min_amps: float = 6.0
    """Below this a transaction is paused (0 A) rather than given less."""
    station_max_amps: float = 32.0
    """What a station may draw per phase unless told: a station that rejects our profile is counted at it."""
    failsafe_amps: float = 6.0
    """The TxDefaultProfile set when a station in a site connects, and what an offline station's unknown
    new transaction is counted at."""

    spare_settling_seconds: float = 60.0
    """An EV drawing clearly less than its share for this long (meter time) is capped at its draw + 1 A."""

    verify: bool = True
    """Ask each station for its composite schedule once its share has held (into ``chargingSchedule``).
    On a 100-station site it costs ~0.15 s of re-allocation p99 (0.38 -> 0.53 s, docs/smart-charging.md)."""
    verify_after_seconds: float = 3.0
    """How long a share holds before it is verified (verification must not delay re-allocations)."""

    @classmethod
    def from_environment(cls, env: Environment) -> ChargingSettings:
        return cls(
            recompute_seconds=env.number(
                "CHARGING_RECOMPUTE_INTERVAL", 5.0, minimum=0.1, about="re-allocate at least this often (s)"
            ),
            debounce_seconds=env.number(
                "CHARGING_DEBOUNCE",
                0.1,
                minimum=0.0,
                about="changes closer than this make one re-allocation (s)",
            ),
            hysteresis_amps=env.number(
                "CHARGING_HYSTERESIS_AMPS",
                1.0,
                minimum=0.0,
                about="a share that rises less than this is not re-sent (A)",
            ),
            min_amps=env.number(
                "CHARGING_MIN_AMPS", 6.0, minimum=0.0, about="below this share a transaction is paused (A)"
            ),
            station_max_amps=env.number(
                "CHARGING_STATION_MAX_AMPS",
                32.0,
                minimum=1.0,
                about="a station's physical maximum per phase (A)",
            ),
            failsafe_amps=env.number(
                "CHARGING_FAILSAFE_AMPS",
                6.0,
                minimum=0.0,
                about="TxDefaultProfile a station falls back to offline (A)",
            ),
            spare_settling_seconds=env.number(
                "CHARGING_SPARE_SETTLING",
                60.0,
                minimum=0.0,
                about="an EV drawing less this long is capped at its draw (s)",
            ),
            verify=env.boolean(
                "CHARGING_VERIFY", True, about="ask GetCompositeSchedule after a share has held"
            ),
            verify_after_seconds=env.number(
                "CHARGING_VERIFY_AFTER", 3.0, minimum=0.0, about="seconds a share holds before it is verified"
            ),
        )
