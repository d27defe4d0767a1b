"""Token buckets per key (a station), for the command endpoints' 10 requests/s with a burst of 100."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from csms_common.token_bucket import TokenBucket


class RateLimiter:
    """Thread-safe (gunicorn gthread); one process's view: with N workers the limit is N times higher."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._forget_full_buckets(now)
                bucket = TokenBucket(self._rate, self._burst, now)
                self._buckets[key] = bucket
            return bucket.take(now)

    def _forget_full_buckets(self, now: float) -> None:
        for key in [key for key, bucket in self._buckets.items() if bucket.is_full(now)]:
            del self._buckets[key]


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
