"""Which allocations to send: every decrease at once (a limit must hold), an increase only when it
exceeds the hysteresis (fewer profiles for little gain), a pause or a resume always; decreases first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_HYSTERESIS_AMPS = 1.0


@dataclass(frozen=True)
class Update:
    key: str
    amps: float
    previous: float | None


def plan_updates(
    enforced: Mapping[str, float], target: Mapping[str, float], hysteresis: float = DEFAULT_HYSTERESIS_AMPS
) -> list[Update]:
    """Updates bringing stations from ``enforced`` towards ``target``, decreases before increases.

    Holding back an increase keeps the station below its share, so the sum stays within the limit."""
    decreases: list[Update] = []
    increases: list[Update] = []
    for key, amps in sorted(target.items()):
        previous = enforced.get(key)
        if previous is None or amps < previous:
            (decreases if previous is not None else increases).append(Update(key, amps, previous))
        elif amps > previous and (previous == 0 or amps - previous > hysteresis):
            increases.append(Update(key, amps, previous))
    return decreases + increases


def apply_updates(enforced: Mapping[str, float], updates: list[Update]) -> dict[str, float]:
    return {**enforced, **{update.key: update.amps for update in updates}}
