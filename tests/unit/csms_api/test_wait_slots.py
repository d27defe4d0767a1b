"""The per-token cap on ?wait requests, driven by a fake clock."""

from __future__ import annotations

import contextlib

import pytest

from csms_api.wait_slots import WaitSlots, WaitSlotsFull


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_cap_per_key_and_retry_after_is_the_earliest_end() -> None:
    clock = FakeClock()
    slots = WaitSlots(per_key=2, clock=clock)
    with contextlib.ExitStack() as stack:
        stack.enter_context(slots.hold("dashboard", 10))
        clock.now += 1
        stack.enter_context(slots.hold("dashboard", 3))
        clock.now += 1
        with pytest.raises(WaitSlotsFull) as full:
            stack.enter_context(slots.hold("dashboard", 5))
        assert full.value.limit == 2
        assert full.value.retry_after == 2.0  # the 3 s wait started a second ago
        with slots.hold("dispatcher", 5):  # another token has its own slots
            assert slots.held("dispatcher") == 1
        assert slots.held("dashboard") == 2
    assert slots.held("dashboard") == 0
    with slots.hold("dashboard", 1):
        assert slots.held("dashboard") == 1


def test_a_failing_wait_frees_its_slot() -> None:
    slots = WaitSlots(per_key=1, clock=FakeClock())
    with pytest.raises(RuntimeError), slots.hold("t", 1):
        raise RuntimeError("publish failed")
    with slots.hold("t", 1):
        assert slots.held("t") == 1


def test_equal_deadlines_are_released_one_at_a_time() -> None:
    slots = WaitSlots(per_key=3, clock=FakeClock())
    with slots.hold("t", 4):
        with slots.hold("t", 4):
            assert slots.held("t") == 2
        assert slots.held("t") == 1
    assert slots.held("t") == 0
