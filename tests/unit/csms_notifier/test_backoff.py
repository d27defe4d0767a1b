"""The retry schedule: exponential, capped, jitter within bounds."""

from __future__ import annotations

import pytest

from csms_notifier.backoff import retry_delay, schedule


def test_schedule_doubles_up_to_the_cap() -> None:
    assert schedule(8, 1.0, 30.0) == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert schedule(5, 0.2, 2.0) == [0.2, 0.4, 0.8, 1.6]
    assert schedule(1, 1.0, 30.0) == []


def test_jitter_stays_within_its_fraction() -> None:
    assert retry_delay(3, 1.0, 300.0, jitter=0.1, spread=0.0) == pytest.approx(3.6)
    assert retry_delay(3, 1.0, 300.0, jitter=0.1, spread=1.0) == pytest.approx(4.4)
    assert retry_delay(3, 1.0, 300.0, jitter=0.1, spread=0.5) == pytest.approx(4.0)


def test_huge_attempt_numbers_stay_capped() -> None:
    assert retry_delay(10_000, 1.0, 300.0) == 300.0
    with pytest.raises(ValueError):
        retry_delay(0, 1.0, 300.0)
