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


def compose(outer: str | None, inner: str | None) -> str | None:
    """The rotation of ``inner`` against the grid, when ``inner`` is given against a parent wired as
    ``outer`` (the station against the grid); an unknown parent leaves ``inner`` as it is."""
    if inner not in ROTATIONS:
        return None
    if outer not in ROTATIONS:
        return inner
    return "".join(outer["RST".index(letter)] for letter in inner)


def reported_rotations(configuration: Any) -> dict[str, str]:
    """Each EVSE's phase rotation against the grid from the station's own reported configuration:
    1.6 ``ConnectorPhaseRotation`` (``"0.RST, 1.RST, 2.RTS"``: connector 0 is the station's meter
    against the grid, each connector against it) and 2.x ``EVSE/<id>.PhaseRotation`` (against the
    station) with ``ChargingStation.PhaseRotation`` (the station against the grid). Unknown or
    ``NotApplicable`` rotations, and malformed entries, are left out."""
    if not isinstance(configuration, Mapping):
        return {}
    found: dict[str, str] = {}
    station: str | None = None
    legacy = configuration.get("ConnectorPhaseRotation")
    if isinstance(legacy, str):
        for entry in legacy.split(","):
            connector, _, rotation = entry.strip().partition(".")
            if not connector.isdigit() or rotation not in ROTATIONS:
                continue
            if int(connector) == 0:
                station = rotation
            else:
                found[str(int(connector))] = rotation
    for key, value in configuration.items():
        path, _, variable = str(key).partition(".")
        if variable != "PhaseRotation" or value not in ROTATIONS:
            continue
        if path == "ChargingStation":
            station = str(value)
        elif path.startswith("EVSE/") and path[5:].isdigit():
            found[str(int(path[5:]))] = str(value)
    return {evse: rotated for evse, rotation in found.items() if (rotated := compose(station, rotation))}
