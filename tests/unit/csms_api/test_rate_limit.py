"""Token buckets for the command endpoints, driven by a fake clock."""

from __future__ import annotations

from csms_api.rate_limit import RateLimiter, retry_after_header


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=10, burst=3, clock=clock)
    assert [limiter.acquire("cp") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert round(limiter.acquire("cp"), 6) == 0.1
    clock.now += 0.1
    assert limiter.acquire("cp") == 0.0
    assert round(limiter.acquire("cp"), 6) == 0.1


def test_keys_are_independent() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=FakeClock())
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0


def test_refill_is_capped_at_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    clock.now += 1000
    assert [limiter.acquire("cp") == 0.0 for _ in range(3)] == [True, True, False]


def test_memory_is_bounded_by_dropping_refilled_buckets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock, max_keys=2)
    limiter.acquire("a")
    limiter.acquire("b")
    clock.now += 5
    limiter.acquire("c")
    assert set(limiter._buckets) == {"c"}


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert [retry_after_header(s) for s in (0.01, 1.0, 1.2, 2.0)] == ["1", "1", "2", "2"]
