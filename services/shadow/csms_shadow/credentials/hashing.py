"""Password hashing off the event loop, a few at a time, with a bounded queue.

scrypt costs about 50 ms of CPU and 16 MiB of memory per check. Run without a bound,
a crowd of wrong passwords takes every core the service has (and the machine's other
services with it). Here at most ``concurrency`` hashes run at once, in threads of their
own (scrypt releases the GIL), and at most ``max_waiting`` more wait; beyond that the
check is refused at once (:class:`HashingBusy`, answered 503 so the station retries).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prometheus_client import Counter, Gauge

_T = TypeVar("_T")

HASHES_WAITING = Gauge("csms_shadow_password_hashes_waiting", "Password checks waiting for a hashing thread")
HASHES_REFUSED = Counter(
    "csms_shadow_password_hashes_refused_total", "Password checks refused (503) because the queue was full"
)

DEFAULT_CONCURRENCY = 2
DEFAULT_MAX_WAITING = 32


class HashingBusy(Exception):
    """Too many password checks are waiting; the caller answers 503."""


class BoundedHashing:
    """Runs hash functions in ``concurrency`` threads, with at most ``max_waiting`` queued."""

    def __init__(
        self, concurrency: int = DEFAULT_CONCURRENCY, max_waiting: int = DEFAULT_MAX_WAITING
    ) -> None:
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="scrypt")
        self._limit = concurrency + max_waiting
        self._concurrency = concurrency
        self._in_flight = 0

    async def run(self, function: Callable[..., _T], *arguments: object) -> _T:
        if self._in_flight >= self._limit:
            HASHES_REFUSED.inc()
            raise HashingBusy("too many password checks waiting")
        self._in_flight += 1
        HASHES_WAITING.set(max(0, self._in_flight - self._concurrency))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *arguments)
        finally:
            self._in_flight -= 1
            HASHES_WAITING.set(max(0, self._in_flight - self._concurrency))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
