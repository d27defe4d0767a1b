"""The opt-in retry of 429 answers: wait what Retry-After says, or an exponential backoff if longer."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Retry a request the API refused with 429 (it was not executed, so a retried POST is safe).

    The n-th retry waits ``max(Retry-After, backoff * 2 ** (n - 1))``, at most ``max_delay``
    seconds; after ``attempts`` tries in all the ``RateLimited`` error is raised. Nothing else is
    retried: a 5xx after a command was sent may mean the station got it.
    """

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.max_delay < 0:
            raise ValueError("backoff and max_delay must not be negative")

    def delay(self, tries_so_far: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next try, or None when ``tries_so_far`` used every attempt."""
        if tries_so_far >= self.attempts:
            return None
        backoff = self.backoff * 2.0 ** (tries_so_far - 1)
        return min(self.max_delay, max(retry_after or 0.0, backoff))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
