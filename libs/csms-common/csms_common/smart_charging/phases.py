"""Which of a site's phases a transaction draws on: the EVSE's phase rotation (OCPP PhaseRotation) says
which grid phase each of its L1-L3 is wired to, and an EV charging on fewer phases uses the first ones.

Without a known rotation a single-phase EV is counted on all three phases: it could be on any of them,
and counting it on one it does not use could let another phase exceed its limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROTATIONS = ("RST", "RTS", "SRT", "STR", "TRS", "TSR")
"""OCPP's PhaseRotation: the grid phase (R = L1, S = L2, T = L3) of the EVSE's L1, L2 and L3."""
UNKNOWN_ROTATIONS = ("NotApplicable", "Unknown")
ALL_PHASES = (0, 1, 2)
TRANSFER_PHASES = {"AC_single_phase": 1, "AC_two_phase": 2, "AC_three_phase": 3, "DC": 3}
"""ISO 15118 requestedEnergyTransfer -> phases the EV draws on (DC: the station's rectifier takes three)."""
DRAWING_AMPS = 1.0
"""A phase carrying at least this much is in use."""
IDLE_AMPS = 0.5
"""A phase carrying less than this, while another carries DRAWING_AMPS, is not in use."""


def grid_phases(rotation: str | None, ev_phases: int) -> tuple[int, ...]:
    """The site phases (0 = L1) an EV on ``ev_phases`` phases of an EVSE wired as ``rotation`` draws on."""
    if ev_phases >= 3 or rotation not in ROTATIONS:
        return ALL_PHASES
    return tuple(sorted("RST".index(letter) for letter in rotation[:ev_phases]))


def metered_phases(meter_value: Any) -> int | None:
    """How many phases the newest meter value shows drawing (``Current.Import`` per phase: L1, then L2,
    then L3 in use), or None when it has no per-phase currents or nothing draws."""
    if not isinstance(meter_value, Mapping):
        return None
    currents: dict[int, float] = {}
    for sample in meter_value.get("sampledValue") or ():
        if not isinstance(sample, Mapping) or sample.get("measurand") != "Current.Import":
            continue
        phase = str(sample.get("phase") or "")[:2]
        if phase in ("L1", "L2", "L3"):
            try:
                currents[int(phase[1]) - 1] = float(sample["value"])
            except (KeyError, TypeError, ValueError):
                return None
    if len(currents) < 3 or currents[0] < DRAWING_AMPS:
        return None  # not all three phases seen, or idle: nothing to tell
    used = [amps >= IDLE_AMPS for amps in (currents[1], currents[2])]
    if not any(used):
        return 1
    return 2 if used == [True, False] else 3


def ev_phases(evse_phases: int | None, requested_transfer: Any, meter_phases: int | None) -> int:
    """The phases an EV draws on: what it asked for (ISO 15118), else what its meter shows, else the
    EVSE's own phases (three unless configured): never more than the EVSE has."""
    ceiling = evse_phases if evse_phases in (1, 2, 3) else 3
    for phases in (TRANSFER_PHASES.get(str(requested_transfer)), meter_phases):
        if phases is not None:
            return min(phases, ceiling)
    return ceiling
