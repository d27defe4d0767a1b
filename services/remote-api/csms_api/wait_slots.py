"""A cap on ``?wait`` requests held open at once per API token.

A ``?wait`` command holds its connection until the station answers or the wait runs out (up to a
minute). The gevent worker makes each held request cheap, but not free: without a cap, one token
could hold thousands. Beyond the cap the request is refused with 429, and Retry-After says when the
earliest of that token's waits ends.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class WaitSlotsFull(Exception):
    """Every slot of the key is taken; ``retry_after`` seconds until the first one frees."""

    def __init__(self, key: str, limit: int, retry_after: float) -> None:
        super().__init__(f"{key} holds {limit} waits")
        self.key = key
        self.limit = limit
        self.retry_after = retry_after


class WaitSlots:
    """At most ``per_key`` concurrent holders per key; one process's view (per gunicorn worker)."""

    def __init__(self, per_key: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_key = per_key
        self._clock = clock
        self._deadlines: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, key: str, seconds: float) -> Iterator[None]:
        """Hold one of ``key``'s slots for a wait of ``seconds``; raises WaitSlotsFull."""
        now = self._clock()
        deadline = now + seconds
        with self._lock:
            held = self._deadlines.setdefault(key, [])
            if len(held) >= self._per_key:
                raise WaitSlotsFull(key, self._per_key, max(0.0, min(held) - now))
            held.append(deadline)
        try:
            yield
        finally:
            with self._lock:
                held = self._deadlines[key]
                held.remove(deadline)
                if not held:
                    del self._deadlines[key]

    def held(self, key: str) -> int:
        with self._lock:
            return len(self._deadlines.get(key, ()))
