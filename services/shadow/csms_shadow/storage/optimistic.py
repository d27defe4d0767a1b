"""Optimistic writes to Redis with bounded retries: WATCH/MULTI, or a compare-and-set script.

A write that loses to another writer (the watched key changed, the script found another
version) is redone after a short jittered pause, at most ``attempts`` times; then it fails with
:class:`ContentionExhausted` instead of spinning for ever. It is a ``RedisError``, so the shadow
service treats it like any Redis failure: an MQTT message stays unacknowledged and is tried again
later, a request is answered 503. Operation names are fixed strings, so the metric's labels stay
bounded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, WatchError

from csms_shadow.metrics import CAS_EXHAUSTED, CAS_RETRIES

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ContentionExhausted(RedisError):
    """Every attempt of a compare-and-set write lost to another writer."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a contended write is redone."""

    attempts: int = 20
    """Attempts in all. A station's writes come from one replica in order, so two in a row losing
    is already rare; twenty means something keeps rewriting the key."""
    first_pause: float = 0.001
    max_pause: float = 0.05
    """Pauses double from ``first_pause`` up to this, each drawn uniformly below its bound (full
    jitter) so that writers that collided do not collide again in step."""

    def pause(self, attempt: int) -> float:
        """The pause after the ``attempt``-th lost attempt (1-based)."""
        return random.uniform(0, min(self.max_pause, self.first_pause * 2 ** (attempt - 1)))


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Lost:
    """An attempt that found its key changed under it: redo."""


@dataclass(frozen=True)
class Done(Generic[T]):
    """An attempt that is finished, whether it wrote or decided there was nothing to write."""

    value: T


async def until_uncontended(
    operation: str,
    attempt: Callable[[], Awaitable[Done[T] | Lost]],
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    station_id: str,
) -> T:
    """Run ``attempt`` until it is done; at most ``policy.attempts`` times, pausing in between."""
    for number in range(1, policy.attempts + 1):
        outcome = await attempt()
        if isinstance(outcome, Done):
            return outcome.value
        if number < policy.attempts:
            CAS_RETRIES.labels(operation).inc()
            await asyncio.sleep(policy.pause(number))
    CAS_EXHAUSTED.labels(operation).inc()
    logger.error(
        "write abandoned: every attempt lost to another writer",
        extra={"operation": operation, "station_id": station_id, "attempts": policy.attempts},
    )
    raise ContentionExhausted(f"{operation}: {policy.attempts} attempts lost to concurrent writers")


async def watched(
    redis: Redis,
    operation: str,
    keys: list[str],
    body: Callable[[Pipeline], Awaitable[T]],
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    station_id: str,
) -> T:
    """``body(pipe)`` with ``keys`` WATCHed: it reads in immediate mode, then ``pipe.multi()``,
    queues its writes and executes them; if a watched key changed meanwhile it runs again.

    redis-py's ``Redis.transaction`` does the same without a bound; this one stops.
    """
    async with redis.pipeline(transaction=True) as pipe:

        async def attempt() -> Done[T] | Lost:
            try:
                await pipe.watch(*keys)
                return Done(await body(pipe))
            except WatchError:
                # execute() has reset the pipeline already: the next attempt watches afresh.
                return Lost()

        return await until_uncontended(operation, attempt, policy, station_id=station_id)
