"""Per-station budgets that outlive connections, and handshake-attempt throttles (fake clock)."""

from __future__ import annotations

import pytest

from csms_gateway.budgets import AttemptThrottle, Bucket, Rate, StationBudget, StationBudgets

FRAMES = Rate(20, 100)
BYTES = Rate(1000, 5000)


def drain_frames(budget: StationBudget, now: float, size: int = 1) -> int:
    """Frames taken at one instant until the budget says wait."""
    taken = 0
    while budget.take(size, now)[0] == 0.0:
        taken += 1
    return taken


def test_a_station_gets_its_burst_then_its_rate() -> None:
    budget = StationBudget(FRAMES, Rate(0, 1), now=0.0)
    assert drain_frames(budget, 0.0) == 100
    wait, short = budget.take(1, 0.0)
    assert short == "frames"
    assert wait == pytest.approx(1 / 20)
    assert drain_frames(budget, 1.0) == 20


def test_bytes_are_budgeted_as_well_as_frames() -> None:
    budget = StationBudget(FRAMES, BYTES, now=0.0)
    assert drain_frames(budget, 0.0, size=1000) == 5
    wait, short = budget.take(1000, 0.0)
    assert short == "bytes"
    assert wait == pytest.approx(1.0)
    # One second later: 1,000 bytes back, one frame of 1,000 bytes.
    assert drain_frames(budget, 1.0, size=1000) == 1


def test_a_frame_larger_than_the_burst_costs_the_whole_burst_and_still_passes() -> None:
    budget = StationBudget(FRAMES, BYTES, now=0.0)
    assert budget.take(50_000, 0.0) == (0.0, None)
    assert budget.take(1, 0.0)[1] == "bytes"


def test_nothing_is_taken_while_a_frame_waits() -> None:
    budget = StationBudget(Rate(1, 1), Rate(10, 10), now=0.0)
    assert budget.take(10, 0.0) == (0.0, None)
    for _ in range(5):
        assert budget.take(10, 0.5)[0] > 0
    # Refused attempts took nothing: after a full second both buckets are back.
    assert budget.take(10, 1.0) == (0.0, None)


def test_reconnecting_does_not_refill_a_station_budget() -> None:
    budgets = StationBudgets(FRAMES, BYTES, capacity=100)
    first_connection = budgets.of("CP1", 0.0)
    assert drain_frames(first_connection, 0.0) == 100
    second_connection = budgets.of("CP1", 0.1)
    assert second_connection is first_connection
    assert drain_frames(second_connection, 0.1) == 2  # 0.1 s at 20/s, nothing more
    assert drain_frames(budgets.of("CP2", 0.1), 0.1) == 100  # another station is untouched


def test_the_budget_map_is_bounded_and_forgets_full_budgets_first() -> None:
    budgets = StationBudgets(FRAMES, BYTES, capacity=10)
    busy = budgets.of("busy", 0.0)
    drain_frames(busy, 0.0)
    for index in range(1000):
        budgets.of(f"idle-{index}", 0.0)
        assert len(budgets) <= 10
    # The drained budget carried information and was kept while full ones could go.
    assert budgets.of("busy", 0.0) is busy


def test_attempts_are_throttled_per_key() -> None:
    attempts = AttemptThrottle(Rate(1, 3), capacity=100)
    assert [attempts.attempt("CP1", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert attempts.attempt("CP1", 0.0) == pytest.approx(1.0)
    assert attempts.wait("CP1", 0.5) == pytest.approx(0.5)
    assert attempts.attempt("CP2", 0.0) == 0.0
    assert attempts.attempt("CP1", 1.0) == 0.0


def test_a_disabled_throttle_allows_everything() -> None:
    attempts = AttemptThrottle(Rate(0, 1), capacity=10)
    assert all(attempts.attempt("x", 0.0) == 0.0 for _ in range(100))
    assert len(attempts) == 0


def test_attempt_map_is_bounded() -> None:
    attempts = AttemptThrottle(Rate(1, 1), capacity=50)
    for index in range(10_000):
        attempts.attempt(f"10.0.{index // 256}.{index % 256}", 0.0)
    assert len(attempts) <= 50


def test_bucket_does_not_go_back_in_time() -> None:
    bucket = Bucket(1, 1, now=10.0)
    bucket.spend(1)
    bucket.refill(5.0)
    assert bucket.wait_for(1) == pytest.approx(1.0)
