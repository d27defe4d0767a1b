"""Helpers of the storage-budget attacks: a private system, Redis measurements, a latency probe."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from ocpp.v201 import call
from redis import Redis

from tests.support import infra
from tests.support.adversary import latency_bound, percentile
from tests.support.stations import Station201, running
from tests.support.system import System

STORAGE_ONLY_GATEWAY = {"GATEWAY_STATION_BYTE_RATE": "0"}
"""The gateway's bytes-per-second budget off (0), so that a storage test's attacker reaches the
handler at the frame rate the test chose; the byte budget has its own test (test_station_budgets)."""


@contextlib.contextmanager
def private_system(
    workdir: Path,
    shadow_env: dict[str, str],
    handler_env: dict[str, str],
    gateway_env: dict[str, str] | None = None,
) -> Iterator[tuple[System, Redis]]:
    """Broker, Redis and the four services of our own, so Redis growth is this test's alone.

    The gateway runs with ``gateway_env``, by default :data:`STORAGE_ONLY_GATEWAY`."""
    for part in ("mosquitto", "redis", "services"):
        (workdir / part).mkdir(parents=True, exist_ok=True)
    with (
        infra.mosquitto(workdir / "mosquitto") as broker,
        infra.redis(workdir / "redis") as redis_service,
    ):
        system = System(workdir / "services", broker.url, redis_service.url, broker.passwords)
        redis = Redis.from_url(redis_service.url)
        try:
            system.start("shadow", **shadow_env)
            system.start("ocpp-handler", **handler_env)
            system.start("gateway", **(STORAGE_ONLY_GATEWAY if gateway_env is None else gateway_env))
            system.start("remote-api")
            for service in system.processes.values():
                system.wait_ready(service)
            system.gateway_url = f"ws://127.0.0.1:{system.processes['gateway'].env['GATEWAY_PORT']}"
            system.api_url = system.processes["remote-api"].admin_url
            yield system, redis
        finally:
            redis.close()
            system.stop_all()


def used_memory(redis: Redis) -> int:
    """Redis's own count of the bytes its data takes (INFO memory)."""
    return int(redis.info("memory")["used_memory"])


def station_bytes(redis: Redis, station_id: str) -> int:
    """MEMORY USAGE of every key that names the station, plus command records owned by it."""
    total = 0
    for key in redis.scan_iter(match=f"*{station_id}*", count=1000):
        total += int(redis.memory_usage(key, samples=0) or 0)
    return total


def command_keys(redis: Redis) -> int:
    return sum(1 for _ in redis.scan_iter(match="*command:*", count=1000))


@dataclass
class LatencyProbe:
    """A well-behaved 2.0.1 station (the ocpp library's client) timing Heartbeats."""

    samples: list[float] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    """The heartbeat loop; a waiter checks it so a dead loop fails the test instead of hanging it."""

    def check_alive(self) -> None:
        """Raise what ended the heartbeat loop (the station's error), if it ended."""
        if self.task is not None and self.task.done():
            self.task.result()  # raises the loop's exception
            raise AssertionError("the well-behaved station's heartbeat loop stopped")

    def p99(self) -> float:
        return percentile(self.samples, 0.99)


@contextlib.asynccontextmanager
async def heartbeat_probe(gateway_url: str, station_id: str, period: float) -> AsyncIterator[LatencyProbe]:
    """Time one Heartbeat every ``period`` seconds while the block runs."""
    probe = LatencyProbe()
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
        async with running(Station201(station_id, ws)) as station:

            async def loop() -> None:
                while True:
                    started = time.perf_counter()
                    await station.call(call.Heartbeat())
                    probe.samples.append(time.perf_counter() - started)
                    await asyncio.sleep(period)

            task = asyncio.create_task(loop())
            probe.task = task
            try:
                yield probe
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def measure_idle(gateway_url: str, station_id: str, count: int, period: float) -> LatencyProbe:
    """The well-behaved station's latency with nothing else going on: the baseline."""
    async with heartbeat_probe(gateway_url, station_id, period) as probe:
        while len(probe.samples) < count:
            probe.check_alive()
            await asyncio.sleep(period)
    return probe


def latency_kept(
    idle_before: LatencyProbe, attack: LatencyProbe, idle_after: LatencyProbe
) -> tuple[bool, str]:
    """Whether the well-behaved station's p99 under attack is within the bound every adversarial test
    uses (``adversary.latency_bound``: 2x the idle p99, at least 100 ms), and a line saying so. The idle
    figure is the larger of a run before and one after the attack (the machine is shared: other load
    comes and goes)."""
    baseline = max(idle_before.p99(), idle_after.p99())
    bound = latency_bound(baseline)
    line = (
        f"well-behaved station: idle p99 {idle_before.p99() * 1000:.1f} ms before, "
        f"{idle_after.p99() * 1000:.1f} ms after; under attack p99 {attack.p99() * 1000:.1f} ms, "
        f"p50 {percentile(attack.samples, 0.5) * 1000:.1f} ms over {len(attack.samples)} heartbeats "
        f"(limit {bound * 1000:.1f} ms)"
    )
    return attack.p99() <= bound, line
