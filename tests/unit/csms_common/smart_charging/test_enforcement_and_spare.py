"""Hysteresis (decreases always and first) and spare capacity after a settling time."""

from __future__ import annotations

from csms_common.smart_charging.enforcement import Update, plan_updates
from csms_common.smart_charging.spare import DrawState, SpareSettings, observe_draw


def test_decreases_first_small_increases_held_back() -> None:
    enforced = {"a": 16.0, "b": 10.0, "c": 10.0, "d": 0.0, "e": 8.0}
    target = {"a": 15.8, "b": 10.5, "c": 12.0, "d": 6.0, "e": 0.0, "f": 6.0}
    assert plan_updates(enforced, target, hysteresis=1.0) == [
        Update("a", 15.8, 16.0),
        Update("e", 0.0, 8.0),
        Update("c", 12.0, 10.0),
        Update("d", 6.0, 0.0),
        Update("f", 6.0, None),
    ]


def test_spare_after_settling_and_released_when_the_ev_wants_more() -> None:
    settings = SpareSettings(settling_seconds=60, margin_amps=1.0, tolerance_amps=1.0)
    state = DrawState()
    samples = [(0, 16.0, 16.0), (10, 9.0, 16.0), (40, 9.0, 16.0), (69, 9.5, 16.0), (70, 9.0, 16.0)]
    caps = []
    for at, drawn, allocated in samples:
        state = observe_draw(state, at, drawn, allocated, settings)
        caps.append(state.cap_amps)
    assert caps == [None, None, None, None, 10.0]
    state = observe_draw(state, 80, 9.4, 10.0, settings)
    assert state.cap_amps == 10.0
    state = observe_draw(state, 90, 9.6, 10.0, settings)
    assert state == DrawState()
    assert observe_draw(DrawState(5.0, None), 100, 16.0, 16.0, settings) == DrawState()
    idle = DrawState(0.0, 1.0)
    assert observe_draw(idle, 200, 0.0, 0.0, settings) == idle, "paused: still known as idle"
