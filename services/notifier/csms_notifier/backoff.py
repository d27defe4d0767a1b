"""When to try a failed delivery again (pure): exponential backoff with a cap and a little jitter."""

from __future__ import annotations


def retry_delay(attempt: int, base: float, cap: float, jitter: float = 0.0, spread: float = 0.5) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): ``base * 2**(attempt-1)``, at most
    ``cap``, moved by up to ``± jitter`` of itself (``spread`` in [0, 1] picks where; 0.5 = none),
    so that receivers that failed together are not retried in one burst."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    delay = min(cap, base * float(2 ** min(attempt - 1, 62)))
    return float(max(0.0, delay * (1 + jitter * (2 * spread - 1))))


def schedule(max_attempts: int, base: float, cap: float) -> list[float]:
    """The waits between ``max_attempts`` attempts, without jitter (documentation and tests)."""
    return [retry_delay(attempt, base, cap) for attempt in range(1, max_attempts)]
