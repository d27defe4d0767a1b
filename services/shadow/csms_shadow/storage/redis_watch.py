"""Whether this replica reaches Redis: a replica that does not leaves the shared requests to the others.

Registry requests (a handler's lookup of any station, a gateway's password check, remote-api's reads)
reach the shadow replicas through one shared MQTT subscription: the broker hands each request to one
of them, whatever the station's partition. A replica cut from Redis (a network partition between it
and Redis, measured by tests/e2e/test_partitions.py) kept its share and answered each of them only
after its Redis timeout, when the caller had given up: stations of every partition got InternalError,
not only those of the replica's own. Now the replica pings Redis twice a second; after ``FAILURES_TO_LEAVE``
failed pings in a row it unsubscribes from the shared requests (the other replicas take all of them),
and after one good ping it subscribes again. Its own partition's shadow updates and records are not
affected: they wait, unacknowledged, on its persistent session, and are applied once Redis answers.

Only with SHADOW_PARTITIONS > 1: a single replica has nobody to leave the requests to, and answers
them with 503 (ServiceUnavailable) instead, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PING_INTERVAL = 0.5
"""Seconds between pings."""
PING_TIMEOUT = 1.0
"""A ping that takes longer failed: a PING is answered in microseconds by a Redis that is there."""
FAILURES_TO_LEAVE = 2
"""Failed pings in a row before the replica leaves: one slow ping on a busy machine is no partition."""


@dataclass
class RedisWatch:
    """Pings Redis; calls ``leave`` once it is unreachable and ``rejoin`` once it answers again."""

    ping: Callable[[], Awaitable[object]]
    leave: Callable[[], Awaitable[None]]
    rejoin: Callable[[], Awaitable[None]]
    interval: float = PING_INTERVAL
    timeout: float = PING_TIMEOUT
    failures_to_leave: int = FAILURES_TO_LEAVE
    failures: int = 0
    away: bool = False
    """True while this replica has left the shared requests."""

    async def check(self) -> None:
        """One ping, and the change it calls for."""
        try:
            await asyncio.wait_for(self.ping(), self.timeout)
        except (RedisError, OSError, TimeoutError) as error:
            self.failures += 1
            if not self.away and self.failures >= self.failures_to_leave:
                self.away = True
                logger.warning(
                    "redis unreachable, leaving the shared requests to the other replicas",
                    extra={"failed_pings": self.failures, "error": str(error) or type(error).__name__},
                )
                await self.leave()
            return
        self.failures = 0
        if self.away:
            self.away = False
            logger.info("redis reachable again, taking shared requests again")
            await self.rejoin()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            await self.check()
            try:
                await asyncio.wait_for(stopping.wait(), self.interval)
            except TimeoutError:
                continue
