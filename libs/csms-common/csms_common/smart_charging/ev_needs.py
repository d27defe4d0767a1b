"""What an EV's ISO 15118 charging needs (NotifyEVChargingNeeds) make of its demand, per phase (pure).

- ``evMinCurrent`` raises the transaction's minimum: below it the EV is paused (0 A), never driven
  lower, exactly as the 6 A floor (``CHARGING_MIN_AMPS``) pauses it. A minimum above the EV's own
  ``evMaxCurrent`` contradicts itself and is ignored.
- ``energyAmount`` with ``departureTime`` caps the demand at what delivers that energy by then:
  ``need = energy (Wh) / (hours from now to departure x volts x phases)``, floored at the minimum
  and capped at ``evMaxCurrent``. Counted like an EV drawing less than its share: what it does not
  need goes to the others.

Limits, on purpose: ``energyAmount`` is taken as still to deliver at every pass (the energy delivered
since is not subtracted), so the need only grows as departure nears: conservative, an EV that got at
least its need all along finishes early rather than late; one the site held below its need catches
up as far as the site lets it. Volts are the nominal 230 V per phase (``evMaxVoltage`` is the EV's
limit, not the grid's). Past the departure time, or without both fields, there is no energy cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

NOMINAL_VOLTS = 230.0


@dataclass(frozen=True)
class EvDemand:
    cap_amps: float | None
    """The per-phase ceiling: evMaxCurrent and the energy need, the lower; None = no ceiling."""
    min_amps: float
    """The per-phase minimum: below it the transaction is paused."""


def _positive(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def energy_need_amps(
    energy_wh: float, departure: datetime, now: datetime, phases: int, volts: float = NOMINAL_VOLTS
) -> float | None:
    """The per-phase current that delivers ``energy_wh`` between ``now`` and ``departure``; None once
    departure has passed."""
    hours = (departure - now).total_seconds() / 3600
    if hours <= 0 or energy_wh <= 0 or phases <= 0:
        return None
    return energy_wh / (hours * volts * phases)


def ev_demand(
    max_amps: float | None,
    ev_min_current: Any,
    energy_wh: Any,
    departure: datetime | None,
    now: datetime,
    phases: int,
    floor_amps: float,
    volts: float = NOMINAL_VOLTS,
) -> EvDemand:
    """The transaction's ceiling and minimum from the EV's needs (``max_amps``: its evMaxCurrent, or its
    evMaxPower as a current; ``floor_amps``: the site's minimum, 6 A by default)."""
    minimum = floor_amps
    ev_min = _positive(ev_min_current)
    if ev_min is not None and (max_amps is None or ev_min <= max_amps):
        minimum = max(floor_amps, ev_min)
    energy = _positive(energy_wh)
    need = None
    if energy is not None and departure is not None:
        need = energy_need_amps(energy, departure, now, phases, volts)
    if need is None:
        return EvDemand(max_amps, minimum)
    need = max(need, minimum)
    return EvDemand(need if max_amps is None else min(max_amps, need), minimum)
