"""Capacity an EV leaves unused: after it draws clearly less than its share for a settling time, its share
is capped at what it draws plus a margin, and the rest goes to the others; it is released when the EV
draws close to that cap again (it wants more)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SETTLING_SECONDS = 60.0
DEFAULT_MARGIN_AMPS = 1.0
DEFAULT_TOLERANCE_AMPS = 1.0


@dataclass(frozen=True)
class DrawState:
    """What the allocator remembers about one transaction's draw."""

    below_since: float | None = None
    cap_amps: float | None = None


@dataclass(frozen=True)
class SpareSettings:
    settling_seconds: float = DEFAULT_SETTLING_SECONDS
    margin_amps: float = DEFAULT_MARGIN_AMPS
    tolerance_amps: float = DEFAULT_TOLERANCE_AMPS


def observe_draw(
    state: DrawState, at: float, drawn_amps: float, allocated_amps: float, settings: SpareSettings
) -> DrawState:
    """The state after a meter sample: ``drawn_amps`` the highest phase current at ``at`` (seconds)."""
    if allocated_amps <= 0:
        return state  # paused: a draw of 0 says nothing, and an idle EV stays known as idle
    if state.cap_amps is not None:
        # Released once the EV rose by half the margin: a steady EV (at cap - margin) stays capped.
        if drawn_amps >= state.cap_amps - settings.margin_amps / 2:
            return DrawState()
        return state
    if drawn_amps >= allocated_amps - settings.tolerance_amps:
        return DrawState()
    below_since = state.below_since if state.below_since is not None else at
    if at - below_since >= settings.settling_seconds:
        return DrawState(below_since, drawn_amps + settings.margin_amps)
    return DrawState(below_since, None)
