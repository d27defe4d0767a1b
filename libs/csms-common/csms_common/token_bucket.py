"""A token bucket: ``rate`` tokens per second, at most ``burst`` saved up; the caller passes the time."""

from __future__ import annotations


class TokenBucket:
    """Starts full. ``take`` returns 0.0 when a token was taken, else the seconds until one is available."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> float:
        self._refill(now)
        # The epsilon absorbs float error: a request exactly one refill interval later is allowed.
        if self._tokens >= 1.0 - 1e-9:
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return (1.0 - self._tokens) / self._rate

    def is_full(self, now: float) -> bool:
        """A full bucket carries no information, so its owner may forget it."""
        return self._tokens + (now - self._updated) * self._rate >= self._burst

    def _refill(self, now: float) -> None:
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
