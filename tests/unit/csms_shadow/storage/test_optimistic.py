"""Bounded retries of optimistic writes: the pure part (attempt counting, pauses)."""

from __future__ import annotations

import asyncio

import pytest

from csms_shadow.storage.optimistic import ContentionExhausted, Done, Lost, RetryPolicy, until_uncontended

FAST = RetryPolicy(attempts=4, first_pause=0.0001, max_pause=0.0004)


def test_pauses_grow_from_the_first_to_the_cap_with_jitter_below_the_bound() -> None:
    policy = RetryPolicy(attempts=10, first_pause=0.001, max_pause=0.01)
    for attempt, bound in [(1, 0.001), (2, 0.002), (4, 0.008), (5, 0.01), (9, 0.01)]:
        pauses = [policy.pause(attempt) for _ in range(200)]
        assert all(0 <= pause <= bound for pause in pauses)
        assert max(pauses) > bound / 2  # drawn across the range, not fixed at zero


def test_an_attempt_that_loses_twice_then_wins_returns_its_value() -> None:
    outcomes: list[Done[str] | Lost] = [Lost(), Lost(), Done("written")]
    calls = 0

    async def attempt() -> Done[str] | Lost:
        nonlocal calls
        calls += 1
        return outcomes[calls - 1]

    assert asyncio.run(until_uncontended("unit_wins", attempt, FAST, station_id="CP-UNIT")) == "written"
    assert calls == 3


def test_done_with_none_is_done() -> None:
    async def attempt() -> Done[None] | Lost:
        return Done(None)

    assert asyncio.run(until_uncontended("unit_none", attempt, FAST, station_id="CP-UNIT")) is None


def test_an_attempt_that_always_loses_stops_after_the_policy_s_attempts() -> None:
    calls = 0

    async def attempt() -> Done[int] | Lost:
        nonlocal calls
        calls += 1
        return Lost()

    with pytest.raises(ContentionExhausted, match="unit_loses: 4 attempts"):
        asyncio.run(until_uncontended("unit_loses", attempt, FAST, station_id="CP-UNIT"))
    assert calls == FAST.attempts
